"""ISO weeks in Europe/London. Pure: instants in, dates and instants out.

A week runs Monday 00:00 to the next Monday 00:00 London time, so its length in UTC is 167 or
169 hours in the weeks the clocks change. Everything is computed with zoneinfo, never by adding
fixed offsets.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

LONDON = ZoneInfo("Europe/London")


class Schedule(msgspec.Struct, frozen=True, kw_only=True):
    """When a week's weeknote is published: default Friday 16:00 London time."""

    weekday: int = 4  # Monday is 0
    hour: int = 16
    minute: int = 0


def week_of(instant: dt.datetime) -> dt.date:
    """The Monday (London date) of the ISO week containing ``instant``."""
    local = instant.astimezone(LONDON).date()
    return local - dt.timedelta(days=local.weekday())


def publish_at(week: dt.date, schedule: Schedule) -> dt.datetime:
    local = dt.datetime.combine(
        week + dt.timedelta(days=schedule.weekday), dt.time(schedule.hour, schedule.minute), LONDON
    )
    return local.astimezone(dt.UTC)


def weeks_due(first_week: dt.date, now: dt.datetime, schedule: Schedule) -> list[dt.date]:
    """Every week from ``first_week`` whose publication time has passed by ``now``."""
    weeks = []
    week = first_week
    while publish_at(week, schedule) <= now:
        weeks.append(week)
        week += dt.timedelta(days=7)
    return weeks


def iso_label(week: dt.date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def daily_moment(now: dt.datetime, hour: int) -> dt.datetime:
    """The latest daily digest moment by ``now``: ``hour``:00 London time, today or yesterday.

    On the day the clocks go forward an hour that does not exist (01:00) is read with the offset
    before the change; on the day they go back, the first of the two; either way once a day."""
    today = now.astimezone(LONDON).date()
    moment = dt.datetime.combine(today, dt.time(hour), LONDON).astimezone(dt.UTC)
    if moment > now:
        moment = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(hour), LONDON).astimezone(dt.UTC)
    return moment
