"""Publishes each week's weeknote at its scheduled time, and any week missed while down."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import asyncpg

from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import Schedule, weeks_due
from shared.logs import get_logger
from shared.supervision import DEPENDENCY_ERRORS, Health, pause

log = get_logger(__name__)

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


OnPublished = Callable[[dt.date], Awaitable[object]]


async def _nothing(week: dt.date) -> None:
    return None


async def publish_due(
    pool: asyncpg.Pool,
    schedule: Schedule,
    now: dt.datetime,
    on_published: OnPublished = _nothing,
    *,
    web_base: str,
    hold_for_welsh: bool = False,
) -> list[dt.date]:
    """Publish every week that is due and not yet published (with ``hold_for_welsh``, only once its
    text has its Welsh); returns the weeks this call published."""
    async with pool.acquire() as conn:
        first = await store.first_week(conn)
        if first is None:
            return []
        done = await store.published_weeks(conn)
        published = []
        for week in weeks_due(first, now, schedule):
            if week not in done and await store.publish(conn, week, web_base=web_base, hold_for_welsh=hold_for_welsh):
                published.append(week)
                log.info("weeknote published", week=week.isoformat())
                await on_published(week)
        return published


async def run_scheduler(
    pool: asyncpg.Pool,
    stop: asyncio.Event,
    *,
    schedule: Schedule,
    web_base: str,
    clock: Clock = utc_now,
    every: float = 30.0,
    on_published: OnPublished = _nothing,
    health: Health | None = None,
    hold_for_welsh: bool = False,
) -> None:
    health = health or Health("weeknotes")
    while not stop.is_set():
        try:
            await publish_due(pool, schedule, clock(), on_published, web_base=web_base, hold_for_welsh=hold_for_welsh)
        except DEPENDENCY_ERRORS as exc:
            await pause(stop, health.failed(exc))
            continue
        health.progress()
        await pause(stop, every)
