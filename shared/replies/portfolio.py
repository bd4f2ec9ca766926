"""What the portfolio's JSON API answers: the reply shapes, shared so that its clients (the web)
decode the same typed Structs the portfolio encodes.

A reply is a contract: a column added to a table is not in it until it is added here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec

from shared.bilingual import Bilingual
from shared.events import (
    ActionState,
    AssessmentKind,
    AssessmentSnapshot,
    ContactSnapshot,
    EngagementKind,
    FundingSnapshot,
    GateOutcome,
    Health,
    MeasureSnapshot,
    MonthValue,
    PartnerSnapshot,
    Phase,
    ProjectSnapshot,
    Rating,
    RoadmapColumn,
    State,
    TransitionKind,
)


class MissingText(msgspec.Struct, frozen=True, kw_only=True):
    """A text people wrote that exists in one language only: what it is, where, since when."""

    kind: Literal["project", "update", "phase_change", "support_request", "assessment", "action"]
    """A project's own field, one of its updates, one of its phase changes, a support request, an
    assessment (its own texts, a standard's, a panel member's role) or an assessment's action."""
    id: uuid.UUID
    """The project's, the update's, the support request's, the assessment's or the action's id, or
    the phase change's event id."""
    field: Literal[
        "title", "summary", "health_reason", "body", "reason", "need", "gate_override_reason", "override_reason",
        "evidence", "recommendations", "role", "text",
    ]  # fmt: skip
    part: int | None = None
    """An assessment's standard (its number) or panel member (their place, from 1) whose text it is."""
    text: Bilingual
    missing: Literal["cy", "en"]
    project_id: uuid.UUID | None
    """Null for a support request (it is no project's)."""
    project_slug: str
    project_title: Bilingual
    partner_id: uuid.UUID | None
    since: dt.datetime
    """When the text was last written (the project's last change, the update's posting, the phase
    change, the support request's sending, the assessment's last change, the action's closing or adding)."""
    organisation: str = ""
    """A support request's organisation, as its sender wrote it (a support request is no partner's)."""
    assessment_id: uuid.UUID | None = None
    """An assessment's text, or an action's: the assessment (whose report shows it)."""


class Partner(PartnerSnapshot, frozen=True, kw_only=True):
    """A partner organisation: what its events carry, its id and its version (for If-Match)."""

    id: uuid.UUID
    version: int


class AllowedAction(msgspec.Struct, frozen=True, kw_only=True):
    """A change of phase or state the rules allow the project now; ``to_phase`` names where an
    ``advance`` or ``go_back`` leads (null for the others)."""

    kind: TransitionKind
    to_phase: Phase | None = None


class LastChange(msgspec.Struct, frozen=True, kw_only=True):
    """The project's newest change: its event type (``portfolio.project.phase_changed``), for a
    phase change its kind (advance, pause, ...), and when it happened."""

    type: str
    kind: TransitionKind | None = None
    at: dt.datetime


class RoadmapPlacement(msgspec.Struct, frozen=True, kw_only=True):
    """Where a lead placed the project on the roadmap and why; it holds while the project has the
    phase and state it had then (``phase``, ``state``), after which the roadmap's rule places it again."""

    column: RoadmapColumn
    reason: Bilingual
    phase: Phase
    state: State
    placed_on: dt.date


class Project(ProjectSnapshot, frozen=True, kw_only=True):
    """A project: what its events carry, its id, its version (for If-Match) and what may be done next."""

    id: uuid.UUID
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    allowed_actions: list[AllowedAction]
    """The phase and state changes the rules allow now (a delivery lead makes them, with a reason
    where one is needed and a date no later than today)."""
    last_change: LastChange | None = None
    """What changed it last (one project's answer only: lists leave it out)."""
    roadmap_override: RoadmapPlacement | None = None
    """A lead's placement on the roadmap, if one was made (null: the roadmap's rule places it)."""


class Page(msgspec.Struct, kw_only=True):
    items: list[Project]
    next_cursor: str | None = None


class Milestone(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    project_id: uuid.UUID
    title_en: str
    title_cy: str
    target: str
    """As it was set: a month (2026-05) or a day (2026-05-14)."""
    target_on: dt.date
    """The day, or the first of the month."""
    precision: Literal["month", "day"]
    done: bool
    done_on: dt.date | None
    gate: Phase | None
    """The phase whose gate it prepares (e.g. private_beta: ready for the beta assessment)."""
    overdue: bool
    """Not done, and its day (or month) is past."""
    version: int


class Update(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    project_id: uuid.UUID
    posted_on: dt.date
    author_id: str
    body_en: str
    body_cy: str
    health: Health | None


class HistoryEntry(msgspec.Struct, kw_only=True):
    """One event of a record's audit trail, with who caused it."""

    seq: int
    type: str
    occurred_at: dt.datetime
    actor_id: str
    actor_role: str
    data: dict[str, object]


class TimelineEntry(msgspec.Struct, kw_only=True):
    """A project's creation or phase change, without who made it (for charts)."""

    project_id: uuid.UUID
    seq: int
    type: str
    occurred_at: dt.datetime
    data: dict[str, object]


class Engagement(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    partner_id: uuid.UUID
    project_id: uuid.UUID | None
    kind: EngagementKind
    summary_en: str
    summary_cy: str
    started_on: dt.date
    ended_on: dt.date | None
    contacts: list[uuid.UUID]
    version: int = 1


class SupportReceipt(msgspec.Struct, kw_only=True):
    """The answer to the public support form: a reference and nothing else."""

    id: uuid.UUID


class SupportRequest(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    organisation: str
    contact_name: str
    contact_email: str
    language: str
    """The language the requester wants replies in."""
    need: Bilingual
    """In the language it was written in (said, or told from the text)."""
    urgency: str
    status: str
    reason: Bilingual
    engagement_id: uuid.UUID | None
    created_at: dt.datetime
    version: int


class Person(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    kind: str
    partner_id: uuid.UUID | None
    language: str


class Contact(ContactSnapshot, frozen=True, kw_only=True):
    """Someone at a partner organisation CDPS keeps in touch with: staff only, never public, never
    searchable, never in a feed. Their ``language`` is used for every email sent to them."""

    id: uuid.UUID
    email: str
    version: int


CONTACTS_SUBJECT = "contacts.emailable"
"""Core NATS request/reply: the notifier asks the portfolio for the addresses of a partner's contacts
who get project emails (addresses never travel in the stream, which is kept for ever). Outside the
stream's subjects (``portfolio.>``), so JetStream never stores nor answers such a request."""


class ContactsQuery(msgspec.Struct, frozen=True, kw_only=True):
    partner_id: uuid.UUID


class EmailContact(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    language: Literal["cy", "en", "both"]


class ContactsAnswer(msgspec.Struct, frozen=True, kw_only=True):
    contacts: list[EmailContact]


class LeadName(msgspec.Struct, kw_only=True):
    id: str
    """As projects' ``lead_id`` and events' ``actor_id`` hold it."""
    name: str


class ImportResult(msgspec.Struct, kw_only=True):
    created: int


class Assessment(AssessmentSnapshot, frozen=True, kw_only=True):
    """An assessment in full: for staff, and for the project's partner (its self-assessments, and
    whatever is published)."""

    id: uuid.UUID
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None
    one_language: dict[int, Literal["en", "cy"]]
    """Standards whose evidence and recommendations exist in one language only, and which one."""


class StandardOutcome(msgspec.Struct, frozen=True, kw_only=True):
    standard: int
    rating: Rating | None


class AssessmentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A published assessment as anyone who may see its project reads it: the outcome per standard,
    without the panel's names, evidence or recommendations."""

    id: uuid.UUID
    project_id: uuid.UUID
    from_phase: Phase
    to_phase: Phase
    kind: AssessmentKind
    held_on: dt.date
    standards_version: str
    outcome: GateOutcome | None
    ratings: list[StandardOutcome]
    summary_en: str
    summary_cy: str
    published_at: dt.datetime | None


class Action(msgspec.Struct, frozen=True, kw_only=True):
    """An action that follows a recommendation of a published assessment."""

    id: uuid.UUID
    version: int
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    standard: int
    text_en: str
    text_cy: str
    owner: str
    due_on: dt.date
    state: ActionState
    reason: Bilingual
    """Why it was dropped, in English, Welsh or both."""
    created_at: dt.datetime
    closed_at: dt.datetime | None
    overdue: bool
    """Open and due before today."""


class Measure(MeasureSnapshot, frozen=True, kw_only=True):
    """A measure a project tracks, with its monthly values (oldest first)."""

    id: uuid.UUID
    version: int
    values: list[MonthValue]
    met: bool | None
    """Whether its newest value meets the target (null: no target, or no value yet)."""
    trend: Literal["better", "worse", "same"] | None
    """How its newest value compares with the month before, by its direction (null: fewer than two)."""


class MeasureImportResult(msgspec.Struct, kw_only=True):
    recorded: int
    """How many values were recorded (a month recorded again counts once, corrected)."""


class Comment(msgspec.Struct, kw_only=True):
    """One comment of a project's conversation. A deleted one keeps its place, without its text."""

    id: uuid.UUID
    project_id: uuid.UUID
    author_id: str
    author_role: str
    internal: bool
    body: Bilingual
    created_at: dt.datetime
    edited_at: dt.datetime | None
    deleted_at: dt.datetime | None
    version: int
    editable_until: dt.datetime
    """Until when its author may still change it."""


class FinancialYearShare(msgspec.Struct, frozen=True, kw_only=True):
    """The part of a funding record's amount that falls in one financial year (1 April to 31 March,
    written "2025-26"): the amount spread over the record's period pro rata by days, in pence; a
    record's parts always add up to its amount exactly."""

    financial_year: str
    """Like "2025-26": the year from 1 April 2025 to 31 March 2026."""
    days: int
    """How many of the period's days fall in this financial year."""
    amount_pence: int


class Funding(FundingSnapshot, frozen=True, kw_only=True):
    """A funding record: its amount also in pounds as text ("12500.00"), its id and version (If-Match),
    and its amount spread over the financial years its period covers, oldest first."""

    id: uuid.UUID
    version: int
    amount: str
    by_financial_year: list[FinancialYearShare]
