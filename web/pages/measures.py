"""Measures on the pages: each measure of a project as a small chart with its target and a table of
its monthly values; staff add, change and remove measures (a removal says why), staff or the
project's partner record values (one month in a form, or a CSV upload); the portfolio page shows the
latest values and trends of the live and beta services; the public performance page shows the
measures staff published.

Every form works without JavaScript. The portfolio service decides who may do what; the pages only
offer what the viewer may do.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Redirect, Template

from shared import bilingual, vocabulary
from shared.measures import CATALOGUE
from web.context import Language, PageLanguage, Viewer, signed_in_only, staff_only
from web.i18n import N_
from web.pages.common import (
    DATE_PART,
    Errors,
    HxRequest,
    api_errors,
    call,
    page,
    parse_version,
    read,
    read_one,
    read_or_none,
    request_key,
    request_key_in,
    today,
)  # fmt: skip
from web.pages.measure_views import LIVE_AND_BETA, TREND_TAGS, TRENDS, name_of, view
from web.pages.projects import project_address

CHANGED_MEANWHILE = N_("Someone else changed this measure since you opened it: go back to the project to see it")
MAX_UPLOAD = 1_000_000

# Defining and changing a measure (staff) ----------------------------------------------------------


def catalogue_options(lang: Language) -> list[tuple[str, str, str | None]]:
    _ = lang._
    options: list[tuple[str, str, str | None]] = [
        (code, _(name), _(vocabulary.MEASURE_DIRECTIONS[CATALOGUE[code].direction]))
        for code, name in vocabulary.MEASURES.items()
    ]
    own = ("own", _("A measure of the project's own"), _("Give its name, unit and which way is better"))
    return [*options, own]


def form_options(lang: Language) -> dict[str, Any]:
    _ = lang._
    return {
        "catalogue_options": catalogue_options(lang),
        "unit_options": [("", _("Choose a unit"))] + [(c, _(n)) for c, n in vocabulary.MEASURE_UNITS.items()],
        "direction_options": [(c, _(n), None) for c, n in vocabulary.MEASURE_DIRECTIONS.items()],
    }


async def measure_form(request: HxRequest, lang: Language, project: dict[str, Any], values: dict[str, Any],
                       errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "measures/measure.html", status=status, project=project, values=values, errors=errors,
                      **form_options(lang))  # fmt: skip


def _target(text: str) -> float | str | None:
    """The target as a number, None for none, or the text back when it is not a number."""
    cleaned = text.strip().replace(",", "").removeprefix("£").removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        return float(cleaned)
    except ValueError:
        return text


FIELD_IDS = {"name.en": "name_en", "name.cy": "name_cy", "target_value": "target", "": "catalogue",
             "body": "catalogue"}  # fmt: skip


@get("/projects/{project_id:uuid}/measures/new", guards=[staff_only])
async def new_measure_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Template:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    values = {"catalogue": "", "name_cy": "", "name_en": "", "unit": "", "direction": "", "target": "",
              "published": "", "request_key": request_key()}  # fmt: skip
    return await measure_form(request, lang, project, values, Errors())


@post("/projects/{project_id:uuid}/measures/new", guards=[staff_only])
async def add_measure(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Response[Any]:
    _ = lang._
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("catalogue", "name_cy", "name_en", "unit", "direction",
                                                          "target", "published")}  # fmt: skip
    values["request_key"] = request_key_in(form) or request_key()
    errors = Errors()
    if values["catalogue"] not in (*vocabulary.MEASURES, "own"):
        errors.add("catalogue", _("Choose a measure from the list, or one of the project's own"))
    target = _target(values["target"])
    if isinstance(target, str):
        errors.add("target", _("Enter the target as a number, like 85, or leave it empty"))
    body: dict[str, Any] = {"target_value": target if not isinstance(target, str) else None,
                            "published": values["published"] == "yes"}  # fmt: skip
    if values["catalogue"] == "own":
        body |= {"name": {"en": values["name_en"], "cy": values["name_cy"]}, "unit": values["unit"] or None,
                 "direction": values["direction"] or None}  # fmt: skip
    elif values["catalogue"]:
        body["catalogue"] = values["catalogue"]
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/measures", json=body,
                           key=values["request_key"])  # fmt: skip
        if reply.status == 201:
            return Redirect(f"{project_address(project)}?done=measure#measures", status_code=303)
        errors = api_errors(request, reply, FIELD_IDS)
    return await measure_form(request, lang, project, values, errors, status=422)


@get("/projects/{project_id:uuid}/measures/{measure_id:uuid}/edit", guards=[staff_only])
async def edit_measure_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                            measure_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)
    name = bilingual.read(measure.get("name"))
    target = measure.get("target")
    values = {"measure_id": measure["id"], "version": str(measure["version"]), "catalogue": measure["catalogue"] or "",
              "name_cy": name.cy, "name_en": name.en, "target": "" if target is None else f"{target:g}",
              "published": "yes" if measure["published"] else "", "title": name_of(lang, measure)[0]}  # fmt: skip
    return await measure_form(request, lang, project, values, Errors())


@post("/projects/{project_id:uuid}/measures/{measure_id:uuid}/edit", guards=[staff_only])
async def edit_measure(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                       measure_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """A new target, publication or (for the project's own) name, at the version the form was opened at."""
    _ = lang._
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("name_cy", "name_en", "target", "published", "version")}
    values |= {"measure_id": str(measure_id), "catalogue": measure["catalogue"] or "",
               "title": name_of(lang, measure)[0]}  # fmt: skip
    errors = Errors()
    target = _target(values["target"])
    if isinstance(target, str):
        errors.add("target", _("Enter the target as a number, like 85, or leave it empty"))
    body: dict[str, Any] = {"target_value": None if isinstance(target, str) else target,
                            "published": values["published"] == "yes"}  # fmt: skip
    if not measure["catalogue"]:
        body["name"] = {"en": values["name_en"], "cy": values["name_cy"]}
    if not errors:
        reply = await call(request, "portfolio", "PATCH", f"/api/v1/projects/{project_id}/measures/{measure_id}",
                           json=body, version=parse_version(values["version"]) or 0)  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=measure_edited#measures", status_code=303)
        if reply.status == 412:
            errors.add("target", _(CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, FIELD_IDS)
    return await measure_form(request, lang, project, values, errors, status=422)


# Removing a measure (staff) ------------------------------------------------------------------------

REMOVAL_FIELDS = {"reason": "reason_cy", "": "reason_cy", "body": "reason_cy"}


async def removal_form(request: HxRequest, lang: Language, project: dict[str, Any], measure: dict[str, Any],
                       values: dict[str, Any], errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "measures/remove.html", status=status, project=project, measure=view(lang, measure),
                      values=values, errors=errors)  # fmt: skip


@get("/projects/{project_id:uuid}/measures/{measure_id:uuid}/remove", guards=[staff_only])
async def remove_measure_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                              measure_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    """Are you sure: the measure as it is now, why it is removed, and what becomes of its values."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)
    values = {"version": str(measure["version"]), "reason_cy": "", "reason_en": "", "request_key": request_key()}
    return await removal_form(request, lang, project, measure, values, Errors())


@post("/projects/{project_id:uuid}/measures/{measure_id:uuid}/remove", guards=[staff_only])
async def remove_measure(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                         measure_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """Stop tracking the measure, saying why, at the version the page was opened at. The service checks
    the reason; sent twice (the same ``request_key``) it is removed once and both see the project."""
    _ = lang._
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("version", "reason_cy", "reason_en")}
    values["request_key"] = request_key_in(form) or request_key()
    reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/measures/{measure_id}/remove",
                       json={"reason": {"en": values["reason_en"], "cy": values["reason_cy"]}},
                       version=parse_version(values["version"]) or 0, key=values["request_key"])  # fmt: skip
    if reply.ok:
        return Redirect(f"{project_address(project)}?done=measure_removed#measures", status_code=303)
    errors = Errors()
    if reply.status == 412:
        errors.add("reason_cy", _(CHANGED_MEANWHILE))
    else:
        errors = api_errors(request, reply, REMOVAL_FIELDS)
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)  # removed meanwhile: 404
    return await removal_form(request, lang, project, measure, values, errors, status=422)


# Recording values (staff, or the project's partner) -----------------------------------------------


def month_of(month: str, year: str) -> str | None:
    """2026-05 from "5" and "2026"; None unless it is a real month."""
    month, year = month.strip(), year.strip()
    if not (DATE_PART.fullmatch(month) and DATE_PART.fullmatch(year) and len(year) == 4 and 1 <= int(month) <= 12):
        return None
    return f"{int(year):04d}-{int(month):02d}"


async def values_form(request: HxRequest, lang: Language, project: dict[str, Any], measure: dict[str, Any],
                      values: dict[str, Any], errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "measures/values.html", status=status, project=project, measure=view(lang, measure),
                      values=values, errors=errors)  # fmt: skip


@get("/projects/{project_id:uuid}/measures/{measure_id:uuid}/values", guards=[signed_in_only])
async def record_value_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                            measure_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)
    last_month = today().replace(day=1) - dt.timedelta(days=1)
    values = {"month-month": str(last_month.month), "month-year": str(last_month.year), "value": "",
              "request_key": request_key()}  # fmt: skip
    return await values_form(request, lang, project, measure, values, Errors())


@post("/projects/{project_id:uuid}/measures/{measure_id:uuid}/values", guards=[signed_in_only])
async def record_value(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                       measure_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    _ = lang._
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    measure = await read_one(request, f"/api/v1/projects/{project_id}/measures", measure_id)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip() for k in ("month-month", "month-year", "value")}
    values["request_key"] = request_key_in(form) or request_key()
    errors = Errors()
    month = month_of(values["month-month"], values["month-year"])
    if month is None:
        errors.add("month-month", _("Enter a real month and year, like 5 2026"))
    number = _target(values["value"])
    if number is None or isinstance(number, str):
        errors.add("value", _("Enter the value as a number, like 85"))
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/measures/{measure_id}/values",
                           json={"values": [{"month": month, "value": number}]}, key=values["request_key"])  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=measure_value#measures", status_code=303)
        errors = api_errors(request, reply, {"values[0].month": "month-month", "values[0].value": "value",
                                             "": "value"})  # fmt: skip
    return await values_form(request, lang, project, measure, values, errors, status=422)


@get("/projects/{project_id:uuid}/measures/upload", guards=[signed_in_only])
async def upload_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Template:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    found, _error = await read_or_none(request, "portfolio", f"/api/v1/projects/{project_id}/measures")
    values = {"csv": "", "request_key": request_key()}
    return await page(request, "measures/upload.html", project=project, values=values, errors=Errors(), problems=[],
                      measures=[view(lang, m) for m in found or []])  # fmt: skip


@post("/projects/{project_id:uuid}/measures/upload", guards=[signed_in_only])
async def upload(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Response[Any]:
    """The file chosen (or the text pasted): all of it is recorded, or nothing, and every bad row is listed."""
    _ = lang._
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    chosen = form.get("file")
    text = str(form.get("csv", ""))
    if isinstance(chosen, UploadFile) and chosen.filename:
        raw = await chosen.read(MAX_UPLOAD + 1)
        text = raw.decode("utf-8-sig", errors="replace") if len(raw) <= MAX_UPLOAD else ""
    values = {"csv": str(form.get("csv", "")), "request_key": request_key_in(form) or request_key()}
    errors = Errors()
    problems: list[tuple[str, str]] = []
    if not text.strip():
        errors.add("file", _("Choose a CSV file, or paste its rows"))
    else:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/measures/upload", csv=text,
                           key=values["request_key"])  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=measure_upload#measures", status_code=303)
        body = reply.body if isinstance(reply.body, dict) else {}
        problems = [(row_field(lang, str(e.get("field", ""))),
                     str(e.get(f"message_{lang.code}") or e.get("message_en") or ""))
                    for e in body.get("errors") or []]  # fmt: skip
        errors.add("file", str(body.get(f"message_{lang.code}") or body.get("message_en") or reply.status))
    found, _error = await read_or_none(request, "portfolio", f"/api/v1/projects/{project_id}/measures")
    return await page(request, "measures/upload.html", status=422, project=project, values=values, errors=errors,
                      problems=problems, measures=[view(lang, m) for m in found or []])  # fmt: skip


ROW_FIELD = re.compile(r"line (\d+): (\w+)")
"""How the portfolio names a bad cell of an upload: its line, and its column as the file heads it."""


def row_field(lang: Language, field: str) -> str:
    """A bad cell in the reader's language: "llinell 3: month" (the column keeps the file's own name)."""
    cell = ROW_FIELD.fullmatch(field)
    return lang._("line %(number)s: %(column)s", number=cell[1], column=cell[2]) if cell else field


# The portfolio's measures, and the public performance page -----------------------------------------


async def _measured(request: HxRequest, lang: Language, phases: tuple[str, ...] | None, published_only: bool
                    ) -> tuple[list[tuple[dict[str, Any], list[dict[str, Any]]]], str | None]:  # fmt: skip
    """(project, its measures' views) for each project shown, in title order."""
    found, error = await read_or_none(request, "portfolio", "/api/v1/measures")
    body, projects_error = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": 200})
    projects = {str(p["id"]): p for p in (body or {}).get("items", [])} if isinstance(body, dict) else {}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for measure in found or []:
        project = projects.get(str(measure["project_id"]))
        if project is None or (phases and project["phase"] not in phases) or project.get("state") == "stopped":
            continue
        if published_only and not (measure.get("published") and project.get("visibility") == "public"):
            continue
        grouped.setdefault(str(measure["project_id"]), []).append(view(lang, measure))
    ordered = sorted(grouped, key=lambda i: str(projects[i].get(f"title_{lang.code}") or projects[i]["title_en"]))
    return [(projects[i], grouped[i]) for i in ordered], error or projects_error


@get("/measures")
async def portfolio_measures(request: HxRequest, lang: PageLanguage, account: Viewer) -> Template:
    """The live and beta services' latest values and trends, as the viewer may see them."""
    shown, error = await _measured(request, lang, LIVE_AND_BETA, published_only=False)
    return await page(request, "measures/portfolio.html", shown=shown, error=error, trends=TRENDS,
                      trend_tags=TREND_TAGS)  # fmt: skip


@get("/performance")
async def performance(request: HxRequest, lang: PageLanguage) -> Template:
    """The public performance page: the measures staff published for public projects, with charts."""
    shown, error = await _measured(request, lang, None, published_only=True)
    return await page(request, "measures/performance.html", shown=shown, error=error, trends=TRENDS,
                      trend_tags=TREND_TAGS)  # fmt: skip


ROUTES = [
    new_measure_form, add_measure, edit_measure_form, edit_measure, remove_measure_form, remove_measure,
    record_value_form, record_value, upload_form, upload, portfolio_measures, performance,
]  # fmt: skip
