"""One bilingual vocabulary: a phase, a state, a health or a challenge area reads the same on the
pages, in emails, in weeknotes and in search, and every word of it has its Welsh."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any, get_args, get_type_hints

import msgspec
import pytest
from babel.messages.pofile import read_po

from services.notifier.compose import event_context
from services.notifier.links import Links
from services.notifier.weeknotes.compose import WeekEvent, compose
from services.notifier.weeknotes.render import markdown
from services.search.domain import ENGAGEMENT_TITLES
from shared import vocabulary
from shared.bilingual import Bilingual
from shared.events import (
    Actor,
    EngagementKind,
    Health,
    PartnerKind,
    Phase,
    ProjectPhaseChanged,
    State,
    SupportRequested,
    make_envelope,
)
from tests.helpers import SITE, snapshot
from web.i18n import gettext_functions
from web.pages import labels

ROOT = Path(__file__).parent.parent
CATALOGUE = vocabulary.CATALOGUE
WEB_CATALOGUE = ROOT / "web/translations/cy/LC_MESSAGES/messages.po"


def messages(path: Path) -> dict[str, str]:
    with path.open("rb") as f:
        catalogue = read_po(f, locale="cy")
    return {m.id: m.string for m in catalogue
            if isinstance(m.id, str) and m.id and isinstance(m.string, str) and "fuzzy" not in m.flags}  # fmt: skip


def test_the_vocabulary_names_every_code_the_events_can_carry() -> None:
    assert tuple(vocabulary.PHASES) == get_args(Phase)
    assert tuple(vocabulary.STATES) == get_args(State)
    assert tuple(vocabulary.HEALTH) == get_args(Health)
    assert tuple(vocabulary.PARTNER_KINDS) == get_args(PartnerKind)
    assert tuple(vocabulary.ENGAGEMENT_KINDS) == get_args(EngagementKind)
    assert tuple(vocabulary.PHASE_CHANGES) == get_args(get_type_hints(ProjectPhaseChanged)["kind"])
    assert tuple(vocabulary.URGENCY) == get_args(get_type_hints(SupportRequested)["urgency"])
    assert tuple(vocabulary.LANGUAGES) == ("cy", "en", "both")


def test_every_word_has_its_welsh_and_the_catalogue_is_current(tmp_path: Path) -> None:
    template = tmp_path / "vocabulary.pot"
    subprocess.run(
        [Path(sys.executable).parent / "pybabel", "extract", "-F", "shared/babel.cfg", "-o", str(template),
         "--no-location", "--sort-output", "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as f:
        extracted = {m.id for m in read_po(f) if m.id}
    welsh = messages(CATALOGUE)
    assert extracted == set(welsh), "run pybabel extract/update (see shared/vocabulary.py)"
    assert all(welsh.values()), [word for word, text in welsh.items() if not text]


def test_a_word_the_web_interface_also_uses_reads_the_same_in_both_catalogues() -> None:
    vocabulary_words, web_words = messages(CATALOGUE), messages(WEB_CATALOGUE)
    shared = set(vocabulary_words) & set(web_words)
    assert {word: web_words[word] for word in shared} == {word: vocabulary_words[word] for word in shared}


def test_paused_reads_ar_saib_on_pages_and_in_emails() -> None:
    _ = gettext_functions("cy")["_"]
    assert _(labels.STATES["paused"]) == "Ar saib"
    paused = ProjectPhaseChanged(
        project=snapshot(state="paused"), kind="pause", from_phase="alpha", to_phase="alpha", from_state="active",
        to_state="paused", effective=dt.date(2026, 3, 24), reason=Bilingual(en="Waiting for funding"),
    )  # fmt: skip
    envelope = make_envelope(paused, actor=Actor(id="lead", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=2,
                             partner_id=None)  # fmt: skip
    links = Links(link_base="http://notifier", web_base="http://web", secret="s")
    _template, context = event_context({"envelope": msgspec.to_builtins(envelope)}, "cy", links)
    assert context["state"] == "Ar saib" and context["change"] == "wedi'i roi ar saib"


@pytest.mark.parametrize("area", sorted(vocabulary.CHALLENGE_AREAS))
def test_a_challenge_area_is_named_in_the_weeknote_as_on_the_pages(area: str) -> None:
    created = WeekEvent(
        id=uuid.uuid4(), type="portfolio.project.created", occurred_at=dt.datetime(2026, 3, 24, 10, tzinfo=dt.UTC),
        aggregate_id=uuid.uuid4(), data=msgspec.to_builtins({"project": snapshot(tags=[area])}), public_now=True,
    )  # fmt: skip
    note = compose(dt.date(2026, 3, 23), [created])
    for lang in ("cy", "en"):
        page_name = gettext_functions(lang)["_"](labels.TAGS[area])
        assert f"## {page_name}\n" in markdown(note, lang, web_base=SITE)


def test_search_titles_an_engagement_with_the_name_of_its_kind() -> None:
    titles: dict[str, Any] = ENGAGEMENT_TITLES
    assert titles["training"] == ("Training", "Hyfforddiant")
    assert titles["other"] == ("Engagement", "Ymgysylltiad")  # "Other" alone says nothing as a title


def test_dates_are_written_out_in_either_language() -> None:
    assert vocabulary.long_date(dt.date(2026, 6, 3), "cy") == "3 Mehefin 2026"
    assert vocabulary.long_date(dt.date(2026, 6, 3), "en") == "3 June 2026"
    assert vocabulary.long_date(None, "cy") == ""


def entries(path: Path) -> list[tuple[str, str]]:
    """Each entry's (context, msgid) as written in a .po file; Babel reads a repeated one without a word."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ", "msgstr")):
                current, _, value = line.partition(" ")
                fields[current] = value.strip().strip('"')
            elif line.startswith('"') and current is not None:
                fields[current] += line.strip().strip('"')
        if fields.get("msgid"):
            found.append((fields.get("msgctxt", ""), fields["msgid"]))
    return found


@pytest.mark.parametrize("catalogue", [WEB_CATALOGUE, *sorted((ROOT / "shared/translations").rglob("*.po"))],
                         ids=lambda path: str(path.relative_to(ROOT)))  # fmt: skip
def test_each_catalogue_translates_a_message_once(catalogue: Path) -> None:
    repeated = [entry for entry, count in Counter(entries(catalogue)).items() if count > 1]
    assert repeated == [], f"{catalogue.name} has these messages twice (the second silently wins): {repeated}"
