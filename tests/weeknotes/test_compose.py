"""Weeknotes are composed from the week's events: public records only, grouped by project and
challenge area, with a summary line, in Welsh and English (golden files)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from pathlib import Path

import msgspec

from services.notifier.weeknotes.calendar import Schedule, publish_at, week_of, weeks_due
from services.notifier.weeknotes.compose import WeekEvent, compose, summary
from services.notifier.weeknotes.render import markdown
from tests.helpers import SITE
from tests.weeknotes.events import FORMS, WEEK, at, forms, measure_event, week_events

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare with the golden file; CDPS_UPDATE_GOLDEN=1 rewrites it (then read the diff!)."""
    path = GOLDEN / name
    if os.environ.get("CDPS_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_the_weeknote_in_english_matches_the_golden_file() -> None:
    check_golden(
        "week-2026-03-23.en.md", markdown(compose(WEEK, week_events()), "en", intro="A busy week.", web_base=SITE)
    )


def test_the_weeknote_in_welsh_matches_the_golden_file() -> None:
    check_golden(
        "week-2026-03-23.cy.md", markdown(compose(WEEK, week_events()), "cy", intro="Wythnos brysur.", web_base=SITE)
    )


def test_only_public_records_appear_and_private_ones_are_at_most_counted() -> None:
    note = compose(WEEK, week_events())
    for lang in ("en", "cy"):
        text = markdown(note, lang, web_base=SITE)
        assert "Secret" not in text and "Private advice" not in text and "Ann" not in text and "Powys" not in text
    assert note.counts["engagements"] == 1 and note.counts["support_requests"] == 1


def test_the_summary_line_counts_what_happened() -> None:
    note = compose(WEEK, week_events())
    assert summary(note, "en") == (
        "1 project moved phase, 1 new project, 2 updates, 1 health change, 1 new engagement, 1 new partner, "
        "1 request for support"
    )
    assert summary(note, "cy").startswith("1 prosiect wedi symud cam, 1 prosiect newydd, 2 diweddariad")
    assert summary(compose(WEEK, []), "en").startswith("A quiet week")


def test_a_missing_translation_is_flagged_for_staff_and_marked_in_the_text() -> None:
    note = compose(WEEK, week_events())
    # the update written in English only, and two reasons (one field each) that were written in English
    assert [(item_id[-4:], lang) for item_id, lang in note.missing] == [("03ea", "cy"), ("03ec", "cy"), ("03ed", "cy")]
    assert "(yn Saesneg yn unig)" in markdown(note, "cy", web_base=SITE)


def test_a_hidden_item_is_left_out() -> None:
    events = week_events()
    note = compose(WEEK, events, hidden=frozenset({events[1].id}))
    assert "Passed the discovery peer review" not in markdown(note, "en", web_base=SITE)


def test_weeks_run_monday_to_monday_in_london_across_the_clock_changes() -> None:
    # Clocks go forward on 29 March: the week starts at Monday 00:00 GMT and ends at Monday 00:00 BST.
    assert week_of(dt.datetime(2026, 3, 23, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 23)
    assert week_of(dt.datetime(2026, 3, 22, 23, 59, tzinfo=dt.UTC)) == dt.date(2026, 3, 16)
    # Sunday 23:30 UTC on 29 March is Monday 00:30 BST: already the next week.
    assert week_of(dt.datetime(2026, 3, 29, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 30)
    assert week_of(dt.datetime(2026, 3, 29, 22, 30, tzinfo=dt.UTC)) == dt.date(2026, 3, 23)
    # Clocks go back on 25 October: Sunday 23:30 UTC is still Sunday in London (GMT again).
    assert week_of(dt.datetime(2026, 10, 25, 23, 30, tzinfo=dt.UTC)) == dt.date(2026, 10, 19)
    assert week_of(dt.datetime(2026, 10, 26, 0, 0, tzinfo=dt.UTC)) == dt.date(2026, 10, 26)


def test_publication_is_friday_at_four_london_time_whatever_the_season() -> None:
    assert publish_at(dt.date(2026, 1, 5), Schedule()) == dt.datetime(2026, 1, 9, 16, tzinfo=dt.UTC)
    assert publish_at(dt.date(2026, 7, 6), Schedule()) == dt.datetime(2026, 7, 10, 15, tzinfo=dt.UTC)
    due = weeks_due(dt.date(2026, 7, 6), dt.datetime(2026, 7, 24, 15, tzinfo=dt.UTC), Schedule())
    assert due == [dt.date(2026, 7, 6), dt.date(2026, 7, 13), dt.date(2026, 7, 20)]


def test_an_event_of_a_project_that_is_no_longer_public_is_left_out() -> None:
    withdrawn = [msgspec.structs.replace(e, public_now=False) if e.aggregate_id == FORMS else e for e in week_events()]
    text = markdown(compose(WEEK, withdrawn), "en", web_base=SITE)
    assert "Welsh-first forms" not in text and "Tested the form" not in text and "Cloud landing zone" in text


def test_each_project_heading_links_to_its_page_and_brackets_in_a_title_do_not_break_the_link() -> None:
    events = [e for e in week_events() if e.aggregate_id == FORMS]
    bracketed = [msgspec.structs.replace(e, data=e.data | {"project": e.data["project"] | {
        "title_en": "Forms [beta] \\ more"}}) for e in events]  # fmt: skip
    text = markdown(compose(WEEK, bracketed), "en", web_base=SITE + "/")
    assert f"### [Forms \\[beta\\] \\\\ more]({SITE}/projects/welsh-first-forms)\n" in text


def test_a_published_assessment_is_told_in_its_projects_section_in_both_languages() -> None:
    published = WeekEvent(
        id=uuid.UUID(int=9001), type="portfolio.assessment.published", occurred_at=at(25), aggregate_id=FORMS,
        public_now=True, data={
            "assessment": {"project_id": str(FORMS), "from_phase": "alpha", "to_phase": "private_beta",
                           "outcome": "not_met"},
            "for_project": msgspec.to_builtins(forms(phase="alpha")),
        },
    )  # fmt: skip
    note = compose(WEEK, [*week_events(), published])
    [section] = [s for s in note.projects if s.project_id == FORMS]
    [item] = [i for i in section.items if i.kind == "assessment"]
    assert item.text_en == "Assessed at the gate from alpha to private beta: did not meet the standards."
    assert item.text_cy == "Aseswyd wrth y porth o'r cam alffa i'r cam beta preifat: heb fodloni'r safonau."
    assert "1 assessment published" in summary(note, "en") and "1 asesiad wedi'i gyhoeddi" in summary(note, "cy")


def test_a_published_measure_that_crossed_its_target_is_told_in_its_projects_section() -> None:
    note = compose(WEEK, [*week_events(), measure_event(2, 86.5, "reached")])
    [section] = [s for s in note.projects if s.project_id == FORMS]
    [item] = [i for i in section.items if i.kind == "measure"]
    assert item.text_en == "‘User satisfaction’ reached its target: 86.5%."
    assert item.text_cy == "Cyrhaeddodd y mesur ‘Bodlonrwydd defnyddwyr’ ei darged: 86.5%."
    assert "1 measure reached its target" in summary(note, "en")
    assert "1 mesur wedi cyrraedd ei darged" in summary(note, "cy")


def test_a_measure_that_fell_back_from_its_target_is_told_too_whichever_way_is_better() -> None:
    below = measure_event(3, 84.0, "fell_back")
    above = measure_event(4, 4.2, "fell_back", catalogue="cost_per_transaction", direction="down", unit="pounds")
    note = compose(WEEK, [*week_events(), below, above])
    [section] = [s for s in note.projects if s.project_id == FORMS]
    items = [(i.text_en, i.text_cy) for i in section.items if i.kind == "measure_fell_back"]
    assert items == [
        ("‘User satisfaction’ fell below its target: 84%.",
         "Syrthiodd y mesur ‘Bodlonrwydd defnyddwyr’ o dan ei darged: 84%."),
        ("‘Cost per transaction’ rose above its target: £4.20.",
         "Cododd y mesur ‘Cost fesul trafodiad’ uwchlaw ei darged: £4.20."),
    ]  # fmt: skip
    assert "2 measures fell back from their targets" in summary(note, "en")
    assert "2 mesur wedi llithro'n ôl o'i darged" in summary(note, "cy")
    assert "reached" not in summary(note, "en")
