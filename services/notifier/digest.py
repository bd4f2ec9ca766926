"""Daily and weekly digests: events a digest follower may see are kept as digest items by the
consumer; at the digest's moment each follower's waiting items become one delivery, and a follower
with nothing waiting gets nothing. Weekly digests go out when the week's weeknote is published (the
weeknotes job, see app.py), so the digest and the weeknote go together; daily ones at the hour the
installation sets (``CDPS_DAILY_DIGEST_HOUR``, London time), by the daily-digests job.

Safe with replicas and restarts, so each digest goes out exactly once: a digest's id is derived from
its subscription and its moment, (event id, recipient) is unique, a replica skips a follower another
is digesting (SKIP LOCKED), and an item belongs to the first digest that took it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

import asyncpg

from services.notifier import store
from services.notifier.domain import DAILY_DIGEST, DAILY_DIGEST_TYPE, DIGEST, DIGEST_TYPE
from services.notifier.weeknotes.calendar import Schedule, daily_moment, publish_at
from services.notifier.weeknotes.scheduler import Clock, utc_now
from shared.supervision import DEPENDENCY_ERRORS, Health, pause

if TYPE_CHECKING:
    from shared.db import Conn

_DIGEST_IDS = uuid.UUID("6f1c2a4e-4b1d-4c55-9a57-0d6c6e0f3a11")
Digested = Literal["daily", "weekly"]
# (template, delivery type, the period a digest covers at least)
_KINDS = {"weekly": (DIGEST, DIGEST_TYPE, dt.timedelta(days=7)),
          "daily": (DAILY_DIGEST, DAILY_DIGEST_TYPE, dt.timedelta(days=1))}  # fmt: skip


async def make_digests(
    pool: asyncpg.Pool, moment: dt.datetime, rhythm: Digested = "weekly", *, weeknote: dt.date | None = None
) -> int:
    """Each ``rhythm`` follower's items from before ``moment`` become one digest; returns how many.
    ``weeknote``: the week whose weeknote was just published, which weekly digests link to."""
    made = 0
    async with pool.acquire() as conn:
        due = await conn.fetch(
            """SELECT DISTINCT i.subscription_id FROM digest_items i JOIN subscriptions s ON s.id = i.subscription_id
               WHERE i.digest_id IS NULL AND i.created_at < $1 AND s.rhythm = $2""",
            moment, rhythm,
        )  # fmt: skip
        for row in due:
            async with conn.transaction():
                made += await _digest(conn, row["subscription_id"], moment, rhythm, weeknote)
    return made


async def _digest(
    conn: Conn, subscription_id: uuid.UUID, moment: dt.datetime, rhythm: Digested, weeknote: dt.date | None
) -> int:
    # SKIP LOCKED: another replica making this digest right now will finish it.
    sub = await conn.fetchrow(
        "SELECT * FROM subscriptions WHERE id = $1 AND confirmed AND rhythm = $2 FOR UPDATE SKIP LOCKED",
        subscription_id, rhythm,
    )  # fmt: skip
    if sub is None:
        return 0
    items = await conn.fetch(
        """SELECT i.created_at, n.payload FROM digest_items i JOIN notices n ON n.id = i.event_id
           WHERE i.subscription_id = $1 AND i.digest_id IS NULL AND i.created_at < $2 ORDER BY i.created_at""",
        subscription_id, moment,
    )  # fmt: skip
    if not items:
        return 0
    template, notice_type, period = _KINDS[rhythm]
    # Weekly digests' ids are named as they always were, so a digest made before an upgrade is not made again.
    name = f"{subscription_id}/{moment.isoformat()}"
    digest_id = uuid.uuid5(_DIGEST_IDS, name if rhythm == "weekly" else f"daily/{name}")
    start = min(items[0]["created_at"], moment - period)
    payload = {
        "period_start": start.date().isoformat(),
        "period_end": moment.date().isoformat(),
        "target_kind": sub["target_kind"],
        "target_names": await store.names_of(
            conn, sub["target_kind"], sub["target_id"], public_only=sub["audience"] == "public"
        ),
        "items": [item["payload"] for item in items],
        "weeknote": weeknote.isoformat() if weeknote else None,
    }
    await store.add_notice(conn, digest_id, notice_type, payload)
    await store.add_delivery(
        conn, event_id=digest_id, event_type=notice_type, template=template, recipient=sub["email"],
        language=sub["language"], subscription_id=subscription_id,
    )  # fmt: skip
    await conn.execute(
        """UPDATE digest_items SET digest_id = $1
           WHERE subscription_id = $2 AND digest_id IS NULL AND created_at < $3""",
        digest_id, subscription_id, moment,
    )  # fmt: skip
    return 1


def digests_with_weeknote(pool: asyncpg.Pool, schedule: Schedule) -> Callable[[dt.date], Awaitable[int]]:
    """What to do when a week's weeknote is published: the weekly digests of that week go out."""

    async def send(week: dt.date) -> int:
        return await make_digests(pool, publish_at(week, schedule), weeknote=week)

    return send


async def run_daily_digests(
    pool: asyncpg.Pool, stop: asyncio.Event, *, hour: int, clock: Clock = utc_now, every: float = 30.0,
    health: Health | None = None,
) -> None:  # fmt: skip
    """Every ``every`` seconds, the digests of the latest daily moment: after the first run past a
    moment there is nothing left to digest, so a later run (or another replica's) sends nothing."""
    health = health or Health("daily_digests")
    while not stop.is_set():
        try:
            await make_digests(pool, daily_moment(clock(), hour), "daily")
        except DEPENDENCY_ERRORS as exc:
            await pause(stop, health.failed(exc))
            continue
        health.progress()
        await pause(stop, every)
