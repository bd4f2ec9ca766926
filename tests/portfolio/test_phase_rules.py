"""How a project moves between phases: the rules in services/portfolio/phases.py, as specifications.

Pure functions, so no servers: examples pin the wording-level behaviour, properties check each rule
over every phase, state and request hypothesis can think of.
"""

from __future__ import annotations

import datetime as dt
from typing import get_args

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from services.portfolio.phases import (
    GATED,
    KINDS,
    PHASE_NAMES_CY,
    PHASE_ORDER,
    STATES,
    Accepted,
    ProjectStatus,
    RefusalCode,
    Refused,
    Transition,
    allowed_actions,
    decide,
    next_phase,
    pass_gate,
)
from shared import bilingual
from shared.bilingual import Bilingual, ShortIn
from shared.events import Phase, State
from shared.events import TransitionKind as Kind
from shared.replies.portfolio import AllowedAction

TODAY = dt.date(2025, 6, 2)
REASON = "The user research showed a clear need"
specification = settings(max_examples=150, deadline=None)

phases = st.sampled_from(PHASE_ORDER)
not_retired = st.sampled_from(PHASE_ORDER[:-1])
states = st.sampled_from(STATES)
reasons = st.sampled_from(["", " ", "\t\n", REASON, "  padded  "]) | st.text(max_size=20)
blank_reasons = st.sampled_from(["", " ", "\t", "\n  \r", "\u00a0", "\u2003"])
links = st.none() | st.sampled_from(
    ["https://www.gov.wales/assessment", "http://example.test/a?b=c", "", "  ", "ftp://x.test", "https://",
     "javascript:alert(1)", "www.gov.wales", "http://[", "https://exa mple.test", "mailto:a@b.test"]
) | st.text(max_size=30)  # fmt: skip
dates = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2031, 12, 31))
statuses = st.builds(ProjectStatus, phase=phases, state=states, start_date=st.none() | dates)
active_statuses = st.builds(ProjectStatus, phase=not_retired, state=st.just("active"))


def requests_of(*allowed: Kind) -> st.SearchStrategy[Transition]:
    """Any request of the given kinds (all kinds if none given), well-formed or not."""
    return st.builds(
        Transition,
        kind=st.sampled_from(allowed or KINDS),
        to_phase=st.none() | phases,
        effective=dates,
        reason=reasons,
        assessment=st.sampled_from([None, "met", "not_met"]),
        assessment_url=links,
    )


requests = requests_of()


def ask(kind: Kind, to_phase: Phase | None = None, **details: object) -> Transition:
    """A well-formed request: a reason, today's date, no assessment; ``details`` override."""
    return msgspec.structs.replace(Transition(kind=kind, to_phase=to_phase, effective=TODAY, reason=REASON), **details)


def status(phase: Phase, state: State = "active", start_date: dt.date | None = None) -> ProjectStatus:
    return ProjectStatus(phase=phase, state=state, start_date=start_date)


def accepted(outcome: Accepted | Refused) -> Accepted:
    assert isinstance(outcome, Accepted), outcome
    return outcome


def refused(outcome: Accepted | Refused, code: RefusalCode) -> Refused:
    assert isinstance(outcome, Refused), outcome
    assert outcome.code == code, outcome
    return outcome


def rank(phase: Phase) -> int:
    return PHASE_ORDER.index(phase)


# --- The phases --------------------------------------------------------------------------------------


def test_the_phases_run_from_discovery_through_private_and_public_beta_to_retired_as_the_events_name_them() -> None:
    assert PHASE_ORDER == get_args(Phase) == ("discovery", "alpha", "private_beta", "public_beta", "live", "retired")
    assert [next_phase(p) for p in PHASE_ORDER] == ["alpha", "private_beta", "public_beta", "live", "retired", None]


# --- Moving forward ------------------------------------------------------------------------------------


def test_a_project_moves_forward_one_phase_at_a_time() -> None:
    moved = accepted(decide(status("discovery"), ask("advance", "alpha"), TODAY))
    assert (moved.from_phase, moved.new_phase, moved.new_state) == ("discovery", "alpha", "active")

    skipped = refused(decide(status("discovery"), ask("advance", "private_beta"), TODAY), "skips_a_phase")
    assert "from discovery to alpha first" in skipped.message_en
    assert skipped.message_cy == "Ni ellir neidio dros gam: symudwch o'r cam darganfod i'r cam alffa yn gyntaf."


def test_advancing_without_naming_a_phase_moves_to_the_next_one() -> None:
    assert accepted(decide(status("private_beta"), ask("advance"), TODAY)).new_phase == "public_beta"
    assert accepted(decide(status("public_beta"), ask("advance"), TODAY)).new_phase == "live"
    assert accepted(decide(status("live"), ask("advance"), TODAY)).new_phase == "retired"


def test_advancing_needs_no_reason() -> None:
    assert accepted(decide(status("alpha"), ask("advance", "private_beta", reason=""), TODAY)).reason.blank


@specification
@given(statuses, requests_of("advance"))
def test_any_accepted_advance_moves_exactly_one_phase_forward_and_leaves_the_project_active(
    before: ProjectStatus, request: Transition
) -> None:
    outcome = decide(before, request, TODAY)
    if isinstance(outcome, Accepted):
        assert rank(outcome.new_phase) == rank(before.phase) + 1
        assert outcome.new_state == "active" and before.state == "active"


@specification
@given(active_statuses, phases)
def test_a_well_formed_advance_is_accepted_iff_it_targets_the_next_phase(before: ProjectStatus, target: Phase) -> None:
    outcome = decide(before, ask("advance", target), TODAY)
    assert isinstance(outcome, Accepted) == (target == next_phase(before.phase))


def test_moving_backwards_with_advance_points_to_going_back() -> None:
    outcome = refused(decide(status("private_beta"), ask("advance", "alpha"), TODAY), "not_forward")
    assert "go back" in outcome.message_en and "mynd yn ôl" in outcome.message_cy


@specification
@given(active_statuses, st.sampled_from(["advance", "go_back"]))
def test_moving_to_the_phase_the_project_is_already_in_is_refused(before: ProjectStatus, kind: Kind) -> None:
    refused(decide(before, ask(kind, before.phase), TODAY), "same_phase")


# --- Assessments ---------------------------------------------------------------------------------------


def test_a_gate_that_was_not_met_cannot_be_passed() -> None:
    outcome = refused(
        decide(status("alpha"), ask("advance", "private_beta", assessment="not_met"), TODAY), "assessment_not_met"
    )
    assert "cannot move to private beta" in outcome.message_en and "i'r cam beta preifat" in outcome.message_cy
    assert accepted(decide(status("alpha"), ask("advance", assessment="met"), TODAY)).assessment == "met"


def test_a_project_that_did_not_meet_its_assessment_can_be_sent_back_or_stopped() -> None:
    accepted(decide(status("public_beta"), ask("go_back", "alpha", assessment="not_met"), TODAY))
    accepted(decide(status("private_beta"), ask("stop", assessment="not_met"), TODAY))


@specification
@given(st.sampled_from(["https://www.gov.wales/x", "http://localhost:8000/a", "  https://a.test  "]))
def test_an_assessment_link_on_the_web_is_kept_tidied(link: str) -> None:
    outcome = accepted(decide(status("alpha"), ask("advance", assessment="met", assessment_url=link), TODAY))
    assert outcome.assessment_url == link.strip()


@specification
@given(st.sampled_from(["ftp://x.test/a", "javascript:alert(1)", "www.gov.wales", "https://", "http://[", "a b"]))
def test_an_assessment_link_must_be_an_http_or_https_address(link: str) -> None:
    refused(decide(status("alpha"), ask("advance", assessment_url=link), TODAY), "bad_assessment_link")


def test_a_blank_assessment_link_counts_as_none() -> None:
    assert accepted(decide(status("alpha"), ask("advance", assessment_url="  "), TODAY)).assessment_url is None


# --- Going back ----------------------------------------------------------------------------------------


def test_a_service_can_be_sent_back_any_number_of_phases_with_a_reason() -> None:
    moved = accepted(decide(status("live"), ask("go_back", "discovery"), TODAY))
    assert (moved.new_phase, moved.new_state, moved.reason) == ("discovery", "active", Bilingual(en=REASON))


def test_going_back_names_the_phase_to_go_back_to() -> None:
    refused(decide(status("private_beta"), ask("go_back"), TODAY), "target_required")
    refused(decide(status("alpha"), ask("go_back", "public_beta"), TODAY), "not_backward")


@specification
@given(active_statuses, phases, reasons)
def test_going_back_is_accepted_iff_a_non_blank_reason_is_given(
    before: ProjectStatus, target: Phase, reason: str
) -> None:
    if rank(target) >= rank(before.phase):
        return
    outcome = decide(before, ask("go_back", target, reason=reason), TODAY)
    assert isinstance(outcome, Accepted) == bool(reason.strip())
    if isinstance(outcome, Refused):
        assert outcome.code == "reason_required"


@specification
@given(blank_reasons)
def test_a_reason_of_only_spaces_is_no_reason(reason: str) -> None:
    outcome = refused(decide(status("private_beta"), ask("go_back", "alpha", reason=reason), TODAY), "reason_required")
    assert outcome.message_en == "Give a reason for going back to alpha."
    assert outcome.message_cy == "Rhowch reswm dros fynd yn ôl i'r cam alffa."


def test_the_reason_is_kept_without_surrounding_space() -> None:
    assert accepted(
        decide(status("public_beta"), ask("go_back", "alpha", reason="  late  "), TODAY)
    ).reason == Bilingual(en="late")


def test_a_reason_may_be_given_in_both_languages_or_in_one_whose_language_is_told_from_it() -> None:
    both = ShortIn(en="The research showed a clear need", cy="Dangosodd yr ymchwil angen clir")
    moved = accepted(decide(status("live"), ask("go_back", "alpha", reason=both), TODAY))
    assert moved.reason == Bilingual(en="The research showed a clear need", cy="Dangosodd yr ymchwil angen clir")
    welsh = accepted(decide(status("live"), ask("stop", reason="Mae gwasanaeth yn bod eisoes"), TODAY))
    assert welsh.reason == Bilingual(cy="Mae gwasanaeth yn bod eisoes")
    refused = decide(status("live"), ask("stop", reason=ShortIn(en=" ", cy="")), TODAY)
    assert isinstance(refused, Refused) and refused.code == "reason_required"


# --- Stopping, pausing, resuming, reopening --------------------------------------------------------------


def test_a_discovery_that_ends_in_dont_build_is_a_valid_outcome() -> None:
    outcome = accepted(decide(status("discovery"), ask("stop", reason="Don't build: a form already exists"), TODAY))
    assert (outcome.new_phase, outcome.new_state) == ("discovery", "stopped")


@specification
@given(statuses, requests_of("stop"))
def test_stopping_keeps_the_phase_and_needs_a_reason(before: ProjectStatus, request: Transition) -> None:
    outcome = decide(before, request, TODAY)
    if isinstance(outcome, Accepted):
        assert (outcome.new_phase, outcome.new_state) == (before.phase, "stopped")
        assert not outcome.reason.blank and outcome.reason == bilingual.given(request.reason)


@specification
@given(not_retired, requests)
def test_nothing_but_reopen_is_accepted_on_a_stopped_project(phase: Phase, request: Transition) -> None:
    outcome = decide(status(phase, "stopped"), request, TODAY)
    if request.kind != "reopen":
        refused(outcome, "project_stopped")
    elif isinstance(outcome, Accepted):
        assert (outcome.new_phase, outcome.new_state) == (phase, "active")


@specification
@given(states, requests)
def test_nothing_but_reopen_is_accepted_on_a_retired_project(state: State, request: Transition) -> None:
    outcome = decide(status("retired", state), request, TODAY)
    if request.kind != "reopen":
        refused(outcome, "project_retired")
    elif isinstance(outcome, Accepted):
        assert (outcome.new_phase, outcome.new_state) == ("live", "active")


def test_a_stopped_project_reopens_where_it_stopped_and_a_retired_one_returns_to_live() -> None:
    assert accepted(decide(status("public_beta", "stopped"), ask("reopen"), TODAY)).new_phase == "public_beta"
    assert accepted(decide(status("retired"), ask("reopen"), TODAY)).new_phase == "live"
    refused(decide(status("private_beta", "stopped"), ask("reopen", reason=" "), TODAY), "reason_required")


@specification
@given(not_retired, st.sampled_from(["active", "paused"]))
def test_reopening_a_project_that_is_not_stopped_is_refused(phase: Phase, state: State) -> None:
    refused(decide(status(phase, state), ask("reopen"), TODAY), "not_stopped")


def test_a_project_is_paused_with_a_reason_and_resumed_without_one() -> None:
    assert accepted(decide(status("alpha"), ask("pause"), TODAY)).new_state == "paused"
    refused(decide(status("alpha"), ask("pause", reason=""), TODAY), "reason_required")
    refused(decide(status("alpha", "paused"), ask("pause"), TODAY), "already_paused")
    assert accepted(decide(status("alpha", "paused"), ask("resume", reason=""), TODAY)).new_state == "active"
    refused(decide(status("alpha"), ask("resume"), TODAY), "not_paused")


@specification
@given(not_retired, requests_of("advance", "go_back"))
def test_a_paused_project_cannot_change_phase_until_resumed(phase: Phase, request: Transition) -> None:
    outcome = refused(decide(status(phase, "paused"), request, TODAY), "project_paused")
    assert "Resume" in outcome.message_en and "ar saib" in outcome.message_cy


def test_a_paused_project_can_still_be_stopped() -> None:
    assert accepted(decide(status("private_beta", "paused"), ask("stop"), TODAY)).new_state == "stopped"


@specification
@given(statuses, st.sampled_from(["stop", "pause", "resume", "reopen"]), phases)
def test_actions_that_keep_the_phase_refuse_a_target_phase(before: ProjectStatus, kind: Kind, target: Phase) -> None:
    outcome = decide(before, ask(kind, target), TODAY)
    assert isinstance(outcome, Refused)


# --- Dates ----------------------------------------------------------------------------------------------


@specification
@given(st.integers(min_value=1, max_value=3650))
def test_a_change_cannot_take_effect_after_today(days: int) -> None:
    later = TODAY + dt.timedelta(days=days)
    outcome = refused(decide(status("alpha"), ask("advance", effective=later), TODAY), "future_date")
    assert TODAY.isoformat() in outcome.message_en and TODAY.isoformat() in outcome.message_cy


@specification
@given(st.dates(max_value=TODAY))
def test_a_change_cannot_take_effect_before_the_project_started(start: dt.date) -> None:
    before = status("alpha", start_date=start)
    assert accepted(decide(before, ask("advance", effective=start), TODAY)).effective == start
    if start > dt.date.min:
        refused(decide(before, ask("advance", effective=start - dt.timedelta(days=1)), TODAY), "before_start")


# --- Every outcome --------------------------------------------------------------------------------------


@specification
@given(statuses, requests, dates)
def test_decide_is_total_and_every_refusal_is_explained_in_english_and_welsh(
    before: ProjectStatus, request: Transition, today: dt.date
) -> None:
    outcome = decide(before, request, today)  # never raises
    assert isinstance(outcome, Accepted | Refused)
    if isinstance(outcome, Refused):
        assert outcome.code in get_args(RefusalCode)
        assert outcome.message_en.strip() and outcome.message_cy.strip()
        assert outcome.message_en != outcome.message_cy
        assert not any(
            name in outcome.message_cy for name in ("discovery", "alpha", "private", "public", "live", "retired")
        )
        assert "_" not in outcome.message_en + outcome.message_cy  # a phase's name, never its code


@specification
@given(statuses, requests, dates)
def test_an_accepted_change_changes_something(before: ProjectStatus, request: Transition, today: dt.date) -> None:
    outcome = decide(before, request, today)
    if isinstance(outcome, Accepted):
        assert (outcome.new_phase, outcome.new_state) != (before.phase, before.state)
        assert before.start_date is None or before.start_date <= outcome.effective <= today


def test_welsh_uses_welsh_phase_names() -> None:
    assert PHASE_NAMES_CY == {
        "discovery": "darganfod", "alpha": "alffa", "private_beta": "beta preifat", "public_beta": "beta cyhoeddus",
        "live": "byw", "retired": "wedi ymddeol",
    }  # fmt: skip
    outcome = refused(decide(status("live"), ask("advance", "live"), TODAY), "same_phase")
    assert outcome.message_cy == "Mae'r prosiect eisoes yn y cam byw."


def test_the_allowed_actions_are_exactly_those_decide_accepts() -> None:
    for phase in PHASE_ORDER:
        for state in STATES:
            before = status(phase, state)
            offered = allowed_actions(before)
            for kind in KINDS:
                for target in (None, *PHASE_ORDER):
                    expected = AllowedAction(kind=kind, to_phase=target) in offered or (
                        kind == "advance" and target is None and any(a.kind == "advance" for a in offered)
                    )
                    outcome = decide(before, ask(kind, target), TODAY)
                    assert isinstance(outcome, Accepted) == expected, (before, kind, target, outcome)


def actions(*pairs: tuple[Kind, Phase | None]) -> list[AllowedAction]:
    return [AllowedAction(kind=kind, to_phase=phase) for kind, phase in pairs]


def test_a_stopped_or_retired_project_may_only_be_reopened() -> None:
    assert allowed_actions(status("public_beta", "stopped")) == actions(("reopen", None))
    assert allowed_actions(status("retired")) == actions(("reopen", None))


def test_an_active_project_may_advance_one_phase_go_back_to_any_earlier_one_pause_or_stop() -> None:
    assert allowed_actions(status("public_beta")) == actions(
        ("advance", "live"),
        ("go_back", "discovery"),
        ("go_back", "alpha"),
        ("go_back", "private_beta"),
        ("pause", None),
        ("stop", None),
    )


def test_a_paused_project_may_be_resumed_or_stopped() -> None:
    assert allowed_actions(status("private_beta", "paused")) == actions(("resume", None), ("stop", None))


# --- The gates ---------------------------------------------------------------------------------------

outcomes = st.sampled_from([None, "met", "not_met"])
rules = st.sampled_from(["require", "warn"])


@specification
@given(statuses, requests, outcomes, reasons, rules)
def test_a_gate_refuses_only_an_advance_into_a_gated_phase_without_a_met_assessment_or_a_reason_where_it_is_required(
    before: ProjectStatus, request: Transition, latest: str | None, reason: str, rule: str
) -> None:
    accepted_ = decide(before, request, TODAY)
    if not isinstance(accepted_, Accepted):
        return
    passage = pass_gate(accepted_, latest, reason, rule)  # type: ignore[arg-type]
    gated = accepted_.kind == "advance" and accepted_.new_phase in GATED
    if not gated:
        assert passage is None
        return
    blocked = latest != "met" and not reason.strip()
    assert isinstance(passage, Refused) == (blocked and rule == "require")
    if isinstance(passage, Refused):
        assert passage.code == ("gate_not_assessed" if latest is None else "gate_not_met")
        assert passage.field == "gate_override_reason"
        assert PHASE_NAMES_CY[accepted_.new_phase] in passage.message_cy and "_" not in passage.message_en
    else:
        assert passage == ("assessed" if latest == "met" else "overridden" if reason.strip() else "unassessed")


def test_the_gates_are_those_into_private_beta_public_beta_and_live() -> None:
    assert GATED == ("private_beta", "public_beta", "live")
    into_alpha = accepted(decide(status("discovery"), ask("advance"), TODAY))
    assert pass_gate(into_alpha, None, "", "require") is None  # discovery → alpha needs no assessment
    into_beta = accepted(decide(status("alpha"), ask("advance"), TODAY))
    refused_ = pass_gate(into_beta, None, "", "require")
    assert isinstance(refused_, Refused)
    assert refused_.message_en.startswith("Moving to private beta needs a published assessment of the gate from alpha")
    assert refused_.message_cy.startswith("Mae symud i'r cam beta preifat yn gofyn am asesiad cyhoeddedig")
