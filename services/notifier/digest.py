"""Weekly digests: events a weekly follower may see are kept as digest items by the consumer; when
a week's weeknote is published (the weeknotes job, see app.py), each follower's waiting items
become one delivery, so the digest and the weeknote go out together. Safe with replicas and
restarts: a digest's id is derived from its subscription and the week's publication moment, and
(event id, recipient) is unique."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg

from services.notifier import store
from services.notifier.domain import DIGEST, DIGEST_TYPE
from services.notifier.weeknotes.calendar import Schedule, publish_at

if TYPE_CHECKING:
    from shared.db import Conn

_DIGEST_IDS = uuid.UUID("6f1c2a4e-4b1d-4c55-9a57-0d6c6e0f3a11")


async def make_digests(pool: asyncpg.Pool, moment: dt.datetime) -> int:
    """Each weekly follower's items from before ``moment`` become one digest; returns how many."""
    made = 0
    async with pool.acquire() as conn:
        due = await conn.fetch(
            "SELECT DISTINCT subscription_id FROM digest_items WHERE digest_id IS NULL AND created_at < $1", moment
        )
        for row in due:
            async with conn.transaction():
                made += await _digest(conn, row["subscription_id"], moment)
    return made


async def _digest(conn: Conn, subscription_id: uuid.UUID, moment: dt.datetime) -> int:
    # SKIP LOCKED: another replica making this digest right now will finish it.
    sub = await conn.fetchrow(
        "SELECT * FROM subscriptions WHERE id = $1 AND confirmed FOR UPDATE SKIP LOCKED", subscription_id
    )
    if sub is None:
        return 0
    items = await conn.fetch(
        """SELECT i.created_at, n.payload FROM digest_items i JOIN notices n ON n.id = i.event_id
           WHERE i.subscription_id = $1 AND i.digest_id IS NULL AND i.created_at < $2 ORDER BY i.created_at""",
        subscription_id, moment,
    )  # fmt: skip
    if not items:
        return 0
    digest_id = uuid.uuid5(_DIGEST_IDS, f"{subscription_id}/{moment.isoformat()}")
    start = min(items[0]["created_at"], moment - dt.timedelta(days=7))
    payload = {
        "period_start": start.date().isoformat(),
        "period_end": moment.date().isoformat(),
        "target_kind": sub["target_kind"],
        "target_names": await store.names_of(
            conn, sub["target_kind"], sub["target_id"], public_only=sub["audience"] == "public"
        ),
        "items": [item["payload"] for item in items],
    }
    await store.add_notice(conn, digest_id, DIGEST_TYPE, payload)
    await store.add_delivery(
        conn, event_id=digest_id, event_type=DIGEST_TYPE, template=DIGEST, recipient=sub["email"],
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
        return await make_digests(pool, publish_at(week, schedule))

    return send
