"""Old events keep decoding: a version 1 project event (one beta phase) reads as version 2 (private
and public beta) wherever it is decoded, without being rewritten where it is kept."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import bilingual
from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    CATALOGUE,
    ActionClosed,
    ActionSnapshot,
    Actor,
    AssessmentPublished,
    AssessmentSnapshot,
    Envelope,
    MeasureSnapshot,
    MeasureValuesRecorded,
    MonthValue,
    PanelMember,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    StandardRating,
    decode,
    decode_typed,
    encode,
    make_envelope,
    upcast,
)
from tests.helpers import snapshot


def version_1_phase_change() -> Envelope:
    """A phase change into beta as the portfolio wrote it before beta had two steps."""
    current = make_envelope(
        ProjectPhaseChanged(
            project=snapshot(phase="alpha"), kind="advance", from_phase="alpha", to_phase="alpha",
            from_state="active", to_state="active", effective=dt.date(2025, 5, 1),
            reason=EMPTY, assessment="met", assessment_url="https://example.test/report",
        ),
        actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=2, partner_id=None,
    )  # fmt: skip
    data: dict[str, Any] = {**current.data, "to_phase": "beta", "project": {**current.data["project"], "phase": "beta"}}
    return msgspec.structs.replace(current, version=1, data=data)


def test_project_events_are_at_version_3_and_the_events_that_carry_a_project_at_2() -> None:
    """Version 2 of the project events split beta in two; version 3 of them (2 of the events that carry
    a project as it stood) made the text people wrote bilingual; version 3 of the assessment and action
    events made the text inside their snapshot bilingual too."""
    assert {t for t, cls in CATALOGUE.items() if cls.version == 3} == {
        "portfolio.project.created", "portfolio.project.updated", "portfolio.project.phase_changed",
        "portfolio.project.health_changed", "portfolio.project.update_posted",
    } | {t for t in CATALOGUE if t.startswith(("portfolio.assessment.", "portfolio.action."))}  # fmt: skip
    assert {t for t, cls in CATALOGUE.items() if cls.version == 2} == {
        t for t in CATALOGUE if t.startswith("portfolio.milestone.")
    } | {"portfolio.support.requested", "portfolio.support.triaged"} | {  # their need and reason, bilingual
        "portfolio.measure.values_recorded"  # which way its target was crossed
    }
    assert all(cls.version in (1, 2, 3) for cls in CATALOGUE.values())


def test_a_version_1_beta_reads_as_private_beta_from_the_stream_and_keeps_its_assessment() -> None:
    old = version_1_phase_change()
    read = decode(encode(old))
    assert read.version == 3 and read.data["to_phase"] == "private_beta"
    event = read.payload()
    assert isinstance(event, ProjectPhaseChanged)
    assert (event.from_phase, event.to_phase, event.project.phase) == ("alpha", "private_beta", "private_beta")
    assert (event.assessment, event.assessment_url) == ("met", "https://example.test/report")


def test_a_version_1_envelope_read_from_the_outbox_gives_its_payload_in_the_current_shape() -> None:
    old = version_1_phase_change()
    event = old.payload()
    assert isinstance(event, ProjectPhaseChanged) and event.to_phase == "private_beta"
    assert old.data["to_phase"] == "beta"  # the stored data itself is left as it was


def test_a_rebuild_reads_version_1_events_forward_too() -> None:
    header, event = decode_typed(encode(version_1_phase_change()))
    assert header.version == 3
    assert isinstance(event, ProjectPhaseChanged) and event.project.phase == "private_beta"


def test_a_current_event_decodes_as_it_was_written() -> None:
    envelope = make_envelope(
        ProjectPhaseChanged(
            project=snapshot(phase="public_beta"), kind="advance", from_phase="private_beta", to_phase="public_beta",
            from_state="active", to_state="active", effective=dt.date(2025, 5, 1),
            reason=EMPTY,
        ),
        actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=3, partner_id=None,
    )  # fmt: skip
    assert decode(encode(envelope)) == envelope
    assert decode_typed(encode(envelope))[1] == envelope.payload()


def version_2(event: ProjectPhaseChanged | ProjectHealthChanged) -> Envelope:
    """The event as the portfolio wrote it while reasons were one string, in whatever language."""
    current = make_envelope(event, actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=4,
                            partner_id=None)  # fmt: skip
    data = dict(current.data)
    for field in ("reason", "gate_override_reason"):
        if field in data:
            data[field] = " / ".join(t for t in (data[field]["en"], data[field]["cy"]) if t)
    data["project"] = {**data["project"], "health_reason": data["project"]["health_reason"]["en"]}
    return msgspec.structs.replace(current, version=2, data=data)


def test_a_version_2_reason_reads_as_bilingual_in_the_language_its_text_is_in() -> None:
    welsh = ProjectHealthChanged(
        project=snapshot(health="red"), from_health="green", to_health="red",
        reason=Bilingual(cy="Mae'r cyflenwr bythefnos yn hwyr gyda'r contract cynnal."),
    )  # fmt: skip
    old = version_2(welsh)
    assert old.data["reason"] == "Mae'r cyflenwr bythefnos yn hwyr gyda'r contract cynnal."
    for read in (decode(encode(old)).payload(), old.payload(), decode_typed(encode(old))[1]):
        assert isinstance(read, ProjectHealthChanged)
        assert read.reason == Bilingual(cy="Mae'r cyflenwr bythefnos yn hwyr gyda'r contract cynnal.")
    assert decode(encode(old)).version == 3
    english = ProjectPhaseChanged(
        project=msgspec.structs.replace(snapshot(), health_reason=Bilingual(en="The hosting contract is late")),
        kind="advance", from_phase="alpha", to_phase="public_beta", from_state="active", to_state="active",
        effective=dt.date(2025, 5, 1), reason=EMPTY, gate="overridden",
        gate_override_reason=Bilingual(en="The board asked for it before the winter peak."),
    )  # fmt: skip
    read = version_2(english).payload()
    assert isinstance(read, ProjectPhaseChanged)
    assert read.reason == EMPTY and read.gate_override_reason == Bilingual(
        en="The board asked for it before the winter peak."
    )
    assert read.project.health_reason == Bilingual(en="The hosting contract is late")


def test_an_event_that_carries_a_project_reads_its_health_reason_forward() -> None:
    data = {"milestone": {}, "for_project": {"slug": "x", "health_reason": "Aros am gyflenwr"}}
    version, read = upcast("portfolio.milestone.added", 1, data)
    assert version == 2 and read["for_project"]["health_reason"] == {"en": "", "cy": "Aros am gyflenwr"}
    assert data["for_project"]["health_reason"] == "Aros am gyflenwr"  # the stored data is left as it was


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(CATALOGUE)),
    st.integers(min_value=1, max_value=3),
    st.dictionaries(st.sampled_from(["from_phase", "to_phase", "reason"]), st.sampled_from(["beta", "alpha", "live"])),
    st.none() | st.sampled_from(["beta", "discovery", "public_beta"]),
)
def test_reading_forward_never_leaves_a_beta_behind_and_reading_again_changes_nothing(
    event_type: str, version: int, fields: dict[str, str], project_phase: str | None
) -> None:
    data: dict[str, Any] = dict(fields)
    if project_phase is not None:
        data["project"] = {"phase": project_phase, "slug": "x"}
    read_version, read = upcast(event_type, version, data)
    assert upcast(event_type, read_version, read) == (read_version, read)
    beta_split = ("created", "updated", "phase_changed", "health_changed", "update_posted")  # v2 split beta
    if event_type in {f"portfolio.project.{name}" for name in beta_split} and version == 1:
        assert "beta" not in (read.get("from_phase"), read.get("to_phase"), (read.get("project") or {}).get("phase"))
    if version < CATALOGUE[event_type].version:
        assert read_version == CATALOGUE[event_type].version
        if "reason" in data and event_type in ("portfolio.project.phase_changed", "portfolio.project.health_changed"):
            assert read["reason"] == bilingual.upcast(data["reason"])
    else:
        assert (read_version, read) == (version, data)
    assert data == ({**fields, "project": {"phase": project_phase, "slug": "x"}} if project_phase else fields)


def test_a_version_1_support_request_and_triage_read_their_text_into_the_language_it_is_in() -> None:
    need = "Hoffem gael cyngor ar sut i brofi ein ffurflenni gyda siaradwyr Cymraeg."
    version, read = upcast("portfolio.support.requested", 1, {"language": "en", "need": need})
    assert version == 2 and read["need"] == {"en": "", "cy": need}  # written in Welsh, whatever the reply language
    version, read = upcast("portfolio.support.triaged", 1, {"outcome": "declined", "reason": "Out of scope"})
    assert version == 2 and read["reason"] == {"en": "Out of scope", "cy": ""}


def version_2_assessment() -> Envelope:
    """An assessment published while its override reason, not-assessed reasons and panel roles were
    one string each, in whatever language they were typed in."""
    assessment = AssessmentSnapshot(
        project_id=uuid.uuid4(), from_phase="alpha", to_phase="private_beta", kind="formal_assessment",
        held_on=dt.date(2026, 3, 2), standards_version="2024", status="published", outcome="met",
        panel=[PanelMember(name="Siân Evans"), PanelMember(name="Rhys Morgan")],
        ratings=[StandardRating(standard=1, rating="met"), StandardRating(standard=2, rating="not_assessed")],
        summary_en="", summary_cy="", panel_outcome="met", override_reason=EMPTY,
    )  # fmt: skip
    current = make_envelope(AssessmentPublished(assessment=assessment, for_project=snapshot()),
                            actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(), aggregate_seq=3,
                            partner_id=None)  # fmt: skip
    data = msgspec.to_builtins(current.data)
    old = data["assessment"]
    old["panel"] = [{"name": "Siân Evans", "role": "Prif aseswr"}, {"name": "Rhys Morgan", "role": "User research"}]
    old["ratings"][0]["reason"], old["ratings"][1]["reason"] = "", "The service has no users yet to research with."
    old["override_reason"] = "Mae'r panel yn fodlon bod y risg wedi'i rheoli gyda'r cynllun newydd."
    data["for_project"]["health_reason"] = {"en": "", "cy": ""}
    return msgspec.structs.replace(current, version=2, data=data)


def test_a_version_2_assessment_reads_its_reasons_and_panel_roles_as_bilingual() -> None:
    """Each nested string is read into the language its text is in; the stored data is left as it was."""
    old = version_2_assessment()
    for read in (decode(encode(old)).payload(), old.payload(), decode_typed(encode(old))[1]):
        assert isinstance(read, AssessmentPublished)
        now = read.assessment
        assert [m.role for m in now.panel] == [Bilingual(cy="Prif aseswr"), Bilingual(en="User research")]
        assert [r.reason for r in now.ratings] == [
            EMPTY,
            Bilingual(en="The service has no users yet to research with."),
        ]
        assert now.override_reason == Bilingual(
            cy="Mae'r panel yn fodlon bod y risg wedi'i rheoli gyda'r cynllun newydd."
        )
    assert decode(encode(old)).version == 3
    assert old.data["assessment"]["panel"][0]["role"] == "Prif aseswr"


def test_a_version_2_action_reads_its_dropped_reason_as_bilingual() -> None:
    action = {"assessment_id": str(uuid.uuid4()), "project_id": str(uuid.uuid4()), "standard": 3, "text_en": "Test",
              "text_cy": "", "owner": "Team", "due_on": "2026-06-01", "state": "dropped",
              "reason": "Dewisodd y partner lwybr arall"}  # fmt: skip
    version, read = upcast("portfolio.action.closed", 2, {"action": action, "for_project": {"slug": "x"}})
    assert version == 3 and read["action"]["reason"] == {"en": "", "cy": "Dewisodd y partner lwybr arall"}
    assert msgspec.convert(read["action"], ActionSnapshot).reason == Bilingual(cy="Dewisodd y partner lwybr arall")
    assert action["reason"] == "Dewisodd y partner lwybr arall"
    version, read = upcast(ActionClosed.type, 1, {"action": {**action, "reason": ""}, "for_project": {"slug": "x"}})
    assert version == 3 and read["action"]["reason"] == {"en": "", "cy": ""}


def test_a_version_1_measure_crossing_reads_as_reached_or_as_no_crossing() -> None:
    """Version 1 said only whether the newest value reached the target (``crossed_target``)."""
    recorded = MeasureValuesRecorded(
        measure=MeasureSnapshot(project_id=uuid.uuid4(), catalogue="user_satisfaction", name=EMPTY, unit="percent",
                                direction="up", target=85, published=True),
        values=[MonthValue(month=dt.date(2026, 10, 1), value=86)],
        latest=MonthValue(month=dt.date(2026, 10, 1), value=86), crossing="reached", for_project=snapshot(),
    )  # fmt: skip
    current = make_envelope(recorded, actor=Actor(id="lead-1", role="lead"), aggregate_id=uuid.uuid4(),
                            aggregate_seq=2, partner_id=None)  # fmt: skip
    assert current.version == 2
    for crossed, crossing in ((True, "reached"), (False, None)):
        data = {**{k: v for k, v in current.data.items() if k != "crossing"}, "crossed_target": crossed}
        old = msgspec.structs.replace(current, version=1, data=data)
        for read in (decode(encode(old)).payload(), old.payload(), decode_typed(encode(old))[1]):
            assert isinstance(read, MeasureValuesRecorded) and read.crossing == crossing
        assert decode(encode(old)).version == 2 and "crossed_target" not in decode(encode(old)).data
