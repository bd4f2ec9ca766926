"""The bilingual vocabulary every service speaks: the names of the portfolio's codes, and dates.

The English names below are the message ids of one gettext catalogue (Babel),
``shared/translations/cy/LC_MESSAGES/vocabulary.po``, so a phase, a state or a challenge area reads
the same on the pages (web), in emails and weeknotes (notifier), in search results (search) and in
the portfolio's messages. The web's own catalogue (web/translations) holds its interface wording
and falls back to this one.

To add a word: add it here inside ``N_()``, then, from the repository root::

    pybabel extract -F shared/babel.cfg --no-location --sort-output -o shared/translations/vocabulary.pot .
    pybabel update -D vocabulary -i shared/translations/vocabulary.pot -d shared/translations --ignore-obsolete

and give it its Welsh in the .po file (tests/test_vocabulary.py fails until every word has one).
The .po file is read as it is, at import: there is no compiled catalogue to go stale.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

Lang = Literal["cy", "en"]

CATALOGUE = Path(__file__).parent / "translations" / "cy" / "LC_MESSAGES" / "vocabulary.po"


def N_(message: str) -> str:
    """Marks a word for the catalogue; it is translated where it is shown."""
    return message


PHASES = {
    "discovery": N_("Discovery"),
    "alpha": N_("Alpha"),
    "private_beta": N_("Private beta"),
    "public_beta": N_("Public beta"),
    "live": N_("Live"),
    "retired": N_("Retired"),
}
"""In the order a project goes through them."""
BETA = N_("Beta")
"""Private and public beta together, where they share a place (the board's column)."""
BETA_STEPS = ("private_beta", "public_beta")
STATES = {"active": N_("Active"), "paused": N_("Paused"), "stopped": N_("Stopped")}
HEALTH = {"green": N_("Green"), "amber": N_("Amber"), "red": N_("Red")}
PHASE_CHANGES = {
    "advance": N_("moved forward"),
    "go_back": N_("went back"),
    "stop": N_("stopped"),
    "reopen": N_("was reopened"),
    "pause": N_("was paused"),
    "resume": N_("resumed"),
}
"""What a phase change did, to follow a project's name: "Digital tax returns moved forward"."""
CHALLENGE_AREAS = {
    "skills-and-staffing": N_("Skills and staffing"),
    "shared-platforms": N_("Shared platforms"),
    "cloud": N_("Cloud"),
    "content": N_("Content"),
    "forms": N_("Forms"),
    "agile-working": N_("Agile working"),
    "procurement": N_("Procurement"),
    "shared-functionality": N_("Shared functionality"),
    "funding-and-measuring": N_("Funding and measuring"),
    "cyber-and-net-zero": N_("Cyber security and net zero"),
}
"""The tags a project can carry, in the order they are listed."""
WELLBEING_GOALS = {
    "prosperous": N_("A prosperous Wales"),
    "resilient": N_("A resilient Wales"),
    "healthier": N_("A healthier Wales"),
    "more_equal": N_("A more equal Wales"),
    "cohesive_communities": N_("A Wales of cohesive communities"),
    "vibrant_culture": N_("A Wales of vibrant culture and thriving Welsh language"),
    "globally_responsible": N_("A globally responsible Wales"),
}
"""The seven well-being goals of the Well-being of Future Generations (Wales) Act 2015, in the Act's
order, with their official Welsh names: a project may name the goals it serves."""
MEASURES = {
    "cost_per_transaction": N_("Cost per transaction"),
    "user_satisfaction": N_("User satisfaction"),
    "completion_rate": N_("Completion rate"),
    "digital_take_up": N_("Digital take-up"),
    "users_served": N_("Users served"),
    "time_to_complete": N_("Time to complete"),
    "welsh_take_up": N_("Welsh-language take-up"),
}
"""The catalogue of measures a project may track (GOV.UK's four key measures and three of CDPS's);
their units and which way is better are in ``shared/measures.py``."""
MEASURE_UNITS = {
    "count": N_("number"),
    "percent": N_("per cent"),
    "pounds": N_("pounds"),
    "minutes": N_("minutes"),
    "days": N_("days"),
}
MEASURE_DIRECTIONS = {"up": N_("Higher is better"), "down": N_("Lower is better")}
FUNDING_SOURCES = {
    "cdps": N_("CDPS"),
    "partner": N_("The partner"),
    "welsh_government": N_("A Welsh Government programme"),
    "other": N_("Other"),
}
FUNDING_KINDS = {"project": N_("Project funding"), "continuous_improvement": N_("Continuous improvement")}
NO_CHALLENGE_AREA = N_("Other work")
"""Where a project with no tag is listed among the challenge areas."""
PARTNER_KINDS = {
    "health": N_("Health"),
    "local_authority": N_("Local authority"),
    "national_body": N_("National body"),
    "third_sector": N_("Third sector"),
    "other": N_("Other"),
}
ENGAGEMENT_KINDS = {
    "catalyst_project": N_("Catalyst project"),
    "discovery_support": N_("Discovery support"),
    "training": N_("Training"),
    "advice": N_("Advice"),
    "assessment": N_("Assessment"),
    "other": N_("Other"),
}
RATINGS = {
    "met": N_("Met"),
    "partly_met": N_("Partly met"),
    "not_met": N_("Not met"),
    "not_assessed": N_("Not assessed"),
}
"""How a service stands against one standard, and (met, not met) the outcome of a gate."""
ASSESSMENT_KINDS = {
    "self_assessment": N_("Team self-assessment"),
    "peer_review": N_("Peer review"),
    "formal_assessment": N_("Formal assessment"),
}
ASSESSMENT_STATUSES = {"draft": N_("Draft"), "submitted": N_("Submitted"), "published": N_("Published")}
ACTION_STATES = {"open": N_("Open"), "done": N_("Done"), "dropped": N_("Dropped")}
URGENCY = {"low": N_("Low"), "medium": N_("Medium"), "high": N_("High")}
LANGUAGES = {"cy": N_("Welsh"), "en": N_("English"), "both": N_("Welsh and English")}


@functools.cache
def translations(lang: Lang) -> NullTranslations:
    """The catalogue for ``lang``: the Welsh one, or none for English (the message ids are English)."""
    if lang == "en":
        return NullTranslations()
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain="vocabulary")


def name(table: Mapping[str, str], code: str, lang: Lang) -> str:
    """``table``'s word for ``code`` in ``lang`` (the code itself if the table does not know it)."""
    word = table.get(code)
    return code if word is None else translations(lang).gettext(word)


def both_names(table: Mapping[str, str], code: str) -> tuple[str, str]:
    """(English, Welsh): for what is stored or indexed in both languages at once."""
    return name(table, code, "en"), name(table, code, "cy")


def long_date(day: dt.date | None, lang: Lang) -> str:
    """3 March 2025 / 3 Mawrth 2025 ('' for no date)."""
    return "" if day is None else format_date(day, "d MMMM y", locale=lang)
