"""The event envelope and the catalogue of event types.

Events are immutable, past-tense facts. Every event travels in one envelope; its ``data`` is the
event's own Struct, looked up by ``type`` in :data:`CATALOGUE`. The catalogue is the single place
that lists event types: ``docs/events.md`` and the AsyncAPI document are generated from it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Literal

import msgspec
import uuid_utils

from shared import bilingual
from shared.bilingual import Bilingual
from shared.measures import Crossing, Direction, Unit

Role = Literal["admin", "lead", "partner", "public", "system"]
Phase = Literal["discovery", "alpha", "private_beta", "public_beta", "live", "retired"]
"""The service phases, in order: the GOV.UK Service Manual's beta has a private and a public step.
Until version 2 of the project events there was one ``beta``; :func:`upcast` reads it as private beta."""
Health = Literal["green", "amber", "red"]
Visibility = Literal["public", "partner", "internal"]
GatePassage = Literal["assessed", "overridden", "unassessed"]
"""How a project passed a gate: on a published assessment that met the standards, on a lead's
override with a reason, or (where the installation only warns) with neither."""
TransitionKind = Literal["advance", "go_back", "stop", "reopen", "pause", "resume"]
"""How a project's phase or state changes: forward one phase, back, stopped, reopened, paused, resumed."""


class Actor(msgspec.Struct, frozen=True):
    """Who caused the event: an account id (or a service name) and the role it acted in."""

    id: str
    role: Role


SYSTEM = Actor(id="system", role="system")


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event's own data. Subclasses set ``type`` and ``aggregate``."""

    type: ClassVar[str]
    aggregate: ClassVar[str]
    version: ClassVar[int] = 1


State = Literal["active", "paused", "stopped"]
PartnerKind = Literal["health", "local_authority", "national_body", "third_sector", "other"]
EngagementKind = Literal["catalyst_project", "discovery_support", "training", "advice", "assessment", "other"]


class PartnerSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A partner organisation as it stands after the event."""

    slug: str
    name_en: str
    name_cy: str
    kind: PartnerKind
    website: str | None
    active: bool


class ProjectSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A project as it stands after the event. Every project event carries one, so a consumer
    that sees events out of order only has to keep the snapshot with the highest aggregate_seq."""

    slug: str
    partner_id: uuid.UUID | None
    title_en: str
    title_cy: str
    summary_en: str
    summary_cy: str
    lead_id: str | None
    phase: Phase
    state: State
    health: Health
    health_reason: Bilingual
    """Why the health is what it is (amber and red have one), in English, Welsh or both. Until
    version 3 of the project events (version 2 of the assessment, action and milestone events) one
    string: :func:`upcast` reads it into the language it is told to be in."""
    tags: list[str]
    visibility: Visibility
    start_date: dt.date | None
    wellbeing_goals: list[str] = []
    """The Well-being of Future Generations Act goals the project serves (``shared.vocabulary.WELLBEING_GOALS``)."""


class PartnerRegistered(EventData, frozen=True, kw_only=True):
    """CDPS started working with a new partner organisation."""

    type: ClassVar[str] = "portfolio.partner.registered"
    aggregate: ClassVar[str] = "partner"
    partner: PartnerSnapshot


class PartnerUpdated(EventData, frozen=True, kw_only=True):
    """A partner's details were corrected or it became (in)active."""

    type: ClassVar[str] = "portfolio.partner.updated"
    aggregate: ClassVar[str] = "partner"
    partner: PartnerSnapshot
    changed: list[str]


class ProjectCreated(EventData, frozen=True, kw_only=True):
    """A delivery lead started tracking a project with a partner."""

    type: ClassVar[str] = "portfolio.project.created"
    aggregate: ClassVar[str] = "project"
    version: ClassVar[int] = 3
    project: ProjectSnapshot


class ProjectUpdated(EventData, frozen=True, kw_only=True):
    """A project's descriptive fields (title, summary, tags, wellbeing goals, visibility, lead, ...) were edited."""

    type: ClassVar[str] = "portfolio.project.updated"
    aggregate: ClassVar[str] = "project"
    version: ClassVar[int] = 3
    project: ProjectSnapshot
    changed: list[str]


class ProjectPhaseChanged(EventData, frozen=True, kw_only=True):
    """A project moved phase, went back, stopped, was reopened, paused or resumed."""

    type: ClassVar[str] = "portfolio.project.phase_changed"
    aggregate: ClassVar[str] = "project"
    version: ClassVar[int] = 3
    project: ProjectSnapshot
    kind: TransitionKind
    from_phase: Phase
    to_phase: Phase
    from_state: State
    to_state: State
    effective: dt.date
    reason: Bilingual
    """Why (needed to go back, pause, stop or reopen), in English, Welsh or both (one string until version 3)."""
    assessment: Literal["met", "not_met"] | None = None
    assessment_url: str | None = None
    gate: GatePassage | None = None
    """How an advance into private beta, public beta or live passed its gate (null for other moves)."""
    gate_assessment_id: uuid.UUID | None = None
    """The published assessment of the gate it passed on (its newest)."""
    gate_override_reason: Bilingual = bilingual.EMPTY
    """The lead's reason for going ahead without an assessment that met the standards (one string until version 3)."""


class ProjectHealthChanged(EventData, frozen=True, kw_only=True):
    """A project's RAG health changed, with the reason."""

    type: ClassVar[str] = "portfolio.project.health_changed"
    aggregate: ClassVar[str] = "project"
    version: ClassVar[int] = 3
    project: ProjectSnapshot
    from_health: Health
    to_health: Health
    reason: Bilingual
    """In English, Welsh or both (one string until version 3)."""


class ProjectUpdatePosted(EventData, frozen=True, kw_only=True):
    """A delivery lead posted a dated note on a project (these feed the weeknotes)."""

    type: ClassVar[str] = "portfolio.project.update_posted"
    aggregate: ClassVar[str] = "project"
    version: ClassVar[int] = 3
    project: ProjectSnapshot
    update_id: uuid.UUID
    posted_on: dt.date
    body_en: str
    body_cy: str


RoadmapColumn = Literal["now", "next", "later", "delivered", "stopped"]
"""The roadmap's columns: Now, Next, Later, Recently delivered, Stopped."""


class ProjectRoadmapPlaced(EventData, frozen=True, kw_only=True):
    """A delivery lead placed a project in a roadmap column of their choosing, with a reason, or gave
    it back to the roadmap's rule (``column`` null). The placement holds while the project keeps the
    phase and state it had (those of ``project``)."""

    type: ClassVar[str] = "portfolio.project.roadmap_placed"
    aggregate: ClassVar[str] = "project"
    project: ProjectSnapshot
    column: RoadmapColumn | None
    reason: Bilingual


class ProjectUpdateTranslated(EventData, frozen=True, kw_only=True):
    """An update written in one language was given its other language (a translator filled it in)."""

    type: ClassVar[str] = "portfolio.project.update_translated"
    aggregate: ClassVar[str] = "project"
    project: ProjectSnapshot
    update_id: uuid.UUID
    lang: Literal["cy", "en"]
    """The language filled in."""
    body_en: str
    body_cy: str
    """The update's text in both languages, after the translation."""


class ProjectPhaseReasonTranslated(EventData, frozen=True, kw_only=True):
    """The reason a phase change was given in one language was given its other language (a translator
    filled it in). The phase change itself is never rewritten: its project's history reads the reason
    from the newest of these that names it."""

    type: ClassVar[str] = "portfolio.project.phase_reason_translated"
    aggregate: ClassVar[str] = "project"
    project: ProjectSnapshot
    phase_change_id: uuid.UUID
    """The id of the ``portfolio.project.phase_changed`` event whose reason this is."""
    phase_change_seq: int
    """That event's ``aggregate_seq`` (its place in the project's history)."""
    lang: Literal["cy", "en"]
    """The language filled in."""
    reason: Bilingual
    """The reason in both languages, after the translation."""


class ProjectGateReasonTranslated(EventData, frozen=True, kw_only=True):
    """The reason a lead gave for passing a gate without an assessment that met the standards, given
    in one language, was given its other language (a translator filled it in). Like a phase change's
    reason it is kept only in the phase change's event, which is never rewritten: its project's
    history reads it from the newest of these that names the phase change. A type of its own, not
    ``portfolio.project.phase_reason_translated``: what reads those puts their text in ``reason``."""

    type: ClassVar[str] = "portfolio.project.gate_reason_translated"
    aggregate: ClassVar[str] = "project"
    project: ProjectSnapshot
    phase_change_id: uuid.UUID
    """The id of the ``portfolio.project.phase_changed`` event whose gate reason this is."""
    phase_change_seq: int
    """That event's ``aggregate_seq`` (its place in the project's history)."""
    lang: Literal["cy", "en"]
    """The language filled in."""
    gate_override_reason: Bilingual
    """The reason in both languages, after the translation."""


class EngagementRecorded(EventData, frozen=True, kw_only=True):
    """CDPS recorded an engagement with a partner."""

    type: ClassVar[str] = "portfolio.engagement.recorded"
    aggregate: ClassVar[str] = "engagement"
    partner_id: uuid.UUID
    project_id: uuid.UUID | None
    kind: EngagementKind
    summary_en: str
    summary_cy: str
    started_on: dt.date
    ended_on: dt.date | None


class EngagementSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An engagement as it stands after the event (its partner never changes)."""

    partner_id: uuid.UUID
    project_id: uuid.UUID | None
    kind: EngagementKind
    summary_en: str
    summary_cy: str
    started_on: dt.date
    ended_on: dt.date | None
    contacts: list[uuid.UUID]


class EngagementUpdated(EventData, frozen=True, kw_only=True):
    """Staff changed an engagement's kind, summary, start date, project or contacts."""

    type: ClassVar[str] = "portfolio.engagement.updated"
    aggregate: ClassVar[str] = "engagement"
    engagement: EngagementSnapshot
    changed: list[str]


class EngagementEnded(EventData, frozen=True, kw_only=True):
    """Staff ended an engagement on a day (``engagement.ended_on``)."""

    type: ClassVar[str] = "portfolio.engagement.ended"
    aggregate: ClassVar[str] = "engagement"
    engagement: EngagementSnapshot


class CommentPosted(EventData, frozen=True, kw_only=True):
    """Someone wrote in a project's conversation: staff or the project's partner. An ``internal``
    note is staff-only: no consumer shows it to a partner or the public."""

    type: ClassVar[str] = "portfolio.comment.posted"
    aggregate: ClassVar[str] = "comment"
    project_id: uuid.UUID
    internal: bool
    author_role: Role
    body: Bilingual
    for_project: ProjectSnapshot


class CommentEdited(EventData, frozen=True, kw_only=True):
    """Its author changed a comment within the minutes allowed (``CDPS_COMMENT_EDIT_MINUTES``)."""

    type: ClassVar[str] = "portfolio.comment.edited"
    aggregate: ClassVar[str] = "comment"
    project_id: uuid.UUID
    internal: bool
    body: Bilingual
    for_project: ProjectSnapshot


class CommentDeleted(EventData, frozen=True, kw_only=True):
    """A comment was deleted: its text is gone from the conversation, and this tombstone (who, when,
    which comment) stays in the audit log."""

    type: ClassVar[str] = "portfolio.comment.deleted"
    aggregate: ClassVar[str] = "comment"
    project_id: uuid.UUID
    internal: bool
    for_project: ProjectSnapshot


class SupportRequested(EventData, frozen=True, kw_only=True):
    """Someone asked CDPS for help through the public form. Holds personal data (the contact):
    only staff-facing consumers may show it."""

    type: ClassVar[str] = "portfolio.support.requested"
    aggregate: ClassVar[str] = "support_request"
    version: ClassVar[int] = 2
    organisation: str
    contact_name: str
    contact_email: str
    language: Literal["cy", "en"]
    """The language the requester wants replies in (not necessarily the one the need is written in)."""
    need: Bilingual
    """In the language it was written in: as the requester said, or told from the text when they did
    not; one string until version 2 (:func:`upcast` reads it into the language it is told to be in)."""
    urgency: Literal["low", "medium", "high"]


class SupportTriaged(EventData, frozen=True, kw_only=True):
    """Staff turned a support request into an engagement, or declined it with a reason."""

    type: ClassVar[str] = "portfolio.support.triaged"
    aggregate: ClassVar[str] = "support_request"
    version: ClassVar[int] = 2
    outcome: Literal["accepted", "declined"]
    reason: Bilingual
    """In English, Welsh or both (one string until version 2)."""
    engagement_id: uuid.UUID | None


class SupportNeedCorrected(EventData, frozen=True, kw_only=True):
    """Staff said which language a support request's need is written in (it had been told wrong from
    its text): the need as it is now."""

    type: ClassVar[str] = "portfolio.support.need_corrected"
    aggregate: ClassVar[str] = "support_request"
    need: Bilingual


class SupportTranslated(EventData, frozen=True, kw_only=True):
    """A support request's need or triage reason, written in one language, was given its other
    language (a translator filled it in): both texts as they are now."""

    type: ClassVar[str] = "portfolio.support.translated"
    aggregate: ClassVar[str] = "support_request"
    field: Literal["need", "reason"]
    lang: Literal["cy", "en"]
    """The language filled in."""
    need: Bilingual
    reason: Bilingual


class PersonAdded(EventData, frozen=True, kw_only=True):
    """A delivery lead or partner contact was added (no email address: the stream is kept for ever)."""

    type: ClassVar[str] = "portfolio.person.added"
    aggregate: ClassVar[str] = "person"
    name: str
    kind: Literal["lead", "partner_contact"]
    partner_id: uuid.UUID | None
    language: Literal["cy", "en", "both"]


class ContactSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A partner's contact as their events carry it: no email address, as for people (the stream is
    kept for ever, and a removed contact's address must be gone with them). The notifier asks the
    portfolio for the addresses it sends to (``contacts.emailable``)."""

    partner_id: uuid.UUID
    name: str
    role: str
    language: Literal["cy", "en", "both"]
    project_emails: bool
    """Whether they are sent the partner's project emails (an assessment published, ...)."""


class ContactAdded(EventData, frozen=True, kw_only=True):
    """Staff recorded someone at a partner organisation as one of its contacts."""

    type: ClassVar[str] = "portfolio.contact.added"
    aggregate: ClassVar[str] = "contact"
    contact: ContactSnapshot


class ContactChanged(EventData, frozen=True, kw_only=True):
    """A contact's details changed; ``changed`` names the fields (``email`` among them, without its value)."""

    type: ClassVar[str] = "portfolio.contact.changed"
    aggregate: ClassVar[str] = "contact"
    contact: ContactSnapshot
    changed: list[str]


class ContactRemoved(EventData, frozen=True, kw_only=True):
    """Someone is no longer one of the partner's contacts: their record, address included, is deleted."""

    type: ClassVar[str] = "portfolio.contact.removed"
    aggregate: ClassVar[str] = "contact"
    partner_id: uuid.UUID


AssessmentKind = Literal["self_assessment", "peer_review", "formal_assessment"]
Rating = Literal["met", "partly_met", "not_met", "not_assessed"]
AssessmentStatus = Literal["draft", "submitted", "published"]
GateOutcome = Literal["met", "not_met"]
ActionState = Literal["open", "done", "dropped"]


class PanelMember(msgspec.Struct, frozen=True, kw_only=True):
    """Someone on an assessment's panel and their part in it ("Lead assessor" / "Prif aseswr"), the part
    in English, Welsh or both (one string until version 3 of the assessment events)."""

    name: str
    role: Bilingual = bilingual.EMPTY


class StandardRating(msgspec.Struct, frozen=True, kw_only=True):
    """How a service stands against one standard: its rating (null until rated), why it was not
    assessed, and the evidence and recommendations in each language ('' where not written)."""

    standard: int
    rating: Rating | None = None
    reason: Bilingual = bilingual.EMPTY
    """Why it was not assessed, in English, Welsh or both (one string until version 3)."""
    evidence_en: str = ""
    evidence_cy: str = ""
    recommendations_en: str = ""
    recommendations_cy: str = ""


class AssessmentSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An assessment at a gate (``from_phase`` to ``to_phase``) as it stands after the event."""

    project_id: uuid.UUID
    from_phase: Phase
    to_phase: Phase
    kind: AssessmentKind
    held_on: dt.date
    standards_version: str
    panel: list[PanelMember]
    ratings: list[StandardRating]
    summary_en: str
    summary_cy: str
    status: AssessmentStatus
    outcome: GateOutcome | None
    """Derived from the ratings (any standard not met: not met), unless the panel overrode it;
    null while a standard is still unrated."""
    panel_outcome: GateOutcome | None
    override_reason: Bilingual
    """Why the panel's outcome differs from the derived one, in English, Welsh or both (one string until version 3)."""


class AssessmentDrafted(EventData, frozen=True, kw_only=True):
    """An assessment was started, or its draft was changed. Carries the project it is about, for scoping."""

    type: ClassVar[str] = "portfolio.assessment.drafted"
    aggregate: ClassVar[str] = "assessment"
    version: ClassVar[int] = 3
    assessment: AssessmentSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class AssessmentSubmitted(EventData, frozen=True, kw_only=True):
    """A partner's team submitted its self-assessment to CDPS."""

    type: ClassVar[str] = "portfolio.assessment.submitted"
    aggregate: ClassVar[str] = "assessment"
    version: ClassVar[int] = 3
    assessment: AssessmentSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class AssessmentPublished(EventData, frozen=True, kw_only=True):
    """An assessment was published with its outcome: from now on it is what the gate rule reads."""

    type: ClassVar[str] = "portfolio.assessment.published"
    aggregate: ClassVar[str] = "assessment"
    version: ClassVar[int] = 3
    assessment: AssessmentSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


AssessmentText = Literal["summary", "override_reason", "evidence", "recommendations", "reason", "role"]
"""An assessment's texts people write: its own (summary, override reason), a standard's (evidence,
recommendations, why it was not assessed) and a panel member's (role)."""


class AssessmentTranslated(EventData, frozen=True, kw_only=True):
    """One of an assessment's texts, written in one language, was given its other language (a
    translator filled it in): the assessment as it now stands. A published assessment is translated
    too: the same words in the other language, not a change to what was decided. At version 3 from
    its first, as the assessment events whose snapshot it carries."""

    type: ClassVar[str] = "portfolio.assessment.translated"
    aggregate: ClassVar[str] = "assessment"
    version: ClassVar[int] = 3
    assessment: AssessmentSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""
    field: AssessmentText
    part: int | None
    """The standard's number (evidence, recommendations, reason) or the panel member's place, from 1
    (role); null for the assessment's own texts."""
    lang: Literal["cy", "en"]
    """The language filled in."""


class ActionSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An action that follows a recommendation, as it stands after the event."""

    assessment_id: uuid.UUID
    project_id: uuid.UUID
    standard: int
    text_en: str
    text_cy: str
    owner: str
    due_on: dt.date
    state: ActionState
    reason: Bilingual
    """Why it was dropped, in English, Welsh or both (one string until version 3 of the action events)."""


class ActionAdded(EventData, frozen=True, kw_only=True):
    """A recommendation of an assessment became an action, with an owner and a due date."""

    type: ClassVar[str] = "portfolio.action.added"
    aggregate: ClassVar[str] = "action"
    version: ClassVar[int] = 3
    action: ActionSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class ActionClosed(EventData, frozen=True, kw_only=True):
    """An action was done, or dropped with a reason."""

    type: ClassVar[str] = "portfolio.action.closed"
    aggregate: ClassVar[str] = "action"
    version: ClassVar[int] = 3
    action: ActionSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class ActionTranslated(EventData, frozen=True, kw_only=True):
    """An action's text or its dropped reason, written in one language, was given its other language
    (a translator filled it in): the action as it now stands. At version 3 from its first, as the
    action events whose snapshot it carries."""

    type: ClassVar[str] = "portfolio.action.translated"
    aggregate: ClassVar[str] = "action"
    version: ClassVar[int] = 3
    action: ActionSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""
    field: Literal["text", "reason"]
    lang: Literal["cy", "en"]
    """The language filled in."""


class MilestoneSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A project's milestone as it stands after the event. ``target_on`` is the day, or the first
    of the month when ``precision`` is "month"; ``gate`` is the phase whose gate it prepares."""

    project_id: uuid.UUID
    title_en: str
    title_cy: str
    target_on: dt.date
    precision: Literal["month", "day"]
    done: bool
    done_on: dt.date | None
    gate: Phase | None


class MilestoneAdded(EventData, frozen=True, kw_only=True):
    """A delivery lead set a milestone on a project: a bilingual title and a target month or day."""

    type: ClassVar[str] = "portfolio.milestone.added"
    aggregate: ClassVar[str] = "milestone"
    version: ClassVar[int] = 2
    milestone: MilestoneSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MilestoneChanged(EventData, frozen=True, kw_only=True):
    """A milestone's title, target or gate was changed (``changed`` names the fields)."""

    type: ClassVar[str] = "portfolio.milestone.changed"
    aggregate: ClassVar[str] = "milestone"
    version: ClassVar[int] = 2
    milestone: MilestoneSnapshot
    changed: list[str]
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MilestoneCompleted(EventData, frozen=True, kw_only=True):
    """A milestone was reached."""

    type: ClassVar[str] = "portfolio.milestone.completed"
    aggregate: ClassVar[str] = "milestone"
    version: ClassVar[int] = 2
    milestone: MilestoneSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MilestoneRemoved(EventData, frozen=True, kw_only=True):
    """A milestone was removed from its project (as it was when removed)."""

    type: ClassVar[str] = "portfolio.milestone.removed"
    aggregate: ClassVar[str] = "milestone"
    version: ClassVar[int] = 2
    milestone: MilestoneSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MeasureSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A measure a project tracks, as it stands after the event: from the catalogue (``catalogue``
    names it, ``shared.measures.CATALOGUE``) or the project's own (``catalogue`` null, its name as
    written). ``published``: staff chose to show it on the public performance page."""

    project_id: uuid.UUID
    catalogue: str | None
    name: Bilingual
    unit: Unit
    direction: Direction
    target: float | None
    published: bool


class MonthValue(msgspec.Struct, frozen=True, kw_only=True):
    """A measure's value for one month (``month``: its first day)."""

    month: dt.date
    value: float


class MeasureDefined(EventData, frozen=True, kw_only=True):
    """A project started tracking a measure."""

    type: ClassVar[str] = "portfolio.measure.defined"
    aggregate: ClassVar[str] = "measure"
    measure: MeasureSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MeasureChanged(EventData, frozen=True, kw_only=True):
    """A measure's name, target or publication was changed (``changed`` names the fields)."""

    type: ClassVar[str] = "portfolio.measure.changed"
    aggregate: ClassVar[str] = "measure"
    measure: MeasureSnapshot
    changed: list[str]
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MeasureValuesRecorded(EventData, frozen=True, kw_only=True):
    """Values of a measure were recorded for one or more months (a month recorded again is corrected)."""

    type: ClassVar[str] = "portfolio.measure.values_recorded"
    aggregate: ClassVar[str] = "measure"
    version: ClassVar[int] = 2
    measure: MeasureSnapshot
    values: list[MonthValue]
    """The months recorded by this change, in order, as they now stand."""
    latest: MonthValue | None
    """The measure's newest month after the change."""
    crossing: Crossing | None
    """How its newest value moved against the target (``reached`` it, or ``fell_back`` from it) since the
    newest value before the change; null when it did not cross it, or there is no target. Weeknotes say
    so. Until version 2 a boolean ``crossed_target``, true when it reached the target."""
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class MeasureRemoved(EventData, frozen=True, kw_only=True):
    """Staff removed a measure from its project (as it was when removed): it is no longer shown or
    counted anywhere, and its values are kept in history. ``reason`` says why, in English, Welsh or both."""

    type: ClassVar[str] = "portfolio.measure.removed"
    aggregate: ClassVar[str] = "measure"
    measure: MeasureSnapshot
    reason: Bilingual
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


FundingSource = Literal["cdps", "partner", "welsh_government", "other"]
FundingKind = Literal["project", "continuous_improvement"]


class FundingSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A funding record of a project as it stands after the event: ``amount_pence`` in pence (an
    integer: no rounding), for the months ``starts_on`` to ``ends_on`` (first days). ``published``:
    staff chose to make it public (nothing of funding is public otherwise)."""

    project_id: uuid.UUID
    source: FundingSource
    amount_pence: int
    starts_on: dt.date
    ends_on: dt.date
    kind: FundingKind
    published: bool


class FundingRecorded(EventData, frozen=True, kw_only=True):
    """Staff recorded funding for a project."""

    type: ClassVar[str] = "portfolio.funding.recorded"
    aggregate: ClassVar[str] = "funding"
    funding: FundingSnapshot
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class FundingChanged(EventData, frozen=True, kw_only=True):
    """A funding record was corrected or (un)published (``changed`` names the fields)."""

    type: ClassVar[str] = "portfolio.funding.changed"
    aggregate: ClassVar[str] = "funding"
    funding: FundingSnapshot
    changed: list[str]
    for_project: ProjectSnapshot
    """The project as it stood (not a project event: the project keeps its own sequence)."""


class WeeknotePublished(EventData, frozen=True, kw_only=True):
    """A week's weeknote was published (frozen): its text in both languages, as Markdown."""

    type: ClassVar[str] = "weeknotes.published"
    aggregate: ClassVar[str] = "weeknote"
    week: dt.date
    title_en: str
    title_cy: str
    summary_en: str
    summary_cy: str
    content_en: str
    content_cy: str


class Header(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an envelope says about its event except the event's own data."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: dt.datetime
    actor: Actor
    aggregate_id: uuid.UUID
    aggregate_seq: int
    partner_id: uuid.UUID | None


class Envelope(Header, frozen=True, kw_only=True):
    """One envelope for all events, encoded as JSON on the stream and stored in the outbox."""

    data: dict[str, Any]

    def payload(self) -> EventData:
        """The data as its typed Struct (read forward from an older version); raises ``UnknownEvent``
        for a type we do not know."""
        try:
            cls = CATALOGUE[self.type]
        except KeyError:
            raise UnknownEvent(self.type) from None
        return msgspec.convert(upcast(self.type, self.version, self.data)[1], cls)


class UnknownEvent(Exception):
    """An event type this code does not know (e.g. from a newer producer)."""


CATALOGUE: dict[str, type[EventData]] = {
    cls.type: cls
    for cls in (
        PartnerRegistered,
        PartnerUpdated,
        ProjectCreated,
        ProjectUpdated,
        ProjectPhaseChanged,
        ProjectHealthChanged,
        ProjectUpdatePosted,
        ProjectRoadmapPlaced,
        ProjectUpdateTranslated,
        ProjectPhaseReasonTranslated,
        ProjectGateReasonTranslated,
        EngagementRecorded,
        EngagementUpdated,
        EngagementEnded,
        CommentPosted,
        CommentEdited,
        CommentDeleted,
        SupportRequested,
        SupportTriaged,
        SupportNeedCorrected,
        SupportTranslated,
        PersonAdded,
        ContactAdded,
        ContactChanged,
        ContactRemoved,
        AssessmentDrafted,
        AssessmentSubmitted,
        AssessmentPublished,
        AssessmentTranslated,
        ActionAdded,
        ActionClosed,
        ActionTranslated,
        MilestoneAdded,
        MilestoneChanged,
        MilestoneCompleted,
        MilestoneRemoved,
        MeasureDefined,
        MeasureChanged,
        MeasureValuesRecorded,
        MeasureRemoved,
        FundingRecorded,
        FundingChanged,
        WeeknotePublished,
    )
}


_PROJECT_EVENTS = (ProjectCreated, ProjectUpdated, ProjectPhaseChanged, ProjectHealthChanged, ProjectUpdatePosted)
_BETA_SPLIT = frozenset(cls.type for cls in _PROJECT_EVENTS)
"""The project events whose version 2 knows private and public beta where version 1 had one beta."""

_FOR_PROJECT_EVENTS = (AssessmentDrafted, AssessmentSubmitted, AssessmentPublished, AssessmentTranslated, ActionAdded,
                       ActionClosed, ActionTranslated, MilestoneAdded, MilestoneChanged, MilestoneCompleted,
                       MilestoneRemoved)  # fmt: skip
"""(The translations of assessments and actions began at version 3; they are read as their siblings
are, so a snapshot of any version reads the same whichever event carries it.)"""
_BILINGUAL_SINCE: dict[str, tuple[int, tuple[str, ...]]] = {
    **{cls.type: (3, ()) for cls in _PROJECT_EVENTS},
    ProjectPhaseChanged.type: (3, ("reason", "gate_override_reason")),
    ProjectHealthChanged.type: (3, ("reason",)),
    **{cls.type: (2, ()) for cls in _FOR_PROJECT_EVENTS},
    SupportRequested.type: (2, ("need",)),
    SupportTriaged.type: (2, ("reason",)),
}
"""By event type: the version from which text people wrote is ``Bilingual`` (its project's health
reason, and the fields named) where it was one string, in whatever language it was typed in."""

_ASSESSMENT_TEXT_SINCE = 3
"""The version of the assessment and action events from which the text inside their snapshot is
``Bilingual``: an assessment's override reason, each rating's not-assessed reason and each panel
member's role; an action's dropped reason."""
_ASSESSMENT_EVENTS = frozenset(
    cls.type for cls in (AssessmentDrafted, AssessmentSubmitted, AssessmentPublished, AssessmentTranslated)
)
_ACTION_EVENTS = frozenset(cls.type for cls in (ActionAdded, ActionClosed, ActionTranslated))


def _upcast_assessment_text(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 of an assessment or action event read as version 3 (see :data:`_ASSESSMENT_TEXT_SINCE`)."""
    if event_type in _ACTION_EVENTS and isinstance(action := data.get("action"), dict):
        return {**data, "action": {**action, "reason": bilingual.upcast(action.get("reason"))}}
    if event_type in _ASSESSMENT_EVENTS and isinstance(assessment := data.get("assessment"), dict):
        panel = [{**m, "role": bilingual.upcast(m.get("role"))} for m in assessment.get("panel") or []]
        ratings = [{**r, "reason": bilingual.upcast(r.get("reason"))} for r in assessment.get("ratings") or []]
        override = bilingual.upcast(assessment.get("override_reason"))
        return {**data, "assessment": {**assessment, "panel": panel, "ratings": ratings, "override_reason": override}}
    return data


def _upcast_crossing(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 of ``portfolio.measure.values_recorded`` read as version 2: ``crossed_target`` told of a
    target reached only, so false reads as no crossing (a fall back was not recorded then)."""
    crossed = bool(data.get("crossed_target"))
    return {**{k: v for k, v in data.items() if k != "crossed_target"}, "crossing": "reached" if crossed else None}


def upcast(event_type: str, version: int, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """An event's data in the shape its type has now, with that version.

    Events are never rewritten where they are kept (the outbox, the stream): older ones are read
    forward here, each time they are read. Version 1 project events said ``beta``; every such
    project was in its first beta step, so ``beta`` reads as ``private_beta`` (a project that
    was really in public beta is moved on by a lead, and no gate is skipped by the guess). Text
    people wrote that was one string (a health or phase-change reason) becomes ``Bilingual``, the
    string in the language ``shared.language`` tells it is in (:data:`_BILINGUAL_SINCE`); so does the
    text nested in an assessment's or action's snapshot (:data:`_ASSESSMENT_TEXT_SINCE`). A measure's
    ``crossed_target`` became ``crossing`` (:func:`_upcast_crossing`).
    """
    if event_type in _BETA_SPLIT and version < 2:
        data = dict(data)
        for field in ("from_phase", "to_phase"):
            if data.get(field) == "beta":
                data[field] = "private_beta"
        project = data.get("project")
        if isinstance(project, dict) and project.get("phase") == "beta":
            data["project"] = {**project, "phase": "private_beta"}
        version = 2
    since, fields = _BILINGUAL_SINCE.get(event_type, (0, ()))
    if version < since:
        data = dict(data)
        for key in ("project", "for_project"):
            project = data.get(key)
            if isinstance(project, dict) and "health_reason" in project:
                data[key] = {**project, "health_reason": bilingual.upcast(project["health_reason"])}
        for field in fields:
            if field in data:
                data[field] = bilingual.upcast(data[field])
        version = since
    if (event_type in _ASSESSMENT_EVENTS or event_type in _ACTION_EVENTS) and version < _ASSESSMENT_TEXT_SINCE:
        data, version = _upcast_assessment_text(event_type, data), _ASSESSMENT_TEXT_SINCE
    if event_type == MeasureValuesRecorded.type and version < MeasureValuesRecorded.version:
        data, version = _upcast_crossing(data), MeasureValuesRecorded.version
    return version, data


def new_event_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so ids sort roughly by creation time in indexes and logs."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def make_envelope(
    data: EventData,
    *,
    actor: Actor,
    aggregate_id: uuid.UUID,
    aggregate_seq: int,
    partner_id: uuid.UUID | None,
    occurred_at: dt.datetime | None = None,
) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type=data.type,
        version=data.version,
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
        actor=actor,
        aggregate_id=aggregate_id,
        aggregate_seq=aggregate_seq,
        partner_id=partner_id,
        data=msgspec.to_builtins(data),
    )


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode(raw: bytes) -> Envelope:
    """An envelope from the stream, its data read forward to the type's current version."""
    envelope = _decoder.decode(raw)
    version, data = upcast(envelope.type, envelope.version, envelope.data)
    if version == envelope.version:
        return envelope
    return msgspec.structs.replace(envelope, version=version, data=data)


class _Undecoded(Header, frozen=True, kw_only=True):
    data: msgspec.Raw


_header_decoder = msgspec.json.Decoder(_Undecoded)
_payload_decoders = {name: msgspec.json.Decoder(cls) for name, cls in CATALOGUE.items()}


def decode_typed(raw: bytes) -> tuple[Header, EventData]:
    """The header and the typed data in one pass, for readers of many events (a rebuild): the data
    is decoded straight into its Struct, never into dictionaries first."""
    header = _header_decoder.decode(raw)
    decoder = _payload_decoders.get(header.type)
    if decoder is None:
        raise UnknownEvent(header.type)
    if header.version < CATALOGUE[header.type].version:  # an older shape: read forward through dictionaries
        version, data = upcast(header.type, header.version, msgspec.json.decode(header.data))
        return msgspec.structs.replace(header, version=version), msgspec.convert(data, CATALOGUE[header.type])
    return header, decoder.decode(header.data)
