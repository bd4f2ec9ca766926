"""A lead places a project in a roadmap column of their choosing, with a reason in Welsh and English,
or gives it back to the rule (web/roadmap.py). A plain form that works without JavaScript, sent at the
version it was opened at (If-Match), so nobody overrides a change they have not seen."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from web import roadmap
from web.context import Language, PageLanguage, staff_only
from web.i18n import N_
from web.pages.common import Errors, HxRequest, api_errors, call, page, parse_version, read, request_key, request_key_in
from web.pages.projects import project_address
from web.pages.roadmap import HEADINGS

FOLLOW_THE_RULE = N_("Where its phase, state and milestones put it")
GIVE_A_REASON = N_("Give the reason for placing the project there, in Welsh or English or both")
CHANGED_MEANWHILE = N_("Someone else changed this project since you opened the form: go back to the project to see it")


def column_options(lang: Language) -> list[tuple[str, str, None]]:
    return [("", lang._(FOLLOW_THE_RULE), None)] + [(c, lang._(HEADINGS[c][0]), None) for c in roadmap.COLUMNS]


async def placement_form(request: HxRequest, lang: Language, project: dict[str, Any], values: dict[str, str],
                         errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "projects/roadmap.html", status=status, project=project, values=values, errors=errors,
                      column_options=column_options(lang), headings=HEADINGS)  # fmt: skip


@get("/projects/{project_id:uuid}/roadmap", guards=[staff_only])
async def roadmap_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Template:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    placed = project.get("roadmap_override") or {}
    reason = placed.get("reason") or {}
    values = {"column": placed.get("column") or "", "reason_cy": reason.get("cy", ""),
              "reason_en": reason.get("en", ""), "version": str(project["version"]),
              "request_key": request_key()}  # fmt: skip
    return await placement_form(request, lang, project, values, Errors())


@post("/projects/{project_id:uuid}/roadmap", guards=[staff_only])
async def place_on_roadmap(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Response[Any]:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in ("column", "reason_cy", "reason_en", "version")}
    values["request_key"] = request_key_in(form) or request_key()
    if values["column"] not in roadmap.COLUMNS:
        values["column"] = ""
    errors = Errors()
    if values["column"] and not (values["reason_cy"] or values["reason_en"]):
        errors.add("reason_cy", lang._(GIVE_A_REASON))
    if not errors:
        body = {"column": values["column"] or None, "reason": {"cy": values["reason_cy"], "en": values["reason_en"]}}
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/roadmap", json=body,
                           version=parse_version(values["version"]), key=values["request_key"])  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=roadmap", status_code=303)
        if reply.status == 412:
            errors.add("column", lang._(CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, {"reason.cy": "reason_cy", "reason.en": "reason_en",
                                                 "reason": "reason_cy", "": "column", "body": "column"})  # fmt: skip
    return await placement_form(request, lang, project, values, errors, status=422)


ROUTES = [roadmap_form, place_on_roadmap]
