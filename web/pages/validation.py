"""What the web checks in a form before it calls a service, so that a person sees every bad field of a
submission at once, each in words that name the field, in the page's language.

The services check everything again (and their 422 lists every bad field too, in both languages:
shared/validation.py); their limits are the ones below (tests/web/test_form_validation.py compares
them), so a form the web lets through is not refused for a length or a format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web.context import Language
from web.i18n import N_
from web.pages.common import Errors

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Text:
    """A text field: its limits, and what to tell people when a value is outside them."""

    name: str
    max_length: int
    too_long: str
    """Names the field; ``%(max)s`` is the limit."""
    missing: str | None = None
    """Set for a required field: the message when it is left empty."""
    min_length: int = 0
    too_short: str | None = None
    pattern: re.Pattern[str] | None = None
    wrong_format: str | None = None

    def problem(self, value: str) -> str | None:
        """The (untranslated) message for ``value``, or None if it is fine."""
        if not value.strip():
            if self.missing:
                return self.missing
            if not self.min_length and not self.pattern:
                return None
        if len(value) < self.min_length:
            return self.too_short or self.wrong_format
        if self.pattern is not None and not self.pattern.match(value):
            return self.wrong_format
        if len(value) > self.max_length:
            return self.too_long
        return None


def check(lang: Language, values: Mapping[str, Any], fields: Sequence[Text], errors: Errors | None = None) -> Errors:
    """Every field's problem, in the order of ``fields`` (the form's order, which the summary follows)."""
    found = Errors() if errors is None else errors
    for field in fields:
        message = field.problem(str(values.get(field.name) or ""))
        if message:
            found.add(field.name, lang._(message, max=f"{field.max_length:,}"))
    return found


def check_row(
    lang: Language, prefix: str, number: int, values: Mapping[str, Any], fields: Sequence[Text], errors: Errors
) -> Errors:
    """The same for one numbered row of a form (a panel's members): each field's id is
    ``prefix-name``, and ``%(number)d`` in a message is the row's number."""
    for field in fields:
        message = field.problem(str(values.get(field.name) or ""))
        if message:
            errors.add(f"{prefix}-{field.name}", lang._(message, max=f"{field.max_length:,}", number=number))
    return errors


SLUG_RULE = N_("Enter a short name of lower-case letters, numbers and hyphens")
SUMMARY_CY = Text("summary_cy", 4000, N_("The summary in Welsh must be %(max)s characters or fewer"))
SUMMARY_EN = Text("summary_en", 4000, N_("The summary in English must be %(max)s characters or fewer"))

SUPPORT_REQUEST = (
    Text("organisation", 200, N_("The name of your organisation must be %(max)s characters or fewer"),
         missing=N_("Enter the name of your organisation")),
    Text("contact_name", 200, N_("Your name must be %(max)s characters or fewer"), missing=N_("Enter your name")),
    Text("contact_email", 254, N_("Your email address must be %(max)s characters or fewer"), pattern=EMAIL,
         wrong_format=N_("Enter an email address in the correct format, like name@example.com")),
    Text("need", 5000, N_("The description of what you need help with must be %(max)s characters or fewer"),
         min_length=10, too_short=N_("Tell us what you need help with, in at least 10 characters")),
)  # fmt: skip

TITLES = (
    Text("title_cy", 200, N_("The title in Welsh must be %(max)s characters or fewer"),
         missing=N_("Enter the title in Welsh")),
    Text("title_en", 200, N_("The title in English must be %(max)s characters or fewer"),
         missing=N_("Enter the title in English")),
)  # fmt: skip
NEW_PROJECT = (
    *TITLES,
    Text("slug", 80, N_("The short name must be %(max)s characters or fewer"), min_length=2, pattern=SLUG,
         wrong_format=SLUG_RULE),
    SUMMARY_CY, SUMMARY_EN,
)  # fmt: skip
PROJECT_CHANGES = (*TITLES, SUMMARY_CY, SUMMARY_EN)
REASONS = (
    Text("reason_cy", 2000, N_("The reason in Welsh must be %(max)s characters or fewer")),
    Text("reason_en", 2000, N_("The reason in English must be %(max)s characters or fewer")),
)
PHASE_CHANGE = (
    *REASONS,
    Text("assessment_url", 2000, N_("The link to the assessment report must be %(max)s characters or fewer")),
    Text("gate_override_reason_cy", 2000, N_("The reason to go ahead in Welsh must be %(max)s characters or fewer")),
    Text("gate_override_reason_en", 2000,
         N_("The reason to go ahead in English must be %(max)s characters or fewer")),
)  # fmt: skip
HEALTH_CHANGE = REASONS
UPDATE_TEXT = (
    Text("body_cy", 10000, N_("The update in Welsh must be %(max)s characters or fewer")),
    Text("body_en", 10000, N_("The update in English must be %(max)s characters or fewer")),
)
UPDATE_HEALTH_REASON = (
    Text("health_reason_cy", 2000, N_("The reason for the health in Welsh must be %(max)s characters or fewer")),
    Text("health_reason_en", 2000, N_("The reason for the health in English must be %(max)s characters or fewer")),
)
ENGAGEMENT_SUMMARIES = (SUMMARY_CY, SUMMARY_EN)
TRIAGE_REASON = REASONS

URL = re.compile(r"^https?://[^\s/$.?#]\S*$")
PARTNER_NAMES = (
    Text("name_cy", 200, N_("The name in Welsh must be %(max)s characters or fewer"),
         missing=N_("Enter the name in Welsh")),
    Text("name_en", 200, N_("The name in English must be %(max)s characters or fewer"),
         missing=N_("Enter the name in English")),
)  # fmt: skip
PARTNER_SLUG = (
    Text("slug", 80, N_("The short name must be %(max)s characters or fewer"), min_length=2, pattern=SLUG,
         wrong_format=SLUG_RULE),
)  # fmt: skip
PARTNER_WEBSITE = (
    Text("website", 500, N_("The website must be %(max)s characters or fewer"), pattern=URL,
         wrong_format=N_("Enter the website's full address, like https://www.powys.gov.uk")),
)  # fmt: skip
NEW_PARTNER = (*PARTNER_NAMES, *PARTNER_SLUG, *PARTNER_WEBSITE)
PARTNER_CHANGES = (*PARTNER_NAMES, *PARTNER_WEBSITE)
"""The website is optional: the forms leave it out of the check when it is empty."""
CONTACT = (
    Text("name", 200, N_("Their name must be %(max)s characters or fewer"), missing=N_("Enter their name")),
    Text("role", 200, N_("Their role must be %(max)s characters or fewer")),
    Text("email", 254, N_("Their email address must be %(max)s characters or fewer"), pattern=EMAIL,
         wrong_format=N_("Enter an email address in the correct format, like name@example.com"),
         missing=N_("Enter their email address")),
)  # fmt: skip
PANEL_MEMBER = (
    Text("name", 200, N_("The name of panel member %(number)d must be %(max)s characters or fewer")),
    Text("role_cy", 2000, N_("The role of panel member %(number)d in Welsh must be %(max)s characters or fewer")),
    Text("role_en", 2000, N_("The role of panel member %(number)d in English must be %(max)s characters or fewer")),
)
"""One row of the assessment panel (a name is needed only where a role is given: the form says so)."""
NOT_ASSESSED_REASON = (
    Text("reason_cy", 2000, N_("The reason it was not assessed, in Welsh, must be %(max)s characters or fewer")),
    Text("reason_en", 2000, N_("The reason it was not assessed, in English, must be %(max)s characters or fewer")),
)
STANDARD_TEXTS = (
    Text("evidence_cy", 10000, N_("The evidence in Welsh must be %(max)s characters or fewer")),
    Text("evidence_en", 10000, N_("The evidence in English must be %(max)s characters or fewer")),
    Text("recommendations_cy", 10000, N_("The recommendations in Welsh must be %(max)s characters or fewer")),
    Text("recommendations_en", 10000, N_("The recommendations in English must be %(max)s characters or fewer")),
)
"""A standard's page: its not-assessed reason, then these, in the form's order."""
ASSESSMENT_SUMMARIES = (SUMMARY_CY, SUMMARY_EN)
OVERRIDE_REASON = (
    Text("override_reason_cy", 2000, N_("The panel's reason in Welsh must be %(max)s characters or fewer")),
    Text("override_reason_en", 2000, N_("The panel's reason in English must be %(max)s characters or fewer")),
)
DROPPED_REASON = (
    Text("reason_cy", 2000, N_("The reason for dropping it, in Welsh, must be %(max)s characters or fewer")),
    Text("reason_en", 2000, N_("The reason for dropping it, in English, must be %(max)s characters or fewer")),
)
