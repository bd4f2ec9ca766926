"""Portfolio shapes (what the API accepts and returns) and small pure rules. No I/O here.

Phase rules live in ``phases.py``. Inputs are msgspec Structs that reject unknown fields, so a
typo in a field name is an error naming that field, never a silently ignored value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from shared.events import EngagementKind, Health, PartnerKind, Phase, State, Visibility
from shared.http import FieldError

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


class Partner(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    slug: str
    name_en: str
    name_cy: str
    kind: PartnerKind
    website: str | None
    active: bool
    version: int


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


class Project(msgspec.Struct, kw_only=True):
    id: uuid.UUID
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
    health_reason: str
    tags: list[str]
    visibility: Visibility
    start_date: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class Update(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    project_id: uuid.UUID
    posted_on: dt.date
    author_id: str
    body_en: str
    body_cy: str
    health: Health | None


class HistoryEntry(msgspec.Struct, kw_only=True):
    seq: int
    type: str
    occurred_at: dt.datetime
    actor_id: str
    actor_role: str
    data: dict[str, object]


class TimelineEntry(msgspec.Struct, kw_only=True):
    project_id: uuid.UUID
    seq: int
    type: str
    occurred_at: dt.datetime
    data: dict[str, object]


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


class SupportRequest(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    organisation: str
    contact_name: str
    contact_email: str
    language: str
    need: str
    urgency: str
    status: str
    reason: str
    engagement_id: uuid.UUID | None
    created_at: dt.datetime


class NewPerson(Input, kw_only=True):
    name: Name
    email: Email
    kind: Literal["lead", "partner_contact"]
    partner_id: uuid.UUID | None = None
    language: Language = "both"


class Person(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    email: str
    kind: str
    partner_id: uuid.UUID | None
    language: str


class Page(msgspec.Struct, kw_only=True):
    items: list[Project]
    next_cursor: str | None = None


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
