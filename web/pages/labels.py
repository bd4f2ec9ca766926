"""Names of codes, marked for translation: the portfolio's codes come from the vocabulary every
service shares (shared/vocabulary.py), the web's own ones (search kinds, roles...) are below.

Templates translate them where they are shown: ``_(labels.PHASES[code])``.
"""

from __future__ import annotations

from collections.abc import Callable

from shared import vocabulary
from web.i18n import N_

PHASES = vocabulary.PHASES
PHASE_ORDER = tuple(PHASES)
RATINGS = vocabulary.RATINGS
ASSESSMENT_KINDS = vocabulary.ASSESSMENT_KINDS
ASSESSMENT_STATUSES = vocabulary.ASSESSMENT_STATUSES
ACTION_STATES = vocabulary.ACTION_STATES
BETA = vocabulary.BETA
BETA_STEPS = vocabulary.BETA_STEPS
STATES = vocabulary.STATES
HEALTH = vocabulary.HEALTH
HEALTH_TAGS = {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}
TAGS = vocabulary.CHALLENGE_AREAS
GOALS = vocabulary.WELLBEING_GOALS
VISIBILITY = {
    "public": N_("Everyone"),
    "partner": N_("The partner and CDPS"),
    "internal": N_("CDPS only"),
}
PARTNER_KINDS = vocabulary.PARTNER_KINDS
ENGAGEMENT_KINDS = vocabulary.ENGAGEMENT_KINDS
SEARCH_KINDS = {
    "project": N_("Projects"),
    "partner": N_("Partners"),
    "update": N_("Updates"),
    "engagement": N_("Engagements"),
    "support_request": N_("Support requests"),
    "weeknote": N_("Weeknotes"),
    "assessment": N_("Assessments"),
    "measure": N_("Measures"),
    "phase_change": N_("Phase changes"),
}
HIT_KINDS = {
    "project": N_("Project"),
    "partner": N_("Partner"),
    "update": N_("Update"),
    "engagement": N_("Engagement"),
    "support_request": N_("Support request"),
    "weeknote": N_("Weeknote"),
    "assessment": N_("Assessment"),
    "measure": N_("Measure"),
    "phase_change": N_("Phase change"),
}
# What a page that lists engagements says after a form returned to it (?done=...).
ENGAGEMENT_DONE = {
    "engagement": N_("The engagement has been recorded."),
    "engagement_changed": N_("The engagement has been changed."),
    "engagement_ended": N_("The engagement has been ended."),
}
URGENCY = vocabulary.URGENCY
REQUEST_STATUS = {"new": N_("New"), "accepted": N_("Accepted"), "declined": N_("Declined")}
REQUEST_STATUS_FOR_REQUESTER = {
    "new": N_("Waiting for a delivery lead"), "accepted": N_("Accepted: CDPS will work with you"),
    "declined": N_("Declined"),
}  # fmt: skip
ROLES = {"admin": N_("Administrator"), "lead": N_("Delivery lead"), "partner": N_("Partner")}
LANGUAGE_CHOICES = vocabulary.LANGUAGES
EVENTS = {
    "portfolio.project.created": N_("Project created"),
    "portfolio.project.updated": N_("Details edited"),
    "portfolio.project.phase_changed": N_("Phase or state changed"),
    "portfolio.project.health_changed": N_("Health changed"),
    "portfolio.project.update_posted": N_("Update posted"),
    "portfolio.project.update_translated": N_("Update translated"),
    "portfolio.project.phase_reason_translated": N_("Reason for a phase change translated"),
}
LAST_CHANGE = {
    "portfolio.project.created": N_("project created"),
    "portfolio.project.updated": N_("details edited"),
    "portfolio.project.phase_changed": N_("phase changed"),
    "state": N_("state changed"),
    "portfolio.project.health_changed": N_("health changed"),
    "portfolio.project.update_posted": N_("update posted"),
}
"""How a project page says what changed it last ("Last updated 3 December 2026: phase changed");
a pause, resumption, stop or reopening is a change of state."""
STATE_CHANGES = ("pause", "resume", "stop", "reopen")
FIELDS = {
    "title_en": N_("Title in English"),
    "title_cy": N_("Title in Welsh"),
    "summary_en": N_("Summary in English"),
    "summary_cy": N_("Summary in Welsh"),
    "partner_id": N_("Partner"),
    "lead_id": N_("Delivery lead"),
    "visibility": N_("Who can see it"),
    "tags": N_("Challenge areas"),
    "wellbeing_goals": N_("Wellbeing goals"),
    "start_date": N_("Start date"),
    "phase": N_("Phase"),
    "state": N_("State"),
    "health": N_("Health"),
    "health_reason": N_("Reason for the health"),
    "name_en": N_("Name in English"),
    "name_cy": N_("Name in Welsh"),
    "body_en": N_("Update in English"),
    "body_cy": N_("Update in Welsh"),
}
# Phase-change actions, as phases.allowed_actions names them ("advance:alpha", "pause", ...).
ACTIONS = {
    "advance": N_("Move forward to %(phase)s"),
    "go_back": N_("Go back to %(phase)s"),
    "pause": N_("Pause the project"),
    "resume": N_("Resume the project"),
    "stop": N_("Stop the project"),
    "reopen": N_("Reopen the project"),
}
DELIVERY_STATUS = {"pending": N_("Waiting"), "held": N_("Waiting for its Welsh"), "sent": N_("Sent"),
                   "failed": N_("Failed"), "retrying": N_("Retrying")}  # fmt: skip


def name(gettext: Callable[..., str], table: dict[str, str], code: object, **values: object) -> str:
    """``table``'s name for ``code`` in the page's language (the code itself if unknown)."""
    text = table.get(str(code), str(code))
    return gettext(text, **values)
