"""The portfolio's commands: every change to a partner, project, engagement, support request or person.

A command takes the connection, who acts, what they asked (a typed input), the version they last
read where a change could overwrite someone else's, and today where a rule needs the date. It owns
the whole change, in this order: the rules that need no database (every problem at once, one 422),
the transaction, the row lock and version check, the pure decision (``domain``, ``phases``), the
new state and its event in the outbox. It returns the record and the event's outbox position
(None when nothing changed). Routes, the CSV importer and the demo loader all call these; nothing
else writes. Inside another transaction (an import, the demo loader) a command's is a savepoint.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from services.portfolio import (
    assessment_store,
    assessment_texts,
    assessments,
    contact_store,
    domain,
    milestone_store,
    milestones,
    phases,
    records,
    store,
    translation_store,
)
from services.portfolio.assessments import (
    ActionClosing,
    ActionRecord,
    AssessmentChanges,
    AssessmentRecord,
    NewAction,
    NewAssessment,
)
from services.portfolio.domain import (
    EngagementChanges,
    EngagementEnding,
    HealthChange,
    NewEngagement,
    NewPartner,
    NewPerson,
    NewProject,
    NewSupportRequest,
    NewUpdate,
    PartnerChanges,
    ProjectChanges,
    ProjectRecord,
    RoadmapPlacementIn,
    Translation,
    Triage,
    changed_fields,
    partner_snapshot,
    project_reply,
)
from services.portfolio.milestones import MilestoneChanges, NewMilestone
from shared import bilingual, outbox, standards
from shared.bilingual import Bilingual
from shared.events import (
    ActionAdded,
    ActionClosed,
    ActionSnapshot,
    ActionTranslated,
    Actor,
    AssessmentDrafted,
    AssessmentPublished,
    AssessmentSnapshot,
    AssessmentSubmitted,
    AssessmentTranslated,
    EngagementEnded,
    EngagementRecorded,
    EngagementSnapshot,
    EngagementUpdated,
    EventData,
    MilestoneAdded,
    MilestoneChanged,
    MilestoneCompleted,
    MilestoneRemoved,
    MilestoneSnapshot,
    PanelMember,
    PartnerRegistered,
    PartnerUpdated,
    PersonAdded,
    ProjectCreated,
    ProjectGateReasonTranslated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectPhaseReasonTranslated,
    ProjectRoadmapPlaced,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    ProjectUpdateTranslated,
    SupportNeedCorrected,
    SupportRequested,
    SupportTranslated,
    SupportTriaged,
    make_envelope,
)
from shared.http import ApiError, Conflict, FieldError, Forbidden, Invalid, Stale
from shared.identity import Identity
from shared.replies.portfolio import (
    Action,
    Assessment,
    Engagement,
    Milestone,
    Partner,
    Person,
    Project,
    SupportRequest,
    Update,
)

if TYPE_CHECKING:
    from shared.db import Conn


class PhaseChangeRefused(ApiError):
    """The phase rules refuse the change (409), with their stable code and the field it is about."""

    status = 409

    def __init__(self, refused: phases.Refused) -> None:
        error = FieldError(refused.field, refused.message_en, refused.message_cy)
        super().__init__(refused.message_en, refused.message_cy, [error], code=refused.code)


class AssessmentRefused(ApiError):
    """The assessment's life cycle refuses the change (409), with a stable code."""

    status = 409

    def __init__(self, refused: assessments.Refused) -> None:
        super().__init__(refused.message_en, refused.message_cy, code=refused.code)


class AlreadyTriaged(Conflict):
    def __init__(self) -> None:
        super().__init__("This request has already been triaged", "Mae'r cais hwn wedi'i frysbennu eisoes")


def _refuse(errors: list[FieldError]) -> None:
    """Refuse the request (422) naming every bad field, if the rules found any."""
    if errors:
        raise Invalid(errors)


def _check_version(current: int, expected: int | None) -> None:
    """Someone else's change since the caller read the record is a 412, never overwritten."""
    if expected is not None and current != expected:
        raise Stale()


async def _emit(
    conn: Conn, actor: Actor, data: EventData, *, aggregate_id: uuid.UUID, seq: int, partner_id: uuid.UUID | None
) -> int:
    envelope = make_envelope(data, actor=actor, aggregate_id=aggregate_id, aggregate_seq=seq, partner_id=partner_id)
    return await outbox.append(conn, envelope)


async def _lock_project(conn: Conn, project_id: uuid.UUID, expected_version: int | None) -> ProjectRecord:
    """The project, locked for this change, as the caller last read it (else 412)."""
    project = await store.lock_project(conn, project_id)
    _check_version(project.version, expected_version)
    return project


async def _project_event(conn: Conn, actor: Actor, data: EventData, project: ProjectRecord) -> int:
    """A project's version is its event sequence, so the event's ``aggregate_seq`` is the new version."""
    return await _emit(
        conn, actor, data, aggregate_id=project.id, seq=project.version, partner_id=project.snapshot.partner_id
    )


# Partners ---------------------------------------------------------------------------------------


async def register_partner(conn: Conn, actor: Actor, new: NewPartner) -> tuple[Partner, int]:
    async with conn.transaction():
        partner = await store.insert_partner(conn, uuid.uuid4(), new)
        event = PartnerRegistered(partner=partner_snapshot(partner))
        position = await _emit(conn, actor, event, aggregate_id=partner.id, seq=1, partner_id=partner.id)
    return partner, position


async def edit_partner(
    conn: Conn, actor: Actor, partner_id: uuid.UUID, changes: PartnerChanges, expected_version: int | None
) -> tuple[Partner, int | None]:
    async with conn.transaction():
        current = await store.lock_partner(conn, partner_id)
        _check_version(current.version, expected_version)
        changed = changed_fields(current, changes)
        if not changed:
            return current, None
        partner = await store.update_partner(conn, partner_id, changed)
        event = PartnerUpdated(partner=partner_snapshot(partner), changed=list(changed))
        position = await _emit(conn, actor, event, aggregate_id=partner.id, seq=partner.version, partner_id=partner.id)
    return partner, position


# Projects ---------------------------------------------------------------------------------------


async def create_project(conn: Conn, actor: Actor, new: NewProject) -> tuple[Project, int]:
    _refuse(domain.new_project_errors(new))
    new = domain.with_goals_in_order(new)
    async with conn.transaction():
        reason = bilingual.given(new.health_reason)
        project = await store.insert_project(conn, uuid.uuid4(), new, domain.lead_of(new, actor), reason)
        position = await _project_event(conn, actor, ProjectCreated(project=project.snapshot), project)
    return project_reply(project), position


async def edit_project(
    conn: Conn, actor: Actor, project_id: uuid.UUID, changes: ProjectChanges, expected_version: int | None
) -> tuple[Project, int | None]:
    async with conn.transaction():
        current = await _lock_project(conn, project_id, expected_version)
        changed = changed_fields(current.snapshot, domain.with_goals_in_order(changes))
        if not changed:
            return project_reply(current), None
        project = await store.update_project(conn, project_id, changed)
        event = ProjectUpdated(project=project.snapshot, changed=list(changed))
        position = await _project_event(conn, actor, event, project)
    return project_reply(project), position


WRITE_ATTEMPTS = 20
"""Reads and decisions again of a change sent without the version it was read at, while others keep
changing the same project (each attempt loses only to a change that committed)."""


async def _change_project(
    conn: Conn, actor: Actor, project_id: uuid.UUID, expected_version: int | None,
    decide: Callable[[ProjectRecord], Awaitable[tuple[dict[str, Any], Callable[[ProjectSnapshot], EventData]]]],
    recent: store.Recent | None,
) -> tuple[Project, int]:  # fmt: skip
    """A change of the project's own row: read it, decide on what was read (the fields to set and the
    event, made from the new snapshot), then write the row as read and its event in one statement,
    with no lock held while deciding. Two round trips instead of a transaction's six, and one when
    ``recent`` has the project at the version the caller sent: the change is decided on that, and
    written on condition that the row is still the one kept.

    If someone changed the project in between, the write finds another row and does nothing: a
    caller who sent the version it read (If-Match) gets 412, as it would have under a lock; otherwise
    the change is decided again on the newer project, as it would have been waiting for the lock.
    A change decided on what ``recent`` kept that writes nothing, or that the rules refuse (they may
    have judged an out-of-date project), is made again on the project as read, so every answer is
    the one the project as stored gives.
    """
    kept = recent.get(project_id) if recent is not None else None
    if kept is not None and expected_version in (None, kept.project.version):
        with contextlib.suppress(ApiError):
            written = await _write_change(conn, actor, kept, decide, recent)
            if written is not None:
                return written
    for _ in range(WRITE_ATTEMPTS):
        current = await store.read_for_change(conn, project_id)
        _check_version(current.project.version, expected_version)
        written = await _write_change(conn, actor, current, decide, recent)
        if written is not None:
            return written
        if expected_version is not None:
            raise Stale()
    raise Stale()


async def _write_change(
    conn: Conn, actor: Actor, current: store.Read,
    decide: Callable[[ProjectRecord], Awaitable[tuple[dict[str, Any], Callable[[ProjectSnapshot], EventData]]]],
    recent: store.Recent | None,
) -> tuple[Project, int] | None:  # fmt: skip
    """Decide on ``current`` and write, if the row is still the one read (else None)."""
    fields, event_for = await decide(current.project)
    snapshot = msgspec.structs.replace(current.project.snapshot, **fields)
    envelope = make_envelope(
        event_for(snapshot), actor=actor, aggregate_id=current.project.id,
        aggregate_seq=current.project.version + 1, partner_id=snapshot.partner_id,
    )  # fmt: skip
    written = await store.write_project(conn, current, fields, envelope)
    if written is None:
        return None
    read, position = written
    if recent is not None:
        recent.keep(read)
    return project_reply(read.project), position


async def change_phase(
    conn: Conn, actor: Actor, project_id: uuid.UUID, request: phases.Transition, expected_version: int | None,
    today: dt.date, *, gate_rule: phases.GateRule, recent: store.Recent | None = None,
) -> tuple[Project, int]:  # fmt: skip
    """Move the project on, back, or change its state, if the phase rules accept it and, into private
    beta, public beta or live, the gate rule lets it through (else 409). ``recent``: the projects
    this process last changed (see ``_change_project``)."""

    async def decide(current: ProjectRecord) -> tuple[dict[str, Any], Callable[[ProjectSnapshot], EventData]]:
        outcome = phases.decide(domain.status_of(current), request, today)
        if isinstance(outcome, phases.Refused):
            raise PhaseChangeRefused(outcome)
        gated = phases.passes_a_gate(outcome)
        newest = await assessment_store.newest_published(conn, project_id, outcome.new_phase) if gated else None
        passage = phases.pass_gate(outcome, newest[1] if newest else None, request.gate_override_reason, gate_rule)
        if isinstance(passage, phases.Refused):
            raise PhaseChangeRefused(passage)

        def event(snapshot: ProjectSnapshot) -> EventData:
            return ProjectPhaseChanged(
                project=snapshot, kind=outcome.kind, from_phase=outcome.from_phase, to_phase=outcome.new_phase,
                from_state=outcome.from_state, to_state=outcome.new_state, effective=outcome.effective,
                reason=outcome.reason, assessment=outcome.assessment, assessment_url=outcome.assessment_url,
                gate=passage, gate_assessment_id=newest[0] if newest and passage else None,
                gate_override_reason=bilingual.given(request.gate_override_reason) if passage == "overridden"
                else bilingual.EMPTY,
            )  # fmt: skip

        return {"phase": outcome.new_phase, "state": outcome.new_state}, event

    return await _change_project(conn, actor, project_id, expected_version, decide, recent)


async def change_health(
    conn: Conn,
    actor: Actor,
    project_id: uuid.UUID,
    change: HealthChange,
    expected_version: int | None,
    recent: store.Recent | None = None,
) -> tuple[Project, int]:
    _refuse(domain.health_change_errors(change))

    reason = bilingual.given(change.reason)

    async def decide(current: ProjectRecord) -> tuple[dict[str, Any], Callable[[ProjectSnapshot], EventData]]:
        def event(snapshot: ProjectSnapshot) -> EventData:
            return ProjectHealthChanged(
                project=snapshot, from_health=current.snapshot.health, to_health=change.health, reason=reason
            )

        return {"health": change.health, "health_reason": reason}, event

    return await _change_project(conn, actor, project_id, expected_version, decide, recent)


async def place_on_roadmap(
    conn: Conn,
    actor: Actor,
    project_id: uuid.UUID,
    placement: RoadmapPlacementIn,
    expected_version: int | None,
    today: dt.date,
) -> tuple[Project, int]:
    """A lead places the project in a roadmap column, with a reason, or gives it back to the rule."""
    reason = bilingual.given(placement.reason)
    _refuse(domain.roadmap_errors(placement.column, reason))
    async with conn.transaction():
        await _lock_project(conn, project_id, expected_version)
        project = await store.place_on_roadmap(conn, project_id, placement.column, reason, today)
        kept = reason if placement.column is not None else bilingual.EMPTY
        event = ProjectRoadmapPlaced(project=project.snapshot, column=placement.column, reason=kept)
        position = await _project_event(conn, actor, event, project)
    return project_reply(project), position


async def post_update(
    conn: Conn, actor: Actor, project_id: uuid.UUID, new: NewUpdate, today: dt.date
) -> tuple[Update, int]:
    """A dated note on the project (undated: today), which may also set its health."""
    _refuse(domain.update_errors(new, today))
    posted_on = new.posted_on or today
    async with conn.transaction():
        current = await _lock_project(conn, project_id, None)
        health_changes = new.health is not None and new.health != current.snapshot.health
        update = await store.insert_update(conn, uuid.uuid4(), project_id, posted_on, actor.id, new)
        reason = bilingual.given(new.health_reason)
        fields = {"health": new.health, "health_reason": reason} if health_changes else {}
        project = await store.update_project(conn, project_id, fields)
        event = ProjectUpdatePosted(
            project=project.snapshot, update_id=update.id, posted_on=posted_on, body_en=new.body_en, body_cy=new.body_cy
        )
        position = await _project_event(conn, actor, event, project)
    return update, position


async def translate(conn: Conn, actor: Actor, translation: Translation) -> int:
    """Fill in the language a text lacks (a translator's change): the row and, in the same
    transaction, its record's event: ``portfolio.project.updated`` naming the field and language for
    a project's own texts, ``portfolio.project.update_translated`` for an update,
    ``portfolio.project.phase_reason_translated`` for a phase change's reason (kept only in its event,
    which is never rewritten), ``portfolio.support.translated`` for a support request's need or triage
    reason. Returns the event's outbox position."""
    _refuse(domain.translation_errors(translation))
    text = translation.text.strip()
    async with conn.transaction():
        if translation.kind == "support_request":
            return await _translate_support(conn, actor, translation, text)
        if translation.kind in ("assessment", "action"):
            return await _translate_assessment_text(conn, actor, translation, text)
        if translation.kind == "phase_change":
            field: translation_store.PhaseText = "reason" if translation.field == "reason" else "gate_override_reason"
            found = await translation_store.phase_change(conn, translation.id, field)
            if found is None:
                raise store.Missing()
            await store.lock_project(conn, found[0])
            changed_project, seq, now = await translation_store.phase_change(conn, translation.id, field) or found
            project = await store.update_project(conn, changed_project, {})
            filled = now.with_text(translation.lang, text)
            if field == "reason":
                event: EventData = ProjectPhaseReasonTranslated(
                    project=project.snapshot, phase_change_id=translation.id, phase_change_seq=seq,
                    lang=translation.lang, reason=filled,
                )  # fmt: skip
            else:
                event = ProjectGateReasonTranslated(
                    project=project.snapshot, phase_change_id=translation.id, phase_change_seq=seq,
                    lang=translation.lang, gate_override_reason=filled,
                )  # fmt: skip
        elif translation.kind == "update":
            project_id = await translation_store.project_of_update(conn, translation.id)
            if project_id is None:
                raise store.Missing()
            await store.lock_project(conn, project_id)
            update = await translation_store.set_update_body(conn, translation.id, translation.lang, text)
            project = await store.update_project(conn, project_id, {})
            event = ProjectUpdateTranslated(
                project=project.snapshot, update_id=update.id, lang=translation.lang, body_en=update.body_en,
                body_cy=update.body_cy,
            )  # fmt: skip
        else:
            current = await store.lock_project(conn, translation.id)
            if translation.field == "health_reason":
                value: object = current.snapshot.health_reason.with_text(translation.lang, text)
                changed = "health_reason"
            else:
                changed = f"{translation.field}_{translation.lang}"
                value = text
            project = await store.update_project(conn, translation.id, {changed: value})
            event = ProjectUpdated(project=project.snapshot, changed=[changed])
        return await _project_event(conn, actor, event, project)


async def _translate_support(conn: Conn, actor: Actor, translation: Translation, text: str) -> int:
    """A support request's need or triage reason (a request not yet triaged has no reason to translate)."""
    current = await records.lock_support_request(conn, translation.id)
    field: Literal["need", "reason"] = "need" if translation.field == "need" else "reason"
    if (current.need if field == "need" else current.reason).blank:
        _refuse([NO_SUCH_TEXT])
    support = await records.set_support_text(conn, translation.id, field, translation.lang, text)
    event = SupportTranslated(field=field, lang=translation.lang, need=support.need, reason=support.reason)
    return await _emit(conn, actor, event, aggregate_id=support.id, seq=support.version, partner_id=None)


NO_SUCH_TEXT = FieldError("field", "This record has no such text", "Nid oes testun o'r fath gan y cofnod hwn")


async def _translate_assessment_text(conn: Conn, actor: Actor, translation: Translation, text: str) -> int:
    """An assessment's text (``portfolio.assessment.translated``) or an action's
    (``portfolio.action.translated``): the row, one more version, and its event."""
    if translation.kind == "action":
        current = await assessment_store.lock_action(conn, translation.id)
        field: assessment_texts.ActionText = "text" if translation.field == "text" else "reason"
        if assessment_texts.action_text(current.snapshot, field).blank:
            _refuse([NO_SUCH_TEXT])
        action = await assessment_store.set_action_text(conn, translation.id, f"{field}_{translation.lang}", text)
        project = await _project_of(conn, action.snapshot.project_id)
        translated: EventData = ActionTranslated(action=action.snapshot, for_project=project, field=field,
                                                 lang=translation.lang)  # fmt: skip
        aggregate, seq = action.id, action.version
    else:
        record = await assessment_store.lock(conn, translation.id)
        named = assessment_texts.ASSESSMENT_TEXTS[translation.field]
        if assessment_texts.text_of(record.snapshot, named, translation.part).blank:
            _refuse([NO_SUCH_TEXT])
        after = assessment_texts.with_text(record.snapshot, named, translation.part, translation.lang, text)
        changed = {k: getattr(after, k) for k in ("summary_en", "summary_cy", "override_reason", "ratings", "panel")
                   if getattr(after, k) != getattr(record.snapshot, k)}  # fmt: skip
        record = await assessment_store.update(conn, translation.id, changed)
        project = await _project_of(conn, record.snapshot.project_id)
        translated = AssessmentTranslated(assessment=record.snapshot, for_project=project, field=named,
                                          part=translation.part, lang=translation.lang)  # fmt: skip
        aggregate, seq = record.id, record.version
    return await _emit(conn, actor, translated, aggregate_id=aggregate, seq=seq, partner_id=project.partner_id)


# Engagements, support requests, people ---------------------------------------------------------


async def record_engagement(
    conn: Conn, actor: Actor, new: NewEngagement, *, fields_under: str = ""
) -> tuple[Engagement, int]:
    """``fields_under`` prefixes the fields an error names (a triage's engagement is under "engagement.")."""
    _refuse(domain.engagement_errors(new))
    async with conn.transaction():
        if new.project_id is not None:
            partner = await records.project_partner(conn, new.project_id)  # no such project: the insert says so
            _refuse(domain.engagement_project_errors(new, partner, fields_under))
        if new.contacts:
            known = {c.id for c in await contact_store.list_for(conn, new.partner_id)}
            _refuse(domain.engagement_contact_errors(new.contacts, known, fields_under))
        engagement = await records.insert_engagement(conn, uuid.uuid4(), new)
        event = EngagementRecorded(
            partner_id=new.partner_id, project_id=new.project_id, kind=new.kind, summary_en=new.summary_en,
            summary_cy=new.summary_cy, started_on=new.started_on, ended_on=new.ended_on,
        )  # fmt: skip
        position = await _emit(conn, actor, event, aggregate_id=engagement.id, seq=1, partner_id=new.partner_id)
    return engagement, position


class AlreadyEnded(Conflict):
    def __init__(self) -> None:
        super().__init__("This engagement has already ended", "Mae'r ymgysylltiad hwn wedi dod i ben eisoes")


def _engagement_snapshot(engagement: Engagement) -> EngagementSnapshot:
    return EngagementSnapshot(**{k: getattr(engagement, k) for k in EngagementSnapshot.__struct_fields__})


async def edit_engagement(
    conn: Conn, actor: Actor, engagement_id: uuid.UUID, changes: EngagementChanges, expected_version: int | None
) -> tuple[Engagement, int | None]:
    """Change the kind, summary, start, project or contacts, at the version the caller read."""
    async with conn.transaction():
        current = await records.lock_engagement(conn, engagement_id)
        _check_version(current.version, expected_version)
        changed = changed_fields(current, changes)
        errors = []
        if "started_on" in changed:
            errors += domain.engagement_change_errors(changes.started_on, current.ended_on)  # type: ignore[arg-type]
        if isinstance(changes.project_id, uuid.UUID) and "project_id" in changed:
            partner = await records.project_partner(conn, changes.project_id)  # no such project: the update says so
            errors += domain.engagement_project_errors(current.partner_id, partner)
        if isinstance(changes.contacts, list) and "contacts" in changed:
            known = {c.id for c in await contact_store.list_for(conn, current.partner_id)}
            errors += domain.engagement_contact_errors(changes.contacts, known)
        _refuse(errors)
        if not changed:
            return current, None
        engagement = await records.update_engagement(conn, engagement_id, changed)
        event = EngagementUpdated(engagement=_engagement_snapshot(engagement), changed=sorted(changed))
        position = await _emit(conn, actor, event, aggregate_id=engagement.id, seq=engagement.version,
                               partner_id=engagement.partner_id)  # fmt: skip
    return engagement, position


async def end_engagement(
    conn: Conn, actor: Actor, engagement_id: uuid.UUID, ending: EngagementEnding, expected_version: int | None
) -> tuple[Engagement, int]:
    """End it on a day, once (409 if it has ended already)."""
    async with conn.transaction():
        current = await records.lock_engagement(conn, engagement_id)
        _check_version(current.version, expected_version)
        if current.ended_on is not None:
            raise AlreadyEnded()
        _refuse(domain.engagement_ending_errors(current.started_on, ending))
        engagement = await records.update_engagement(conn, engagement_id, {"ended_on": ending.ended_on})
        event = EngagementEnded(engagement=_engagement_snapshot(engagement))
        position = await _emit(conn, actor, event, aggregate_id=engagement.id, seq=engagement.version,
                               partner_id=engagement.partner_id)  # fmt: skip
    return engagement, position


async def request_support(conn: Conn, actor: Actor, new: NewSupportRequest) -> tuple[SupportRequest, int]:
    new = msgspec.structs.replace(new, contact_email=new.contact_email.lower())
    async with conn.transaction():
        requester = actor.id if actor.role != "public" else None  # a signed-in sender follows it from their account
        need = bilingual.given(new.need, new.need_language)  # not said: told from the text
        support = await records.insert_support_request(conn, uuid.uuid4(), new, need, requester)
        event = SupportRequested(
            organisation=new.organisation, contact_name=new.contact_name, contact_email=new.contact_email,
            language=new.language, need=need, urgency=new.urgency,
        )  # fmt: skip
        position = await _emit(conn, actor, event, aggregate_id=support.id, seq=1, partner_id=None)
    return support, position


async def triage(
    conn: Conn, actor: Actor, request_id: uuid.UUID, decision: Triage, expected_version: int | None
) -> tuple[SupportRequest, int]:
    """Accept (recording the engagement in the same transaction) or decline with a reason; once only."""
    _refuse(domain.triage_errors(decision))
    async with conn.transaction():
        current = await records.lock_support_request(conn, request_id)
        _check_version(current.version, expected_version)
        if current.status != "new":
            raise AlreadyTriaged()
        engagement_id = None
        if decision.outcome == "accepted" and decision.engagement is not None:
            engagement, _ = await record_engagement(conn, actor, decision.engagement, fields_under="engagement.")
            engagement_id = engagement.id
        reason = bilingual.given(decision.reason)
        support = await records.set_triage(conn, request_id, decision.outcome, reason, engagement_id)
        event = SupportTriaged(outcome=decision.outcome, reason=reason, engagement_id=engagement_id)
        position = await _emit(conn, actor, event, aggregate_id=support.id, seq=support.version, partner_id=None)
    return support, position


async def correct_need_language(
    conn: Conn, actor: Actor, request_id: uuid.UUID, lang: bilingual.Lang
) -> tuple[SupportRequest, int | None]:
    """Staff say which language a request's need is written in, where it was told wrong from its text:
    the text moves to that language (nothing happens when it is there already)."""
    async with conn.transaction():
        current = await records.lock_support_request(conn, request_id)
        if current.need.missing != lang:
            return current, None
        text = current.need.get(bilingual.other(lang))
        support = await records.set_need(conn, request_id, Bilingual(**{lang: text}))
        event = SupportNeedCorrected(need=support.need)
        position = await _emit(conn, actor, event, aggregate_id=support.id, seq=support.version, partner_id=None)
    return support, position


async def add_person(conn: Conn, actor: Actor, new: NewPerson) -> tuple[Person, int]:
    _refuse(domain.person_errors(new))
    new = msgspec.structs.replace(new, email=new.email.lower())
    async with conn.transaction():
        person = await records.insert_person(conn, uuid.uuid4(), new)
        event = PersonAdded(name=new.name, kind=new.kind, partner_id=new.partner_id, language=new.language)
        position = await _emit(conn, actor, event, aggregate_id=person.id, seq=1, partner_id=new.partner_id)
    return person, position


# Assessments ------------------------------------------------------------------------------------
# These take the caller's identity, not only its actor: who may act depends on their organisation.


async def _assessment_event(
    conn: Conn, viewer: Identity, cls: type[AssessmentDrafted | AssessmentSubmitted | AssessmentPublished],
    record: AssessmentRecord,
) -> int:  # fmt: skip
    """An assessment's version is its event sequence; the event carries its project as it stands."""
    project = await store.read_project(conn, record.snapshot.project_id)
    event = cls(assessment=record.snapshot, for_project=project.snapshot)
    return await _emit(
        conn, viewer.actor, event, aggregate_id=record.id, seq=record.version, partner_id=project.snapshot.partner_id
    )


async def draft_assessment(
    conn: Conn, viewer: Identity, project_id: uuid.UUID, new: NewAssessment, today: dt.date
) -> tuple[Assessment, int]:
    """Start an assessment of the project at a gate, as a draft (a partner: its own team's self-assessment)."""
    version = standards.CURRENT
    _refuse(assessments.input_errors(new.ratings, new.held_on, new.to_phase, today, version))
    async with conn.transaction():
        project = await store.get_project(conn, project_id, viewer)  # 404 unless the caller may see it
        if not assessments.may_create(viewer, new.kind, project.snapshot.partner_id):
            raise Forbidden()
        ratings = assessments.merged([], new.ratings)
        snapshot = AssessmentSnapshot(
            project_id=project_id, from_phase=assessments.GATES[new.to_phase], to_phase=new.to_phase, kind=new.kind,
            held_on=new.held_on, standards_version=version,
            panel=[PanelMember(name=m.name.strip(), role=bilingual.given(m.role)) for m in new.panel], ratings=ratings,
            summary_en=new.summary_en, summary_cy=new.summary_cy, status="draft",
            outcome=assessments.outcome(ratings, new.panel_outcome, version), panel_outcome=new.panel_outcome,
            override_reason=bilingual.given(new.override_reason),
        )  # fmt: skip
        record = await assessment_store.insert(conn, uuid.uuid4(), snapshot, viewer.sub)
        position = await _assessment_event(conn, viewer, AssessmentDrafted, record)
    return assessments.full_reply(record), position


async def _lock_assessment(
    conn: Conn, viewer: Identity, assessment_id: uuid.UUID, expected_version: int | None
) -> AssessmentRecord:
    """The assessment, locked, if the caller may change it (404 if they may not even see it, else 403)."""
    await assessment_store.get(conn, assessment_id, viewer)
    record = await assessment_store.lock(conn, assessment_id)
    if not assessments.may_edit(viewer, record.snapshot, record.partner_id):
        raise Forbidden()
    _check_version(record.version, expected_version)
    return record


async def edit_assessment(
    conn: Conn, viewer: Identity, assessment_id: uuid.UUID, changes: AssessmentChanges, expected_version: int | None,
    today: dt.date,
) -> tuple[Assessment, int | None]:  # fmt: skip
    """Change a draft (staff: a submitted self-assessment too); the outcome is derived again."""
    async with conn.transaction():
        record = await _lock_assessment(conn, viewer, assessment_id, expected_version)
        refused = assessments.edit_refusal(record.snapshot.status, viewer)
        if refused is not None:
            raise AssessmentRefused(refused)
        now = record.snapshot
        given = [] if isinstance(changes.ratings, msgspec.UnsetType) else changes.ratings
        held_on = None if isinstance(changes.held_on, msgspec.UnsetType) else changes.held_on
        _refuse(assessments.input_errors(given, held_on, None, today, now.standards_version))
        fields = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
        if "panel" in fields:
            fields["panel"] = [
                PanelMember(name=m.name.strip(), role=bilingual.given(m.role)) for m in changes.panel or []
            ]
        if "ratings" in fields:
            fields["ratings"] = assessments.merged(now.ratings, given)
        if not isinstance(changes.override_reason, msgspec.UnsetType):
            fields["override_reason"] = bilingual.given(changes.override_reason)
        after = msgspec.structs.replace(now, **fields)
        fields["outcome"] = assessments.outcome(after.ratings, after.panel_outcome, after.standards_version)
        changed = {k: v for k, v in fields.items() if getattr(now, k) != v}
        if not changed:
            return assessments.full_reply(record), None
        record = await assessment_store.update(conn, assessment_id, changed)
        position = await _assessment_event(conn, viewer, AssessmentDrafted, record)
    return assessments.full_reply(record), position


async def submit_assessment(
    conn: Conn, viewer: Identity, assessment_id: uuid.UUID, expected_version: int | None
) -> tuple[Assessment, int]:
    """A partner's team hands its complete self-assessment to CDPS."""
    async with conn.transaction():
        record = await _lock_assessment(conn, viewer, assessment_id, expected_version)
        refused = assessments.submit_refusal(record.snapshot)
        if refused is not None:
            raise AssessmentRefused(refused)
        _refuse(assessments.completeness_errors(record.snapshot))
        record = await assessment_store.update(conn, assessment_id, {"status": "submitted"})
        position = await _assessment_event(conn, viewer, AssessmentSubmitted, record)
    return assessments.full_reply(record), position


async def publish_assessment(
    conn: Conn, viewer: Identity, assessment_id: uuid.UUID, expected_version: int | None
) -> tuple[Assessment, int]:
    """A lead publishes a complete assessment: its outcome is fixed, and the gate rule reads it."""
    async with conn.transaction():
        if not viewer.is_staff:
            raise Forbidden()
        record = await _lock_assessment(conn, viewer, assessment_id, expected_version)
        if record.snapshot.status == "published":
            raise AssessmentRefused(assessments.refusal("assessment_published"))
        _refuse(assessments.completeness_errors(record.snapshot))
        record = await assessment_store.update(conn, assessment_id, {"status": "published"}, publishing=True)
        position = await _assessment_event(conn, viewer, AssessmentPublished, record)
    return assessments.full_reply(record), position


# Actions ------------------------------------------------------------------------------------------


async def add_action(
    conn: Conn, viewer: Identity, assessment_id: uuid.UUID, new: NewAction, today: dt.date
) -> tuple[Action, int]:
    """A lead turns a recommendation of a published assessment into an action."""
    async with conn.transaction():
        assessment = await assessment_store.get(conn, assessment_id, viewer)
        if assessment.snapshot.status != "published":
            raise AssessmentRefused(assessments.refusal("assessment_not_published"))
        _refuse(assessments.action_errors(assessment.snapshot, new))
        due_on = assessments.action_due(assessment.snapshot, new)
        assert due_on is not None  # action_errors refused a missing one
        action = ActionSnapshot(
            assessment_id=assessment_id, project_id=assessment.snapshot.project_id, standard=new.standard,
            text_en=new.text_en.strip(), text_cy=new.text_cy.strip(), owner=new.owner.strip(), due_on=due_on,
            state="open", reason=bilingual.EMPTY,
        )  # fmt: skip
        record = await assessment_store.insert_action(conn, uuid.uuid4(), action)
        project = await _project_of(conn, record.snapshot.project_id)
        position = await _action_event(conn, viewer, ActionAdded(action=record.snapshot, for_project=project), record)
    return assessments.action_reply(record, today), position


async def close_action(
    conn: Conn, viewer: Identity, action_id: uuid.UUID, closing: ActionClosing, expected_version: int | None,
    today: dt.date,
) -> tuple[Action, int]:  # fmt: skip
    """Done, or dropped with a reason; once only."""
    _refuse(assessments.closing_errors(closing))
    async with conn.transaction():
        current = await assessment_store.lock_action(conn, action_id)
        _check_version(current.version, expected_version)
        if current.snapshot.state != "open":
            raise AssessmentRefused(assessments.refusal("action_closed"))
        record = await assessment_store.close_action(conn, action_id, closing.state, bilingual.given(closing.reason))
        project = await _project_of(conn, record.snapshot.project_id)
        position = await _action_event(conn, viewer, ActionClosed(action=record.snapshot, for_project=project), record)
    return assessments.action_reply(record, today), position


async def _project_of(conn: Conn, project_id: uuid.UUID) -> ProjectSnapshot:
    return (await store.read_project(conn, project_id)).snapshot


async def _action_event(conn: Conn, viewer: Identity, event: ActionAdded | ActionClosed, record: ActionRecord) -> int:
    """An action is its own aggregate; its version is its event sequence."""
    return await _emit(conn, viewer.actor, event, aggregate_id=record.id, seq=record.version,
                       partner_id=event.for_project.partner_id)  # fmt: skip


# Milestones -------------------------------------------------------------------------------------
# A milestone is its own aggregate (its own version and sequence): setting one does not change its
# project's version, so a lead editing the project and another setting milestones never collide.


async def _milestone_event(
    conn: Conn, actor: Actor, data: EventData, milestone_id: uuid.UUID, version: int, project: ProjectRecord
) -> int:
    return await _emit(conn, actor, data, aggregate_id=milestone_id, seq=version,
                       partner_id=project.snapshot.partner_id)  # fmt: skip


async def add_milestone(
    conn: Conn, actor: Actor, project_id: uuid.UUID, new: NewMilestone, today: dt.date
) -> tuple[Milestone, int]:
    _refuse(milestones.target_errors(new.target))
    target = milestones.parse_target(new.target)
    assert target is not None  # checked just above
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)  # 404 for no such project; its milestones in order
        snapshot = MilestoneSnapshot(
            project_id=project_id, title_en=new.title_en, title_cy=new.title_cy, target_on=target[0],
            precision=target[1], done=False, done_on=None, gate=new.gate,
        )  # fmt: skip
        milestone_id = uuid.uuid4()
        version = await milestone_store.insert(conn, milestone_id, snapshot)
        event = MilestoneAdded(milestone=snapshot, for_project=project.snapshot)
        position = await _milestone_event(conn, actor, event, milestone_id, version, project)
    return milestones.reply(milestone_id, snapshot, version, today), position


async def change_milestone(
    conn: Conn, actor: Actor, project_id: uuid.UUID, milestone_id: uuid.UUID, changes: MilestoneChanges,
    expected_version: int | None, today: dt.date,
) -> tuple[Milestone, int | None]:  # fmt: skip
    _refuse(milestones.target_errors(changes.target))
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, current, version = await milestone_store.lock(conn, project_id, milestone_id)
        _check_version(version, expected_version)
        given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
        if isinstance(changes.target, str):
            target = milestones.parse_target(changes.target)
            assert target is not None  # checked above
            given.pop("target")
            given.update(target_on=target[0], precision=target[1])
        changed = {k: v for k, v in given.items() if getattr(current, k) != v}
        if not changed:
            return milestones.reply(milestone_id, current, version, today), None
        _, snapshot, version = await milestone_store.update(conn, milestone_id, changed)
        event = MilestoneChanged(milestone=snapshot, changed=list(changed), for_project=project.snapshot)
        position = await _milestone_event(conn, actor, event, milestone_id, version, project)
    return milestones.reply(milestone_id, snapshot, version, today), position


async def complete_milestone(
    conn: Conn, actor: Actor, project_id: uuid.UUID, milestone_id: uuid.UUID, expected_version: int | None,
    today: dt.date,
) -> tuple[Milestone, int | None]:  # fmt: skip
    """Reached today; a milestone already done stays as it was (nothing happens twice)."""
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, current, version = await milestone_store.lock(conn, project_id, milestone_id)
        _check_version(version, expected_version)
        if current.done:
            return milestones.reply(milestone_id, current, version, today), None
        _, snapshot, version = await milestone_store.update(conn, milestone_id, {"done": True, "done_on": today})
        event = MilestoneCompleted(milestone=snapshot, for_project=project.snapshot)
        position = await _milestone_event(conn, actor, event, milestone_id, version, project)
    return milestones.reply(milestone_id, snapshot, version, today), position


async def remove_milestone(
    conn: Conn, actor: Actor, project_id: uuid.UUID, milestone_id: uuid.UUID, expected_version: int | None
) -> int:
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, current, version = await milestone_store.lock(conn, project_id, milestone_id)
        _check_version(version, expected_version)
        await milestone_store.delete(conn, milestone_id)
        event = MilestoneRemoved(milestone=current, for_project=project.snapshot)
        return await _milestone_event(conn, actor, event, milestone_id, version + 1, project)
