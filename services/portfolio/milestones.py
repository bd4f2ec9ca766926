"""Milestones: what a project aims to reach by a month or a day, optionally preparing a phase's gate
("ready for beta assessment"). Pure: the inputs, their rules, and when a milestone is overdue."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio.domain import Input, Title
from shared.events import MilestoneSnapshot
from shared.http import FieldError
from shared.replies.portfolio import Milestone

Gate = Literal["alpha", "private_beta", "public_beta", "live"]
"""The phases a project passes a gate to reach."""
Target = Annotated[str, msgspec.Meta(max_length=10, pattern=r"^[0-9]{4}-[0-9]{2}(?:-[0-9]{2})?$")]
"""A month (2026-05) or a day (2026-05-14)."""


class NewMilestone(Input, kw_only=True):
    title_en: Title
    title_cy: Title
    target: Target
    gate: Gate | None = None


class MilestoneChanges(Input, kw_only=True):
    title_en: Title | UnsetType = UNSET
    title_cy: Title | UnsetType = UNSET
    target: Target | UnsetType = UNSET
    gate: Gate | UnsetType | None = UNSET


_BAD_TARGET = ("Enter a real month (like 2026-05) or day (like 2026-05-14)",
               "Rhowch fis go iawn (fel 2026-05) neu ddiwrnod go iawn (fel 2026-05-14)")  # fmt: skip


def parse_target(text: str) -> tuple[dt.date, Literal["month", "day"]] | None:
    """(the day, or the first of the month; its precision), or None for a month or day that does not exist."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
            return dt.date.fromisoformat(f"{text}-01"), "month"
        return dt.date.fromisoformat(text), "day"
    except ValueError:
        return None


def target_errors(target: str | UnsetType) -> list[FieldError]:
    if isinstance(target, str) and parse_target(target) is None:
        return [FieldError("target", *_BAD_TARGET)]
    return []


def target_text(snapshot: MilestoneSnapshot) -> str:
    on = snapshot.target_on
    return f"{on.year:04d}-{on.month:02d}" if snapshot.precision == "month" else on.isoformat()


def deadline(snapshot: MilestoneSnapshot) -> dt.date:
    """The last day it may be reached on: its day, or the last day of its month."""
    on = snapshot.target_on
    if snapshot.precision == "day":
        return on
    return on.replace(day=calendar.monthrange(on.year, on.month)[1])


def is_overdue(snapshot: MilestoneSnapshot, today: dt.date) -> bool:
    return not snapshot.done and deadline(snapshot) < today


def reply(milestone_id: uuid.UUID, snapshot: MilestoneSnapshot, version: int, today: dt.date) -> Milestone:
    return Milestone(
        id=milestone_id, project_id=snapshot.project_id, title_en=snapshot.title_en, title_cy=snapshot.title_cy,
        target=target_text(snapshot), target_on=snapshot.target_on, precision=snapshot.precision, done=snapshot.done,
        done_on=snapshot.done_on, gate=snapshot.gate, overdue=is_overdue(snapshot, today), version=version,
    )  # fmt: skip
