"""Assessments against the Digital Service Standards for Wales: the report page of each assessment.

The portfolio decides what the viewer may read: the whole assessment (staff, and the project's
partner for its self-assessments and whatever is published), or a published assessment's summary
(anyone who may see the project: the outcome per standard, no panel, evidence or recommendations).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get
from litestar.params import FromPath
from litestar.response import Template

from shared import standards
from shared.welsh import Name
from web.context import Language, PageLanguage
from web.i18n import N_
from web.pages import labels
from web.pages.common import HxRequest, page, read

RATING_TAGS = {"met": "govuk-tag--green", "partly_met": "govuk-tag--yellow", "not_met": "govuk-tag--red",
               "not_assessed": "govuk-tag--grey"}  # fmt: skip
NOT_RATED = N_("Not rated yet")
ONLY_IN = {"en": N_("Written in English only"), "cy": N_("Written in Welsh only")}


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


@get("/assessments/{assessment_id:uuid}")
async def assessment_report(request: HxRequest, lang: PageLanguage, assessment_id: FromPath[uuid.UUID]) -> Template:
    """The report: the gate, who assessed and when, the outcome, and the 12 standards grouped and rated."""
    assessment = await read(request, "portfolio", f"/api/v1/assessments/{assessment_id}")
    project = await read(request, "portfolio", f"/api/v1/projects/{assessment['project_id']}")
    return await page(
        request, "assessments/report.html", assessment=assessment, project=project, gate=gate_name(lang, assessment),
        groups=report_groups(lang, assessment), rating_tags=RATING_TAGS, not_rated=NOT_RATED,
    )  # fmt: skip
