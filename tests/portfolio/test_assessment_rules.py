"""The assessment rules in services/portfolio/assessments.py, as specifications: pure, so no servers;
properties check the outcome rule over every combination of ratings hypothesis can think of."""

from __future__ import annotations

import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from services.portfolio.assessments import (
    GATES,
    completeness_errors,
    derived_outcome,
    merged,
    one_language,
    outcome,
)
from services.portfolio.assessments import RatingInput as Given
from shared import standards
from shared.bilingual import EMPTY, Bilingual
from shared.events import AssessmentSnapshot, GateOutcome, PanelMember, Rating, StandardRating

VERSION = standards.CURRENT
specification = settings(max_examples=200, deadline=None)
rating_values = st.sampled_from(["met", "partly_met", "not_met", "not_assessed", None])
rating_sets = st.dictionaries(st.sampled_from(standards.numbers()), rating_values)


def rated(by_number: dict[int, Rating | None]) -> list[StandardRating]:
    return [StandardRating(standard=n, rating=r, reason=Bilingual(en="Out of scope") if r == "not_assessed" else EMPTY)
            for n, r in sorted(by_number.items())]  # fmt: skip


def assessment(ratings: list[StandardRating], **fields: object) -> AssessmentSnapshot:
    values: dict[str, object] = {
        "project_id": uuid.uuid4(), "from_phase": "alpha", "to_phase": "private_beta", "kind": "formal_assessment",
        "held_on": dt.date(2026, 1, 5), "standards_version": VERSION, "panel": [PanelMember(name="A")],
        "ratings": ratings, "summary_en": "", "summary_cy": "", "status": "draft", "outcome": None,
        "panel_outcome": None, "override_reason": EMPTY, **fields,
    }  # fmt: skip
    return AssessmentSnapshot(**values)  # type: ignore[arg-type]


def test_the_standards_are_twelve_in_three_groups_each_titled_and_guided_in_both_languages() -> None:
    set_ = standards.standards(VERSION)
    assert [s.number for s in set_] == list(range(1, 13))
    assert [s.group for s in set_] == ["user_needs"] * 5 + ["teams"] * 4 + ["technology"] * 3
    for s in set_:
        assert s.title_en and s.title_cy and s.title_en != s.title_cy
        assert len(s.guidance_en) > 80 and len(s.guidance_cy) > 80 and s.guidance_en != s.guidance_cy


def test_there_is_a_gate_before_each_phase_from_alpha_to_live() -> None:
    assert GATES == {"alpha": "discovery", "private_beta": "alpha", "public_beta": "private_beta",
                     "live": "public_beta"}  # fmt: skip


@specification
@given(rating_sets)
def test_the_gate_is_not_met_iff_every_standard_is_rated_and_one_is_not_met(
    by_number: dict[int, Rating | None],
) -> None:
    result = derived_outcome(rated(by_number), VERSION)
    complete = all(by_number.get(n) is not None for n in standards.numbers())
    if not complete:
        assert result is None
    else:
        assert result == ("not_met" if "not_met" in by_number.values() else "met")


@specification
@given(rating_sets, st.sampled_from(["met", "not_met", None]))
def test_the_panel_overrides_only_a_complete_assessment(
    by_number: dict[int, Rating | None], panel: GateOutcome | None
) -> None:
    ratings = rated(by_number)
    derived = derived_outcome(ratings, VERSION)
    assert outcome(ratings, panel, VERSION) == (None if derived is None else panel or derived)


@specification
@given(
    rating_sets,
    st.sampled_from(["met", "not_met", None]),
    st.sampled_from(
        [EMPTY, Bilingual(en="  ", cy=" "), Bilingual(en="Seen working"), Bilingual(cy="Wedi'i weld yn gweithio")]
    ),
)
def test_completeness_names_each_unrated_standard_and_an_unexplained_override(
    by_number: dict[int, Rating | None], panel: GateOutcome | None, reason: Bilingual
) -> None:
    """An override reason in either language explains it; blank in both does not."""
    snapshot = assessment(rated(by_number), panel_outcome=panel, override_reason=reason)
    fields = {e.field for e in completeness_errors(snapshot)}
    unrated = {f"ratings.{n}.rating" for n in standards.numbers() if by_number.get(n) is None}
    assert {f for f in fields if f.endswith(".rating")} == unrated
    overridden = panel is not None and panel != derived_outcome(snapshot.ratings, VERSION)
    assert ("override_reason" in fields) == (overridden and reason.blank)


def test_a_standard_not_assessed_needs_a_reason_and_a_panel_needs_a_member_but_a_self_assessment_does_not() -> None:
    ratings = [*rated({n: "met" for n in range(2, 13)}), StandardRating(standard=1, rating="not_assessed")]
    assert {e.field for e in completeness_errors(assessment(ratings, panel=[]))} == {"ratings.1.reason", "panel"}
    assert {e.field for e in completeness_errors(assessment(ratings, panel=[], kind="self_assessment"))} == {
        "ratings.1.reason"
    }


def test_a_change_replaces_only_the_standards_it_names() -> None:
    before = rated({1: "met", 2: "partly_met"})
    after = merged(before, [Given(standard=2, rating="not_met"), Given(standard=5)])
    assert [(r.standard, r.rating) for r in after] == [(1, "met"), (2, "not_met"), (5, None)]


def test_text_in_one_language_only_is_marked_with_that_language() -> None:
    assert one_language(StandardRating(standard=1, evidence_cy="Tystiolaeth")) == "cy"
    assert one_language(StandardRating(standard=1, recommendations_en="Do more research")) == "en"
    assert one_language(StandardRating(standard=1, evidence_en="a", evidence_cy="b")) is None
    assert one_language(StandardRating(standard=1)) is None
