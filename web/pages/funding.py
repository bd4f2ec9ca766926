"""Funding on the pages: a project's funding records (staff record them and choose which are public),
and the totals by year, kind, challenge area and phase as a chart with its table, for staff (every
project) and partners (their own). Nothing of funding is shown publicly unless staff published it."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any, NamedTuple

from babel.numbers import format_decimal
from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from shared import vocabulary
from web import charts
from web.context import Language, PageLanguage, signed_in_only, staff_only
from web.i18n import N_
from web.pages import labels
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
)  # fmt: skip
from web.pages.measure_views import month_text

KINDS = tuple(vocabulary.FUNDING_KINDS)


def project_address(project: dict[str, Any]) -> str:
    """The project page (as ``projects.project_address``, which imports this module for its funding part)."""
    return f"/projects/{project['slug']}"


def money(lang: Language, pence: int) -> str:
    locale = "en_GB" if lang.code == "en" else "cy_GB"
    return "£" + format_decimal(pence / 100, format="#,##0.00" if pence % 100 else "#,##0", locale=locale)


def rows_of(lang: Language, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _ = lang._
    return [{
        "id": r["id"], "version": r["version"], "published": r["published"], "amount": money(lang, r["amount_pence"]),
        "source": labels.name(_, vocabulary.FUNDING_SOURCES, r["source"]),
        "kind": labels.name(_, vocabulary.FUNDING_KINDS, r["kind"]),
        "period": f"{month_text(lang, r['starts_on'], 'LLLL y')} – {month_text(lang, r['ends_on'], 'LLLL y')}",
    } for r in records]  # fmt: skip


def by_financial_year(records: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Pence by financial year ("2025-26") and kind, oldest year first: the sums of the parts the portfolio
    spread each record into (it keeps the rule, services/portfolio/funding_rules.py; each record's parts
    add up to its amount, so the years add up to the total)."""
    years: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for r in records:
        for share in r["by_financial_year"]:
            years[share["financial_year"]][r["kind"]] += share["amount_pence"]
    return {year: years[year] for year in sorted(years)}


def year_rows_of(lang: Language, records: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """(financial year, each kind's money, the year's money), for a table with a column per kind."""
    return [(year, *(money(lang, kinds[k]) for k in KINDS), money(lang, sum(kinds.values())))
            for year, kinds in by_financial_year(records).items()]  # fmt: skip


def kind_names(lang: Language) -> list[str]:
    return [lang._(vocabulary.FUNDING_KINDS[k]) for k in KINDS]


class ProjectFunding(NamedTuple):
    rows: list[dict[str, Any]]
    """The records the viewer may see."""
    total: str
    year_rows: list[tuple[str, ...]]
    """Their money by financial year and kind (``year_rows_of``)."""
    kind_names: list[str]
    """The kinds' names, in the order of ``year_rows``' columns."""
    error: str | None
    """Why the part of the page could not be shown."""


async def project_funding(request: HxRequest, lang: Language, project: dict[str, Any]) -> ProjectFunding:
    found, error = await read_or_none(request, "portfolio", f"/api/v1/projects/{project['id']}/funding")
    records = found or []
    return ProjectFunding(rows_of(lang, records), money(lang, sum(r["amount_pence"] for r in records)),
                          year_rows_of(lang, records), kind_names(lang), error)  # fmt: skip


def _month(month: str, year: str) -> str | None:
    month, year = month.strip(), year.strip()
    if not (DATE_PART.fullmatch(month) and DATE_PART.fullmatch(year) and len(year) == 4 and 1 <= int(month) <= 12):
        return None
    return f"{int(year):04d}-{int(month):02d}"


def form_options(lang: Language) -> dict[str, Any]:
    _ = lang._
    return {"source_options": [(c, _(n), None) for c, n in vocabulary.FUNDING_SOURCES.items()],
            "kind_options": [(c, _(n), None) for c, n in vocabulary.FUNDING_KINDS.items()]}  # fmt: skip


FIELDS = ("source", "amount", "kind", "published", "starts-month", "starts-year", "ends-month", "ends-year")
API_FIELDS = {"starts": "starts-month", "ends": "ends-month", "": "amount"}
CHANGED_MEANWHILE = N_("Someone else changed this funding record since you opened it: go back to the project to see it")


def _checked(lang: Language, values: dict[str, Any]) -> tuple[Errors, dict[str, Any]]:
    """The form's errors (every bad field), and the record for the API when there are none."""
    _ = lang._
    errors = Errors()
    if values["source"] not in vocabulary.FUNDING_SOURCES:
        errors.add("source", _("Choose where the money comes from"))
    amount = values["amount"].removeprefix("£").strip()
    if not amount:
        errors.add("amount", _("Enter the amount in pounds, like 12500"))
    starts = _month(values["starts-month"], values["starts-year"])
    ends = _month(values["ends-month"], values["ends-year"])
    if starts is None:
        errors.add("starts-month", _("Enter a real month and year, like 5 2026"))
    if ends is None:
        errors.add("ends-month", _("Enter a real month and year, like 5 2026"))
    if values["kind"] not in vocabulary.FUNDING_KINDS:
        errors.add("kind", _("Choose the kind of funding"))
    return errors, {"source": values["source"], "amount": amount, "starts": starts, "ends": ends,
                    "kind": values["kind"], "published": values["published"] == "yes"}  # fmt: skip


async def _form(request: HxRequest, lang: Language, project: dict[str, Any], values: dict[str, Any], errors: Errors,
                funding_id: str | None = None, status: int = 200) -> Template:  # fmt: skip
    """The form to record funding, or (``funding_id``) to correct a record at the version it was opened at."""
    action = f"/projects/{project['id']}/funding/" + (f"{funding_id}/edit" if funding_id else "new")
    return await page(request, "funding/new.html", status=status, project=project, values=values, errors=errors,
                      action=action, correcting=funding_id is not None, **form_options(lang))  # fmt: skip


@get("/projects/{project_id:uuid}/funding/new", guards=[staff_only])
async def new_funding_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Template:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    values = {"source": "", "amount": "", "kind": "", "published": "", "request_key": request_key()}
    return await _form(request, lang, project, values, Errors())


@post("/projects/{project_id:uuid}/funding/new", guards=[staff_only])
async def record_funding(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID]) -> Response[Any]:
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in FIELDS}
    values["request_key"] = request_key_in(form) or request_key()
    errors, body = _checked(lang, values)
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/projects/{project_id}/funding", json=body,
                           key=values["request_key"])  # fmt: skip
        if reply.status == 201:
            return Redirect(f"{project_address(project)}?done=funding#funding", status_code=303)
        errors = api_errors(request, reply, API_FIELDS)
    return await _form(request, lang, project, values, errors, status=422)


@get("/projects/{project_id:uuid}/funding/{funding_id:uuid}/edit", guards=[staff_only])
async def correct_funding_form(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                               funding_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    """The record as it is, to correct any of its fields (a typing slip, a period that moved)."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    r = await read_one(request, f"/api/v1/projects/{project_id}/funding", funding_id)
    starts, ends = str(r["starts_on"]), str(r["ends_on"])
    amount = r["amount"].removesuffix(".00")
    values = {"source": r["source"], "amount": amount, "kind": r["kind"], "published": "yes" if r["published"] else "",
              "starts-month": str(int(starts[5:7])), "starts-year": starts[:4], "ends-month": str(int(ends[5:7])),
              "ends-year": ends[:4], "version": str(r["version"]), "request_key": request_key()}  # fmt: skip
    return await _form(request, lang, project, values, Errors(), funding_id=str(funding_id))


@post("/projects/{project_id:uuid}/funding/{funding_id:uuid}/edit", guards=[staff_only])
async def correct_funding(request: HxRequest, lang: PageLanguage, project_id: FromPath[uuid.UUID],
                          funding_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """Correct the record at the version the form was opened at; changed meanwhile, the form says so.
    Sent twice (the same ``request_key``), it is corrected once and both see the project."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    values: dict[str, Any] = {k: str(form.get(k, "")).strip() for k in (*FIELDS, "version")}
    values["request_key"] = request_key_in(form) or request_key()
    errors, body = _checked(lang, values)
    if not errors:
        # Sent again with its request key (a double click, back and send again), the portfolio answers
        # as it did the first time: not a 412 for the version the first send moved on.
        path = f"/api/v1/projects/{project_id}/funding/{funding_id}"
        reply = await call(request, "portfolio", "PATCH", path, json=body,
                           version=parse_version(values["version"]) or 0, key=values["request_key"])  # fmt: skip
        if reply.ok:
            return Redirect(f"{project_address(project)}?done=funding_corrected#funding", status_code=303)
        if reply.status == 412:
            errors.add("amount", lang._(CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, API_FIELDS)
    return await _form(request, lang, project, values, errors, funding_id=str(funding_id), status=422)


@post("/projects/{project_id:uuid}/funding/{funding_id:uuid}/publish", guards=[staff_only])
async def publish_funding(request: HxRequest, project_id: FromPath[uuid.UUID], funding_id: FromPath[uuid.UUID]
                          ) -> Response[Any]:  # fmt: skip
    """Publish (or withdraw) one record, at the version the page showed."""
    project = await read(request, "portfolio", f"/api/v1/projects/{project_id}")
    form = await request.form()
    reply = await call(request, "portfolio", "PATCH", f"/api/v1/projects/{project_id}/funding/{funding_id}",
                       json={"published": form.get("published") == "yes"},
                       version=parse_version(str(form.get("version", ""))) or 0)  # fmt: skip
    done = "?done=funding_published" if reply.ok else ""
    return Redirect(f"{project_address(project)}{done}#funding", status_code=303)


@get("/funding", guards=[signed_in_only])
async def funding_totals(request: HxRequest, lang: PageLanguage) -> Template:
    """Totals by financial year (1 April to 31 March: each record spread over its period's days) and
    kind, as a chart with its table; and by challenge area and by phase. Staff see every project; a
    partner its own (the portfolio scopes the records)."""
    _ = lang._
    found, error = await read_or_none(request, "portfolio", "/api/v1/funding")
    body, _projects_error = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": 200})
    projects = {str(p["id"]): p for p in body.get("items", [])} if isinstance(body, dict) else {}
    records = found or []
    by_year = by_financial_year(records)
    by_area: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    by_phase: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for r in records:
        project = projects.get(str(r["project_id"]), {})
        for area in project.get("tags") or ["other-work"]:
            by_area[area][r["kind"]] += r["amount_pence"]
        by_phase[str(project.get("phase", "discovery"))][r["kind"]] += r["amount_pence"]
    years = list(by_year)
    kinds_named = kind_names(lang)
    series = [(k, name, [round(by_year[y][k] / 100_000) for y in years]) for k, name in zip(KINDS, kinds_named,
                                                                                            strict=True)]  # fmt: skip
    area_names = {**{c: _(n) for c, n in labels.TAGS.items()}, "other-work": _(vocabulary.NO_CHALLENGE_AREA)}
    phase_names = {c: _(n) for c, n in labels.PHASES.items()}

    def table(totals: dict[str, dict[str, int]], names: dict[str, str]) -> list[tuple[str, ...]]:
        return [(names.get(code, code), *(money(lang, totals[code][k]) for k in KINDS),
                 money(lang, sum(totals[code].values()))) for code in names if code in totals]  # fmt: skip

    return await page(
        request, "funding/totals.html", error=error, kind_names=kinds_named, total=money(lang, sum(
            r["amount_pence"] for r in records)),
        svg=charts.stacked_columns(years, series) if years else "",
        year_rows=year_rows_of(lang, records),
        area_rows=table(by_area, area_names), phase_rows=table(by_phase, phase_names),
    )  # fmt: skip


ROUTES = [new_funding_form, record_funding, correct_funding_form, correct_funding, publish_funding, funding_totals]
