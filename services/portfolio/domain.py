"""Portfolio shapes (what the API accepts, what the store holds) and small pure rules. No I/O here.

Phase rules live in ``phases.py``; the reply shapes are contracts shared with the API's clients
(``shared/replies/portfolio.py``). Inputs are msgspec Structs that reject unknown fields, so a typo
in a field name is an error naming that field, never a silently ignored value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio import phases
from shared.events import EngagementKind, Health, PartnerKind, Phase, ProjectSnapshot, State, Visibility
from shared.http import FieldError
from shared.replies.portfolio import Project

Tag = Literal[
    "skills-and-staffing",
    "shared-platforms",
    "cloud",
    "content",
    "forms",
    "agile-working",
    "procurement",
    "shared-functionality",
    "funding-and-measuring",
    "cyber-and-net-zero",
]

# PostgreSQL text cannot hold U+0000, so no text field accepts it: a NUL is a 422 naming the field
# (and the OpenAPI document says so), never a 500 from the database. The patterns stay linear.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^\s*[^\s\x00][^\x00]*$"
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NOT_BLANK)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NOT_BLANK)]
Summary = Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_NUL)]
Body = Annotated[str, msgspec.Meta(max_length=10000, pattern=NO_NUL)]
Reason = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Need = Annotated[str, msgspec.Meta(min_length=10, max_length=5000, pattern=NO_NUL)]
LeadId = Annotated[str, msgspec.Meta(max_length=100, pattern=NO_NUL)]
Url = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://[^\s\x00/$.?#][^\s\x00]*$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=10)]
Language = Literal["cy", "en", "both"]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body."""


# Partners ---------------------------------------------------------------------------------------


class NewPartner(Input, kw_only=True):
    slug: Slug
    name_en: Name
    name_cy: Name
    kind: PartnerKind
    website: Url | None = None
    active: bool = True


class PartnerChanges(Input, kw_only=True):
    name_en: Name | UnsetType = UNSET
    name_cy: Name | UnsetType = UNSET
    kind: PartnerKind | UnsetType = UNSET
    website: Url | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


# Projects ---------------------------------------------------------------------------------------


class NewProject(Input, kw_only=True):
    """What a delivery lead sends to start tracking a project."""

    slug: Slug
    title_en: Title
    title_cy: Title
    summary_en: Summary = ""
    summary_cy: Summary = ""
    partner_id: uuid.UUID | None = None
    lead_id: LeadId | None = None
    phase: Phase = "discovery"
    health: Health = "green"
    health_reason: Reason = ""
    visibility: Visibility = "public"
    tags: Tags = []
    start_date: dt.date | None = None


class ProjectChanges(Input, kw_only=True):
    """Descriptive fields a lead may edit. Phase and health have their own endpoints and rules."""

    title_en: Title | UnsetType = UNSET
    title_cy: Title | UnsetType = UNSET
    summary_en: Summary | UnsetType = UNSET
    summary_cy: Summary | UnsetType = UNSET
    partner_id: uuid.UUID | UnsetType | None = UNSET
    lead_id: LeadId | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    start_date: dt.date | UnsetType | None = UNSET


class HealthChange(Input, kw_only=True):
    health: Health
    reason: Reason


class NewUpdate(Input, kw_only=True):
    body_en: Body
    body_cy: Body
    posted_on: dt.date | None = None
    health: Health | None = None
    health_reason: Reason = ""


class ProjectRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A project as stored: what its events carry (``snapshot``) and the store's bookkeeping."""

    id: uuid.UUID
    snapshot: ProjectSnapshot
    version: int
    """The project's event sequence: each change adds one, so an event's ``aggregate_seq`` is the new version."""
    created_at: dt.datetime
    updated_at: dt.datetime


def status_of(project: ProjectRecord) -> phases.ProjectStatus:
    """What the phase rules need to know about a project."""
    now = project.snapshot
    return phases.ProjectStatus(phase=now.phase, state=now.state, start_date=now.start_date)


def project_reply(project: ProjectRecord) -> Project:
    """What the API answers about a project: its fields and the actions the phase rules allow now."""
    return Project(
        id=project.id, version=project.version, created_at=project.created_at, updated_at=project.updated_at,
        allowed_actions=phases.allowed_actions(status_of(project)), **msgspec.structs.asdict(project.snapshot),
    )  # fmt: skip


class ProjectFilters(msgspec.Struct, kw_only=True):
    partner: uuid.UUID | None = None
    phase: Phase | None = None
    state: State | None = None
    health: Health | None = None
    tag: Tag | None = None
    lead: str | None = None


# Engagements, support requests, people ---------------------------------------------------------


class NewEngagement(Input, kw_only=True):
    partner_id: uuid.UUID
    kind: EngagementKind
    summary_en: Summary
    summary_cy: Summary
    started_on: dt.date
    ended_on: dt.date | None = None
    project_id: uuid.UUID | None = None
    contacts: Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)] = []


class NewSupportRequest(Input, kw_only=True):
    """The public form that replaces the PDF."""

    organisation: Name
    contact_name: Name
    contact_email: Email
    language: Literal["cy", "en"] = "cy"
    need: Need
    urgency: Literal["low", "medium", "high"] = "medium"


class Triage(Input, kw_only=True):
    outcome: Literal["accepted", "declined"]
    reason: Reason = ""
    engagement: NewEngagement | None = None


class NewPerson(Input, kw_only=True):
    name: Name
    email: Email
    kind: Literal["lead", "partner_contact"]
    partner_id: uuid.UUID | None = None
    language: Language = "both"


def changed_fields(before: dict[str, object], changes: msgspec.Struct) -> dict[str, object]:
    """The fields of ``changes`` that were given (null clears a field) and differ from ``before``."""
    given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not UNSET}
    return {k: v for k, v in given.items() if before.get(k) != v}


def engagement_errors(engagement: NewEngagement, prefix: str = "") -> list[FieldError]:
    """Rules a Struct cannot express: an engagement does not end before it starts."""
    if engagement.ended_on is not None and engagement.ended_on < engagement.started_on:
        return [FieldError(f"{prefix}ended_on", "The end date must not be before the start date",
                           "Ni all y dyddiad gorffen fod cyn y dyddiad dechrau")]  # fmt: skip
    return []
