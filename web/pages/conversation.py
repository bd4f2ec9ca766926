"""A project's conversation on its page: staff and the project's partner write comments (Markdown-lite,
in Welsh, English or both), staff write staff-only notes, authors change theirs for a few minutes,
and authors or staff delete them (the thread keeps a "deleted" line in its place). Plain forms that
work without JavaScript; changing and deleting carry the comment's version (If-Match)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from shared import bilingual
from web.accounts import Account
from web.context import Language, PageLanguage, SignedIn
from web.i18n import N_, ONLY_IN
from web.markdown_lite import to_html
from web.pages.common import Errors, HxRequest, api_errors, call, page, parse_version, read, request_key, request_key_in

COMMENT_LIMIT = 10000
CHANGED_MEANWHILE = N_("Someone changed or deleted this comment since you opened it: go back to see it as it is now")


def may_talk(account: Account | None, project: dict[str, Any]) -> bool:
    """Staff, and the accounts of the project's own partner (the portfolio decides again)."""
    if account is None:
        return False
    if account.role in ("admin", "lead"):
        return True
    return (
        account.role == "partner"
        and project.get("partner_id") is not None
        and (str(account.partner_id) == str(project["partner_id"]))
    )


def shown(lang: Language, comment: dict[str, Any], account: Account, now: dt.datetime) -> dict[str, Any]:
    """A comment as the page shows it: in the reader's language when written in it, else the other
    (marked), rendered safely; and what the reader may do with it."""
    text = bilingual.Bilingual(en=comment["body"].get("en", ""), cy=comment["body"].get("cy", ""))
    seen = bilingual.shown(text, "en" if lang.code == "en" else "cy")
    mine = comment["author_id"] == str(account.id)
    deleted = comment["deleted_at"] is not None
    until = dt.datetime.fromisoformat(str(comment["editable_until"]).replace("Z", "+00:00"))
    return comment | {
        "html": to_html(seen.text), "text_lang": seen.lang, "only": lang._(ONLY_IN[seen.lang]) if seen.only else "",
        "may_edit": mine and not deleted and now <= until, "deleted": deleted,
        "may_delete": not deleted and (mine or account.role in ("admin", "lead")),
        "from_cdps": comment["author_role"] in ("admin", "lead"),
    }  # fmt: skip


async def conversation_context(request: HxRequest, lang: Language, account: Account | None, project: dict[str, Any]
                               ) -> dict[str, Any]:  # fmt: skip
    """What the project page's conversation needs; nothing for someone who takes no part in it."""
    if account is None or not may_talk(account, project):
        return {"talks": False}
    reply = await call(request, "portfolio", "GET", f"/api/v1/projects/{project['id']}/comments")
    now = dt.datetime.now(dt.UTC)
    comments = [shown(lang, c, account, now) for c in reply.body] if reply.ok else []
    return {"talks": True, "comments": comments, "comments_error": None if reply.ok else reply.status,
            "comment_key": request_key()}  # fmt: skip


def address(project: dict[str, Any]) -> str:
    return f"/projects/{project['slug']}"


@post("/projects/{project_id:uuid}/comments")
async def post_comment(request: HxRequest, lang: PageLanguage, me: SignedIn, project_id: FromPath[uuid.UUID]
                       ) -> Response[Any]:  # fmt: skip
    """The text goes as it was typed: the portfolio tells its language."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    text = str(form.get("comment", "")).strip()
    internal = str(form.get("internal", "")) == "yes" and me.role in ("admin", "lead")
    errors = Errors()
    if not text:
        errors.add("comment", lang._("Write your comment"))
    elif len(text) > COMMENT_LIMIT:
        errors.add("comment", lang._("Your comment must be %(max)s characters or fewer", max=f"{COMMENT_LIMIT:,}"))
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/comments",
                           json={"comment": text, "internal": internal}, key=request_key_in(form))  # fmt: skip
        if reply.status == 201:
            return Redirect(f"{address(project)}?done=comment#conversation", status_code=303)
        errors = api_errors(request, reply, {"": "comment", "body": "comment"})
    return await page(request, "projects/comment.html", status=422, project=project, errors=errors,
                      values={"comment": text, "internal": internal, "request_key": request_key()},
                      comment=None)  # fmt: skip


async def find_comment(request: HxRequest, project_id: uuid.UUID, comment_id: uuid.UUID) -> dict[str, Any]:
    for comment in await read(request, "portfolio", f"/api/v1/projects/{project_id}/comments"):
        if comment["id"] == str(comment_id):
            return dict(comment)
    raise NotFoundException()


@get("/projects/{project_id:uuid}/comments/{comment_id:uuid}/edit")
async def edit_comment_form(request: HxRequest, me: SignedIn, project_id: FromPath[uuid.UUID],
                            comment_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    comment = await find_comment(request, project_id, comment_id)
    values = {"comment_cy": comment["body"]["cy"], "comment_en": comment["body"]["en"],
              "version": str(comment["version"])}  # fmt: skip
    return await page(request, "projects/comment.html", project=project, comment=comment, values=values,
                      errors=Errors())  # fmt: skip


@post("/projects/{project_id:uuid}/comments/{comment_id:uuid}/edit")
async def edit_comment(request: HxRequest, lang: PageLanguage, me: SignedIn, project_id: FromPath[uuid.UUID],
                       comment_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """Both languages as the author now wants them, at the version the form was opened at."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    comment = await find_comment(request, project_id, comment_id)
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in ("comment_cy", "comment_en", "version")}
    errors = Errors()
    if not (values["comment_cy"] or values["comment_en"]):
        errors.add("comment_cy", lang._("Write your comment in Welsh, in English or in both"))
    for name in ("comment_cy", "comment_en"):
        if len(values[name]) > COMMENT_LIMIT:
            errors.add(name, lang._("Your comment must be %(max)s characters or fewer", max=f"{COMMENT_LIMIT:,}"))
    if not errors:
        body = {"comment": {"cy": values["comment_cy"], "en": values["comment_en"]}}
        reply = await call(request, "portfolio", "PATCH", f"/api/v1/comments/{comment_id}", json=body,
                           version=parse_version(values["version"]))  # fmt: skip
        if reply.ok:
            return Redirect(f"{address(project)}?done=comment_edited#conversation", status_code=303)
        if reply.status == 412:
            errors.add("comment_cy", lang._(CHANGED_MEANWHILE))
        else:  # too late, deleted meanwhile, or not theirs: the portfolio says which
            errors = api_errors(request, reply, {"": "comment_cy", "comment": "comment_cy", "comment.cy": "comment_cy",
                                                 "comment.en": "comment_en"})  # fmt: skip
    return await page(request, "projects/comment.html", status=422, project=project, comment=comment,
                      values=values, errors=errors)  # fmt: skip


@post("/projects/{project_id:uuid}/comments/{comment_id:uuid}/delete")
async def delete_comment(request: HxRequest, me: SignedIn, project_id: FromPath[uuid.UUID],
                         comment_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """At the version the page showed; changed meanwhile, the page shows it as it is now."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    version = parse_version(str((await request.form()).get("version", "")))
    reply = await call(request, "portfolio", "DELETE", f"/api/v1/comments/{comment_id}", version=version)
    done = "?done=comment_deleted" if reply.ok else ""
    return Redirect(f"{address(project)}{done}#conversation", status_code=303)


ROUTES = [post_comment, edit_comment_form, edit_comment, delete_comment]
