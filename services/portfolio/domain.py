"""Portfolio rules and the shapes the API accepts and returns. Pure: no I/O here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from shared.events import Health, Phase, Visibility

PHASES: tuple[Phase, ...] = ("discovery", "alpha", "beta", "live", "retired")

CHALLENGE_AREAS = (
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
)
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

Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Summary = Annotated[str, msgspec.Meta(max_length=4000)]


class NewProject(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a delivery lead sends to start tracking a project."""

    slug: Slug
    title_en: Title
    title_cy: Title
    summary_en: Summary = ""
    summary_cy: Summary = ""
    partner_id: uuid.UUID | None = None
    phase: Phase = "discovery"
    health: Health = "green"
    visibility: Visibility = "public"
    tags: Annotated[list[Tag], msgspec.Meta(max_length=10)] = []
    start_date: dt.date | None = None


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
    state: str
    health: Health
    health_reason: str
    tags: list[str]
    visibility: Visibility
    start_date: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class Page(msgspec.Struct, kw_only=True):
    items: list[Project]
    next_cursor: str | None = None
