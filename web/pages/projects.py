"""A project's page (summary, timeline, engagements, updates, audit trail) and the form to add one."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web import charts
from web.accounts import Account
from web.context import Language, PageLanguage, Viewer, staff_only
from web.i18n import N_
from web.pages import conversation, labels, validation
from web.pages.common import (
    Errors,
    HxRequest,
    api_errors,
    call,
    concurrently,
    form_date_parts,
    is_htmx,
    page,
    parse_date,
    partners_by_id,
    people_names,
    read,
    read_or_none,
    remember_write,
    request_key,
    request_key_in,
    today,
)  # fmt: skip
from web.pages.dashboard import history_of, may_read_history
from web.pages.funding import project_funding
from web.pages.measure_views import TREND_TAGS, TRENDS, may_record, project_measures
from web.pages.validation import check

DONE = {
    "created": N_("The project has been added."),
    "edited": N_("The project's details have been saved."),
    "phase": N_("The project's phase has been changed."),
    "health": N_("The project's health has been changed."),
    "update": N_("Your update has been posted."),
    "milestone": N_("The milestone has been added."),
    "milestone_done": N_("The milestone has been marked as done."),
    "milestone_edited": N_("The milestone has been changed."),
    "milestone_removed": N_("The milestone has been removed."),
    **labels.ENGAGEMENT_DONE,
    "measure": N_("The measure has been added."),
    "measure_edited": N_("The measure has been changed."),
    "measure_removed": N_("The measure has been removed."),
    "measure_value": N_("The value has been recorded."),
    "measure_upload": N_("The values in the file have been recorded."),
    "funding": N_("The funding has been recorded."),
    "funding_published": N_("The funding record's publication has been changed."),
    "funding_corrected": N_("The funding record has been corrected."),
    "roadmap": N_("The project's place on the roadmap has been saved."),
    "comment": N_("Your comment has been posted."),
    "comment_edited": N_("Your comment has been changed."),
    "comment_deleted": N_("The comment has been deleted."),
}


async def project_context(request: HxRequest, lang: Language, account: Account | None, project: dict[str, Any]
                          ) -> dict[str, Any]:  # fmt: skip
    """Everything the project page shows beside the project itself; each part may be missing. The
    parts are read at the same time: one after the other, their ten calls were most of the page's time."""
    project_id = project["id"]
    trail_shown = may_read_history(account, project)
    async with concurrently() as group:
        partners_read = group.create_task(partners_by_id(request))
        updates_read = group.create_task(read_or_none(request, "portfolio", f"/api/v1/projects/{project_id}/updates"))
        milestones_read = group.create_task(
            read_or_none(request, "portfolio", f"/api/v1/projects/{project_id}/milestones")
        )
        engagements_read = group.create_task(project_engagements(request, account, project))
        assessments_read = group.create_task(
            read_or_none(request, "portfolio", f"/api/v1/projects/{project_id}/assessments")
        )
        measures_read = group.create_task(project_measures(request, lang, project))
        funding_read = group.create_task(project_funding(request, lang, project))
        trail_read = group.create_task(history_of(request, project)) if trail_shown else None
        people_read = group.create_task(people_names(request))
        conversation_read = group.create_task(conversation.conversation_context(request, lang, account, project))
    partners, _ = partners_read.result()
    updates, updates_error = updates_read.result()
    milestones, milestones_error = milestones_read.result()
    engagements, engagements_error = engagements_read.result()
    found_assessments, assessments_error = assessments_read.result()
    measures, measures_error = measures_read.result()
    funding, trail = funding_read.result(), trail_read.result() if trail_read is not None else None
    day = today()
    stints = charts.stints(trail, day) if trail else []
    return {
        "project": project, "partners": partners, "updates": updates or [], "updates_error": updates_error,
        "milestones": milestones or [], "milestones_error": milestones_error,
        "measures": measures, "measures_error": measures_error, "may_record": may_record(account, project),
        "measure_trends": TRENDS, "measure_trend_tags": TREND_TAGS,
        "funding": funding.rows, "funding_total": funding.total, "funding_error": funding.error,
        "funding_years": funding.year_rows, "funding_kind_names": funding.kind_names,
        "engagements": engagements, "engagements_error": engagements_error, "history": trail,
        "people": people_read.result(), "stints": stints, "today": day,
        "assessments": found_assessments or [], "assessments_error": assessments_error,
        "reports": reports_by_phase(found_assessments or []),
        "timeline": timeline(lang, project, stints),
        "actions": [a["kind"] if a["to_phase"] is None else f"{a['kind']}:{a['to_phase']}"
                    for a in project["allowed_actions"]],
        **conversation_read.result(),
    }  # fmt: skip


async def project_engagements(
    request: HxRequest, account: Account | None, project: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    """The project's engagements with its partner, for those signed in (the portfolio scopes them)."""
    if account is None or not project.get("partner_id"):
        return [], None
    found, error = await read_or_none(request, "portfolio", "/api/v1/engagements", {"partner": project["partner_id"]})
    return [e for e in found or [] if str(e.get("project_id")) == str(project["id"])], error


def reports_by_phase(assessments: list[dict[str, Any]]) -> dict[str, str]:
    """The newest published assessment of each gate, by the phase it opens onto: what the phase
    timeline links to (the list comes newest first)."""
    reports: dict[str, str] = {}
    for assessment in assessments:
        if assessment.get("published_at") is not None:
            reports.setdefault(str(assessment["to_phase"]), str(assessment["id"]))
    return reports


def timeline(lang: Language, project: dict[str, Any], stints: list[charts.Stint]) -> Any:
    _ = lang._
    entered: dict[str, str] = {}
    for stint in stints:
        if stint.phase in labels.PHASES and stint.phase not in entered:
            entered[stint.phase] = stint.start.strftime("%m/%Y")
    names = {code: _(name) for code, name in labels.PHASES.items()}
    return charts.phase_steps(project["phase"], project["state"], names, entered)


def project_address(project: dict[str, Any]) -> str:
    """The project page's canonical address: its slug, which never changes (emails and feeds link to it)."""
    return f"/projects/{project['slug']}"


async def project_response(
    request: HxRequest, lang: Language, account: Account | None, project: dict[str, Any], done: str = ""
) -> Template:
    """The project page, or for htmx the part of it that a successful inline form replaces."""
    context = await project_context(request, lang, account, project)
    message = lang._(DONE[done]) if done in DONE else None
    if is_htmx(request):
        response = await page(request, "partials/project_body.html", done=message, **context)
        response.headers.update({"HX-Retarget": "#project", "HX-Reswap": "outerHTML"})
        return response
    return await page(request, "projects/project.html", done=message, **context)


@get("/projects/{key:str}")
async def project_page(
    request: HxRequest, lang: PageLanguage, account: Viewer, key: FromPath[str], done: FromQuery[str] = "",
) -> Template:  # fmt: skip
    """/projects/<slug> is the page (what emails, feeds and other pages link to); /projects/<id> shows the same
    page, naming the slug address as canonical. One route for both: Litestar keeps one handler per place."""
    try:
        path = f"/api/v1/projects/{uuid.UUID(key)}"
    except ValueError:
        if len(key) > 80 or not validation.SLUG.fullmatch(key):  # the API would refuse it as bad input
            raise NotFoundException() from None
        path = f"/api/v1/projects/by-slug/{key}"
    project = await read(request, "portfolio", path)
    return await project_response(request, lang, account, project, done)


# Adding a project ------------------------------------------------------------------------------

NEW_FIELDS = ("slug", "title_en", "title_cy", "summary_en", "summary_cy", "partner_id", "visibility")


def project_form_options(lang: Language, partners: dict[str, dict[str, Any]]) -> dict[str, Any]:
    _ = lang._
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en")))
    return {
        "partner_options": [("", _("No partner yet"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in ordered],
        "visibility_options": [(code, _(name), None) for code, name in labels.VISIBILITY.items()],
        "tag_options": [(code, _(name), None) for code, name in labels.TAGS.items()],
        "goal_options": [(code, _(name), None) for code, name in labels.GOALS.items()],
    }  # fmt: skip


@get("/projects/new", guards=[staff_only])
async def new_project_form(request: HxRequest, lang: PageLanguage) -> Template:
    partners, partners_error = await partners_by_id(request)
    values = {"visibility": "public", "tags": [], "wellbeing_goals": [],
              "start_date": form_date_parts({}, "start_date")}  # fmt: skip
    return await page(request, "projects/new.html", values=values, errors=Errors(), partners_error=partners_error,
                      request_key=request_key(), **project_form_options(lang, partners))  # fmt: skip


@post("/projects/new", guards=[staff_only])
async def create_project(request: HxRequest, lang: PageLanguage) -> Response[Any]:
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in NEW_FIELDS}
    values["tags"] = [t for t in form.getall("tags", []) if t in labels.TAGS]
    values["wellbeing_goals"] = [g for g in form.getall("wellbeing_goals", []) if g in labels.GOALS]
    values["start_date"] = form_date_parts(form, "start_date")
    errors = Errors()
    check(lang, values, validation.NEW_PROJECT, errors)
    start, given = parse_date(form, "start_date")
    if given and start is None:
        errors.add("start_date-day", lang._("Enter a real start date"))
    if not errors:
        body = {k: values[k] for k in NEW_FIELDS if k != "partner_id"} | {
            "tags": values["tags"], "wellbeing_goals": values["wellbeing_goals"]}  # fmt: skip
        body["partner_id"] = values["partner_id"] or None
        if start is not None:
            body["start_date"] = start.isoformat()
        reply = await call(request, "portfolio", "POST", "/api/v1/projects", json=body, key=request_key_in(form))
        if reply.status == 201:
            response = Redirect(f"{project_address(reply.body)}?done=created", status_code=303)
            remember_write(request, response, reply.body["id"], reply.version or 1)
            return response
        errors = api_errors(request, reply, {"start_date": "start_date-day", "": "slug", "body": "slug"})
    partners, partners_error = await partners_by_id(request)
    return await page(request, "projects/new.html", status=422, values=values, errors=errors,
                      partners_error=partners_error, request_key=request_key(),
                      **project_form_options(lang, partners))  # fmt: skip
