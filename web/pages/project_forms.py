"""Staff forms on a project: edit, change phase, change health, post an update.

Each is a GOV.UK form page that also works inline: htmx loads the form into the project page and
posts it there; a problem comes back as the form with its errors, success as the refreshed project.
Writes carry If-Match with the version the form was loaded at. On 412 the form shows the current
values beside the person's own and takes the new version, so sending it again is a deliberate retry.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Response, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template

from shared import bilingual
from web.accounts import Account
from web.context import Language, PageLanguage, Viewer, staff_only
from web.pages import labels, validation
from web.pages.common import (
    Errors,
    HxRequest,
    Reply,
    api_errors,
    bilingual_body,
    call,
    date_parts,
    form_date_parts,
    is_htmx,
    page,
    parse_date,
    parse_version,
    partners_by_id,
    remember_write,
    request_key,
    request_key_in,
    today,
)  # fmt: skip
from web.pages.projects import project_address, project_form_options, project_response
from web.pages.validation import check

KINDS = ("edit", "phase", "health", "update")
TEXT_FIELDS = ("title_en", "title_cy", "summary_en", "summary_cy")


@dataclass
class Submission:
    values: dict[str, Any]
    body: dict[str, Any]
    errors: Errors


def initial_values(kind: str, project: dict[str, Any]) -> dict[str, Any]:
    if kind == "edit":
        return {**{f: project.get(f) or "" for f in TEXT_FIELDS}, "partner_id": project.get("partner_id") or "",
                "visibility": project["visibility"], "tags": project.get("tags") or [],
                "wellbeing_goals": project.get("wellbeing_goals") or [],
                "start_date": date_parts(project.get("start_date"))}  # fmt: skip
    if kind == "phase":
        return {"action": "", "effective": date_parts(today()), "reason_cy": "", "reason_en": "", "assessment": "",
                "assessment_url": "", "gate_override_reason_cy": "", "gate_override_reason_en": ""}  # fmt: skip
    if kind == "health":
        reason = bilingual.read(project.get("health_reason"))
        return {"health": project["health"], "reason_cy": reason.cy, "reason_en": reason.en}
    return {
        "body_en": "",
        "body_cy": "",
        "posted_on": date_parts(today()),
        "health": "",
        "health_reason_cy": "",
        "health_reason_en": "",
    }


def read_submission(lang: Language, kind: str, form: Any) -> Submission:
    """The form's values (kept to show again) and the API body, or errors found before calling."""
    _ = lang._
    text = {name: str(form.get(name, "")).strip() for name in form}
    errors = Errors()
    body: dict[str, Any] = {}
    if kind == "edit":
        values: dict[str, Any] = {f: text.get(f, "") for f in (*TEXT_FIELDS, "partner_id", "visibility")}
        values["tags"] = [t for t in form.getall("tags", []) if t in labels.TAGS]
        values["wellbeing_goals"] = [g for g in form.getall("wellbeing_goals", []) if g in labels.GOALS]
        values["start_date"] = form_date_parts(form, "start_date")
        check(lang, values, validation.PROJECT_CHANGES, errors)
        start, given = parse_date(form, "start_date")
        if given and start is None:
            errors.add("start_date-day", _("Enter a real start date"))
        body = {**{f: values[f] for f in TEXT_FIELDS}, "partner_id": values["partner_id"] or None,
                "visibility": values["visibility"], "tags": values["tags"],
                "wellbeing_goals": values["wellbeing_goals"],
                "start_date": start.isoformat() if start else None}  # fmt: skip
    elif kind == "phase":
        fields = ("action", "reason_cy", "reason_en", "assessment", "assessment_url", "gate_override_reason_cy",
                  "gate_override_reason_en")  # fmt: skip
        values = {f: text.get(f, "") for f in fields}
        values["effective"] = form_date_parts(form, "effective")
        effective, _given = parse_date(form, "effective")
        if not values["action"]:
            errors.add("action", _("Choose what to do"))
        if effective is None:
            errors.add("effective-day", _("Enter the date the change took effect, like 27 3 2026"))
        check(lang, values, validation.PHASE_CHANGE, errors)
        action, _sep, to_phase = values["action"].partition(":")
        body = {"kind": action, "effective": effective.isoformat() if effective else None,
                "reason": bilingual_body(values, "reason"), "to_phase": to_phase or None,
                "assessment": values["assessment"] or None, "assessment_url": values["assessment_url"] or None,
                "gate_override_reason": bilingual_body(values, "gate_override_reason")}  # fmt: skip
    elif kind == "health":
        values = {"health": text.get("health", ""), "reason_cy": text.get("reason_cy", ""),
                  "reason_en": text.get("reason_en", "")}  # fmt: skip
        if values["health"] not in labels.HEALTH:
            errors.add("health", _("Choose the project's health"))
        check(lang, values, validation.HEALTH_CHANGE, errors)
        body = {"health": values["health"], "reason": bilingual_body(values, "reason")}
    else:
        values = {f: text.get(f, "") for f in ("body_en", "body_cy", "health", "health_reason_cy", "health_reason_en")}
        values["posted_on"] = form_date_parts(form, "posted_on")
        check(lang, values, validation.UPDATE_TEXT, errors)
        posted_on, given = parse_date(form, "posted_on")
        if given and posted_on is None:
            errors.add("posted_on-day", _("Enter a real date"))
        check(lang, values, validation.UPDATE_HEALTH_REASON, errors)
        body = {"body_en": values["body_en"], "body_cy": values["body_cy"], "health": values["health"] or None,
                "health_reason": bilingual_body(values, "health_reason"),
                "posted_on": posted_on.isoformat() if posted_on else None}  # fmt: skip
    return Submission(values, body, errors)


# Where the API's field names go on each form.
FIELD_IDS = {
    "start_date": "start_date-day", "effective": "effective-day", "posted_on": "posted_on-day",
    "to_phase": "action", "kind": "action", "body": "", "If-Match": "",
    # a bilingual text refused as a whole (amber needs a reason) is named at its first field, the Welsh
    "reason": "reason_cy", "health_reason": "health_reason_cy", "gate_override_reason": "gate_override_reason_cy",
}  # fmt: skip


def changed_rows(lang: Language, kind: str, values: dict[str, Any], current: dict[str, Any]) -> list[Any]:
    """(what, your value, current value) for each field where someone else's change differs from yours."""
    _ = lang._
    if kind == "phase":
        now = f"{labels.name(_, labels.PHASES, current['phase'])} ({labels.name(_, labels.STATES, current['state'])})"
        return [(_("Phase"), action_text(lang, values.get("action", "")), now)]
    reader: bilingual.Lang = "en" if lang.code == "en" else "cy"
    if kind == "health":
        reason = bilingual.read(bilingual_body(values, "reason"))
        return [(_("Health"), labels.name(_, labels.HEALTH, values["health"]) if values["health"] else "",
                 labels.name(_, labels.HEALTH, current["health"])),
                (_("Reason for the health"), bilingual.shown(reason, reader).text,
                 bilingual.shown(bilingual.read(current.get("health_reason")), reader).text)]  # fmt: skip
    if kind != "edit":
        return []
    rows: list[tuple[str, Any, Any]] = []
    for field in (*TEXT_FIELDS, "visibility"):
        if str(values.get(field) or "") != str(current.get(field) or ""):
            rows.append((labels.name(_, labels.FIELDS, field), values.get(field) or "", current.get(field) or ""))
    if sorted(values.get("tags") or []) != sorted(current.get("tags") or []):
        both = (values["tags"], current.get("tags") or [])
        yours, theirs = (", ".join(labels.name(_, labels.TAGS, t) for t in tags) for tags in both)
        rows.append((labels.name(_, labels.FIELDS, "tags"), yours, theirs))
    if sorted(values.get("wellbeing_goals") or []) != sorted(current.get("wellbeing_goals") or []):
        goals = (values["wellbeing_goals"], current.get("wellbeing_goals") or [])
        yours, theirs = (", ".join(labels.name(_, labels.GOALS, g) for g in chosen) for chosen in goals)
        rows.append((labels.name(_, labels.FIELDS, "wellbeing_goals"), yours, theirs))
    if str(values.get("partner_id") or "") != str(current.get("partner_id") or ""):
        rows.append((labels.name(_, labels.FIELDS, "partner_id"), _("Changed"), _("Changed")))
    return rows


def action_text(lang: Language, action: str) -> str:
    _ = lang._
    kind, _sep, phase = action.partition(":")
    if kind not in labels.ACTIONS:
        return ""
    if phase:
        return labels.name(_, labels.ACTIONS, kind, phase=labels.name(_, labels.PHASES, phase))
    return labels.name(_, labels.ACTIONS, kind)


async def render(
    request: HxRequest, lang: Language, kind: str, project: dict[str, Any], values: dict[str, Any], *, version: int,
    errors: Errors | None = None, stale: list[Any] | None = None, status: int = 200,
) -> Template:  # fmt: skip
    inline = is_htmx(request)
    partners, partners_error = await partners_by_id(request)
    offered = [
        a["kind"] if a["to_phase"] is None else f"{a['kind']}:{a['to_phase']}" for a in project["allowed_actions"]
    ]
    actions = [(a, action_text(lang, a), None) for a in offered]
    return await page(
        request, f"partials/forms/{kind}.html" if inline else "projects/form.html", status=status,
        kind=kind, project=project, values=values, version=version, errors=errors or Errors(), stale=stale,
        inline=inline, actions=actions, partners=partners, partners_error=partners_error,
        request_key=request_key(), **project_form_options(lang, partners),
    )  # fmt: skip


async def load(request: HxRequest, project_id: uuid.UUID) -> tuple[dict[str, Any], int]:
    reply = await call(request, "portfolio", "GET", f"/api/v1/projects/{project_id}")
    if reply.status == 404:
        raise NotFoundException()
    project: dict[str, Any] = reply.body
    return project, reply.version or int(project.get("version", 0))


async def a_form_of_ours(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """/projects/<id>/<anything else> is not a page (404), whoever asks."""
    if connection.path_params.get("kind") not in KINDS:
        raise NotFoundException()


@get("/projects/{project_id:uuid}/{kind:str}", guards=[a_form_of_ours, staff_only])
async def project_form(
    request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID], kind: FromPath[str]
) -> Template:
    project, version = await load(request, project_id)
    return await render(request, lang, kind, project, initial_values(kind, project), version=version)


@post("/projects/{project_id:uuid}/{kind:str}", guards=[a_form_of_ours, staff_only])
async def submit_project_form(
    request: HxRequest, lang: PageLanguage, account: Viewer, project_id: FromPath[uuid.UUID], kind: FromPath[str]
) -> Response[Any]:
    form = await request.form()
    submission = read_submission(lang, kind, form)
    version = parse_version(str(form.get("version", ""))) or 0  # an unknown version is stale: the 412 shows why
    if submission.errors:
        project, _current = await load(request, project_id)
        return await render(request, lang, kind, project, submission.values, version=version,
                            errors=submission.errors, status=422)  # fmt: skip
    reply = await send(request, kind, project_id, submission.body, version, request_key_in(form))
    if reply.ok:
        return await succeeded(request, lang, account, kind, project_id, reply)
    if reply.status == 404:
        raise NotFoundException()
    if reply.status in (401, 403):
        raise PermissionDeniedException()
    project, current_version = await load(request, project_id)
    if reply.status == 412:
        errors = Errors()
        first = {"edit": "title_en", "phase": "action", "health": "health", "update": "body_en"}[kind]
        errors.add(first, api_errors(request, reply).popitem()[1])
        rows = changed_rows(lang, kind, submission.values, project)
        return await render(request, lang, kind, project, submission.values, version=current_version, errors=errors,
                            stale=rows, status=412)  # fmt: skip
    errors = api_errors(request, reply, {**FIELD_IDS, "": "action" if kind == "phase" else ""})
    return await render(request, lang, kind, project, submission.values, version=version, errors=errors,
                        status=reply.status if reply.status in (409, 422) else 422)  # fmt: skip


async def send(
    request: HxRequest, kind: str, project_id: uuid.UUID, body: dict[str, Any], version: int, key: str | None
) -> Reply:
    path = f"/api/v1/projects/{project_id}"
    if kind == "edit":
        return await call(request, "portfolio", "PATCH", path, json=body, version=version)
    if kind == "update":
        return await call(request, "portfolio", "POST", f"{path}/updates", json=body, key=key)
    return await call(request, "portfolio", "POST", f"{path}/{kind}", json=body, version=version, key=key)


async def succeeded(
    request: HxRequest, lang: Language, account: Account | None, kind: str, project_id: uuid.UUID, reply: Reply
) -> Response[Any]:
    done = {"edit": "edited", "phase": "phase", "health": "health", "update": "update"}[kind]
    project: dict[str, Any] = reply.body
    version = reply.version
    if version is None:  # an update's answer is the update: the project and its new version are on the project
        project, version = await load(request, project_id)
    elif is_htmx(request) and project.get("last_change") is None:
        project, _ = await load(request, project_id)  # one project's answer says what changed it last
    response: Response[Any]
    if is_htmx(request):
        response = await project_response(request, lang, account, project, done)
    else:
        response = Redirect(f"{project_address(project)}?done={done}", status_code=303)
    remember_write(request, response, str(project_id), version)
    return response
