"""Staff forms for a project's milestones: add or edit one (a bilingual title, a month or a day, the
gate it prepares), mark one done, remove one. Plain forms that work without JavaScript; marking done and
removing carry the milestone's version (If-Match), so nobody undoes a change they have not seen."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from web.context import Language, PageLanguage, staff_only
from web.i18n import N_
from web.pages import labels, validation
from web.pages.common import (
    DATE_PART,
    Errors,
    HxRequest,
    api_errors,
    call,
    form_date_parts,
    page,
    parse_version,
    read,
    request_key,
    request_key_in,
)  # fmt: skip
from web.pages.projects import project_address
from web.pages.validation import check

GATES = ("alpha", "private_beta", "public_beta", "live")
REAL_TARGET = N_("Enter a real month and year, and a day if you know it")
CHANGED_MEANWHILE = N_("Someone else changed this milestone since you opened it: go back to the project to see it")


def target_of(parts: dict[str, str]) -> str | None:
    """2026-05 from a month and a year, 2026-05-14 with a day too; None if that month or day does not exist."""
    day, month, year = (parts.get(p, "").strip() for p in ("day", "month", "year"))
    if not (DATE_PART.fullmatch(month) and DATE_PART.fullmatch(year) and len(year) == 4):
        return None
    try:
        first = dt.date(int(year), int(month), 1)
        if not day:
            return first.strftime("%Y-%m")
        return first.replace(day=int(day)).isoformat() if DATE_PART.fullmatch(day) else None
    except ValueError:
        return None


def gate_options(lang: Language) -> list[tuple[str, str, None]]:
    return [("", lang._("No gate"), None)] + [(code, lang._(labels.PHASES[code]), None) for code in GATES]


async def milestone_form(request: HxRequest, lang: Language, project: dict[str, Any], values: dict[str, Any],
                         errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "projects/milestone.html", status=status, project=project, values=values,
                      errors=errors, gate_options=gate_options(lang))  # fmt: skip


@get("/projects/{project_id:uuid}/milestones/new", guards=[staff_only])
async def new_milestone_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Template:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    values = {"title_cy": "", "title_en": "", "target": {"day": "", "month": "", "year": ""}, "gate": "",
              "request_key": request_key()}  # fmt: skip
    return await milestone_form(request, lang, project, values, Errors())


def read_form(lang: Language, form: Any) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """(the values to show again, the API body, every problem at once)."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in ("title_cy", "title_en", "gate")}
    values["target"] = form_date_parts(form, "target")
    values["request_key"] = request_key_in(form) or request_key()
    values["version"] = str(form.get("version", ""))
    errors = check(lang, values, validation.TITLES)
    target = target_of(values["target"])
    if target is None:
        errors.add("target-day", lang._(REAL_TARGET))
    if values["gate"] and values["gate"] not in GATES:
        values["gate"] = ""
    body = {"title_cy": values["title_cy"], "title_en": values["title_en"], "target": target,
            "gate": values["gate"] or None}  # fmt: skip
    return values, body, errors


@post("/projects/{project_id:uuid}/milestones/new", guards=[staff_only])
async def add_milestone(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Response[Any]:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    values, body, errors = read_form(lang, await request.form())
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/milestones", json=body,
                           key=values["request_key"])  # fmt: skip
        if reply.status == 201:
            return Redirect(f"{project_address(project)}?done=milestone", status_code=303)
        errors = api_errors(request, reply, {"target": "target-day", "": "title_cy", "body": "title_cy"})
    return await milestone_form(request, lang, project, values, errors, status=422)


@get("/projects/{project_id:uuid}/milestones/{milestone_id:uuid}/edit", guards=[staff_only])
async def edit_milestone_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                              milestone_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    found = await read(request, "portfolio", f"/api/v1/projects/{project_id}/milestones")
    milestone = next((m for m in found if m["id"] == str(milestone_id)), None)
    if milestone is None:
        raise NotFoundException()
    on = dt.date.fromisoformat(milestone["target_on"])
    values = {"title_cy": milestone["title_cy"], "title_en": milestone["title_en"], "gate": milestone["gate"] or "",
              "target": {"day": str(on.day) if milestone["precision"] == "day" else "", "month": str(on.month),
                         "year": str(on.year)},
              "milestone_id": milestone["id"], "version": str(milestone["version"])}  # fmt: skip
    return await milestone_form(request, lang, project, values, Errors())


@post("/projects/{project_id:uuid}/milestones/{milestone_id:uuid}/edit", guards=[staff_only])
async def edit_milestone(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                         milestone_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """New title, target or gate, at the version the form was opened at."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values, body, errors = read_form(lang, form)
    values["milestone_id"] = str(milestone_id)
    if not errors:
        reply = await call(request, "portfolio", "PATCH", f"/api/v1/projects/{project_id}/milestones/{milestone_id}",
                           json=body, version=parse_version(values["version"]))  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=milestone_edited", status_code=303)
        if reply.status == 412:
            errors = Errors()
            errors.add("title_cy", lang._(CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, {"target": "target-day", "": "title_cy", "body": "title_cy"})
    return await milestone_form(request, lang, project, values, errors, status=422)


@post("/projects/{project_id:uuid}/milestones/{milestone_id:uuid}/{change:str}", guards=[staff_only])
async def change_milestone(request: HxRequest, project_id: FromPath[uuid.UUID], milestone_id: FromPath[uuid.UUID],
                           change: FromPath[str]) -> Response[Any]:  # fmt: skip
    """``done`` or ``remove``, at the version the page showed."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    if change not in ("done", "remove"):
        return Redirect(project_address(project), status_code=303)
    version = parse_version(str((await request.form()).get("version", "")))
    path = f"/api/v1/projects/{project_id}/milestones/{milestone_id}"
    if change == "done":
        reply = await call(request, "portfolio", "POST", f"{path}/complete", version=version)
    else:
        reply = await call(request, "portfolio", "DELETE", path, version=version)
    if not reply.ok:  # changed or removed meanwhile: the page shows it as it is now
        return Redirect(project_address(project), status_code=303)
    done = {"done": "milestone_done", "remove": "milestone_removed"}[change]
    return Redirect(f"{project_address(project)}?done={done}", status_code=303)


ROUTES = [new_milestone_form, add_milestone, edit_milestone_form, edit_milestone, change_milestone]
