"""Assessments against the Digital Service Standards for Wales: the report page of each assessment.

The portfolio decides what the viewer may read: the whole assessment (staff, and the project's
partner for its self-assessments and whatever is published), or a published assessment's summary
(anyone who may see the project: the outcome per standard, no panel, evidence or recommendations).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from shared import standards
from shared.welsh import Name
from web.context import Language, PageLanguage, staff_only
from web.i18n import N_, ONLY_IN
from web.pages import labels, validation
from web.pages.common import (
    Errors,
    HxRequest,
    api_errors,
    bilingual_body,
    call,
    form_date_parts,
    page,
    parse_date,
    parse_version,
    read,
    read_or_none,
    request_key,
    request_key_in,
)

RATING_TAGS = {"met": "govuk-tag--green", "partly_met": "govuk-tag--yellow", "not_met": "govuk-tag--red",
               "not_assessed": "govuk-tag--grey"}  # fmt: skip
NOT_RATED = N_("Not rated yet")


def gate_name(lang: Language, assessment: dict[str, Any]) -> str:
    """ "Alpha to private beta": the gate an assessment is about."""
    _ = lang._
    return _("%(before)s to %(after)s", before=Name(labels.name(_, labels.PHASES, assessment["from_phase"])),
             after=Name(labels.name(_, labels.PHASES, assessment["to_phase"]).lower()))  # fmt: skip


def report_groups(lang: Language, assessment: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The standards of the assessment's version in their three groups, each with its rating and text."""
    given = {int(r["standard"]): r for r in assessment.get("ratings", [])}
    only_in = {int(k): v for k, v in (assessment.get("one_language") or {}).items()}
    groups: list[tuple[str, list[dict[str, Any]]]] = []
    for code, names in standards.GROUPS.items():
        rows = []
        for standard in standards.standards(assessment["standards_version"]):
            if standard.group != code:
                continue
            rating = given.get(standard.number, {})
            language = only_in.get(standard.number)
            rows.append({
                "number": standard.number, "standard": standard, "rating": rating.get("rating"), "text": rating,
                "only_in": lang._(ONLY_IN[language]) if language and language != lang.code else "",
            })  # fmt: skip
        groups.append((names[0] if lang.code == "en" else names[1], rows))
    return groups


async def report(
    request: HxRequest, lang: Language, assessment_id: uuid.UUID, *, errors: Errors | None = None,
    values: dict[str, Any] | None = None, status: int = 200,
) -> Template:  # fmt: skip
    assessment = await read(request, "portfolio", f"/api/v1/assessments/{assessment_id}")
    project = await read(request, "portfolio", f"/api/v1/projects/{assessment['project_id']}")
    actions, actions_error = await read_or_none(request, "portfolio", f"/api/v1/assessments/{assessment_id}/actions")
    return await page(
        request, "assessments/report.html", status=status, assessment=assessment, project=project,
        gate=gate_name(lang, assessment), groups=report_groups(lang, assessment), rating_tags=RATING_TAGS,
        not_rated=NOT_RATED, actions=actions or [], actions_error=actions_error, errors=errors or Errors(),
        values=values or {}, request_key=request_key(),
    )  # fmt: skip


@get("/assessments/{assessment_id:uuid}")
async def assessment_report(request: HxRequest, lang: PageLanguage, assessment_id: FromPath[uuid.UUID]) -> Template:
    """The report: the gate, who assessed and when, the outcome, the 12 standards grouped and rated,
    and (for those who may read them) the actions that follow its recommendations."""
    return await report(request, lang, assessment_id)


@post("/assessments/{assessment_id:uuid}/actions", guards=[staff_only])
async def add_action(request: HxRequest, lang: PageLanguage, assessment_id: FromPath[uuid.UUID]) -> Response[Any]:
    """A recommendation becomes an action (a partly met standard's is due three months after, if no date is given)."""
    form = await request.form()
    values: dict[str, Any] = {f: str(form.get(f, "")).strip() for f in ("standard", "text_en", "text_cy", "owner")}
    values["due_on"] = form_date_parts(form, "due_on")
    due_on, given = parse_date(form, "due_on")
    errors = Errors()
    if given and due_on is None:
        errors.add("due_on-day", lang._("Enter a real due date, or leave it empty"))
    if not errors:
        body = {"standard": int(values["standard"]) if values["standard"].isdecimal() else 0,
                "text_en": values["text_en"], "text_cy": values["text_cy"], "owner": values["owner"],
                "due_on": due_on.isoformat() if due_on else None}  # fmt: skip
        reply = await call(request, "portfolio", "POST", f"/api/v1/assessments/{assessment_id}/actions", json=body,
                           key=request_key_in(form))  # fmt: skip
        if reply.ok:
            return Redirect(f"/assessments/{assessment_id}#actions", status_code=303)
        errors = api_errors(request, reply, {"due_on": "due_on-day", "": "owner"})
    return await report(request, lang, assessment_id, errors=errors, values=values, status=422)


@post("/actions/{action_id:uuid}/close", guards=[staff_only])
async def close_action(request: HxRequest, lang: PageLanguage, action_id: FromPath[uuid.UUID]) -> Response[Any]:
    """Done, or dropped with a reason."""
    form = await request.form()
    try:
        assessment = uuid.UUID(str(form.get("assessment", "")))
    except ValueError:
        raise NotFoundException() from None
    values = {f"reason_{code}": str(form.get(f"reason_{code}", "")).strip() for code in ("cy", "en")}
    values["state"] = str(form.get("state", ""))
    # each language's field of this action's form (the report has one form for each open action)
    welsh, english = f"reason-{action_id}", f"reason-{action_id}-en"
    checked = validation.check(lang, values, validation.DROPPED_REASON)
    errors = Errors({welsh if name.endswith("cy") else english: message for name, message in checked.items()})
    if not errors:
        body = {"state": values["state"], "reason": bilingual_body(values, "reason")}
        version = parse_version(str(form.get("version", ""))) or 0
        reply = await call(request, "portfolio", "POST", f"/api/v1/actions/{action_id}/close", json=body,
                           version=version, key=request_key_in(form))  # fmt: skip
        if reply.ok:
            return Redirect(f"/assessments/{assessment}#actions", status_code=303)
        errors = api_errors(request, reply, {"reason": welsh, "reason.cy": welsh, "reason.en": english, "": welsh})
    return await report(request, lang, assessment, errors=errors, values={"closing": str(action_id), **values},
                        status=422)  # fmt: skip
