"""The notifier's consumer applies a fetched batch in a few statements whatever its size (issue 25:
live lag stays flat up to the target rate), and records exactly what applying the events one at a
time records: deliveries, digest items, notices, what it keeps of projects, the weeks' events."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.notifier.app import MIGRATIONS
from services.notifier.consumer import apply_batch, apply_event
from shared.bilingual import Bilingual
from shared.events import Actor, Envelope, ProjectHealthChanged, ProjectUpdatePosted, make_envelope
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings
from tests.helpers import callbacks_run, project_created, snapshot

LEAD = Actor(id="lead-1", role="lead")
TABLES = ("deliveries", "digest_items", "notices", "targets", "week_events")


@pytest.fixture
async def notifier(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("notifier", settings, MIGRATIONS)
    yield runtime
    await stop_runtime(runtime, [])


def history(partner: uuid.UUID, projects: list[uuid.UUID], count: int) -> list[Envelope]:
    """Projects created, then their health changes and updates in a shuffled order of projects."""
    rng = random.Random(25)
    seqs = dict.fromkeys(projects, 1)
    visibility = {p: ("partner" if i % 3 == 0 else "public") for i, p in enumerate(projects)}
    found = [project_created(p, 1, partner_id=partner, visibility=visibility[p]) for p in projects]
    for n in range(count):
        project_id = rng.choice(projects)
        seqs[project_id] += 1
        now = snapshot(partner_id=partner, visibility=visibility[project_id], title_en=f"Title {n}",
                       health="amber" if n % 2 else "green", health_reason=Bilingual(en="Waiting" if n % 2 else ""))  # fmt: skip
        data: Any = (
            ProjectHealthChanged(project=now, from_health="green", to_health=now.health, reason=now.health_reason)
            if n % 3
            else ProjectUpdatePosted(project=now, update_id=uuid.uuid4(), posted_on=dt.date(2026, 12, 2),
                                     body_en="News", body_cy="Newyddion")
        )  # fmt: skip
        found.append(make_envelope(data, actor=LEAD, aggregate_id=project_id, aggregate_seq=seqs[project_id],
                                   partner_id=partner))  # fmt: skip
    return found


async def follow(runtime: Runtime, partner: uuid.UUID, projects: list[uuid.UUID]) -> None:
    rows = [
        ("all@example.org", "portfolio", None, "immediate", "public", None),
        ("partner@example.org", "partner", partner, "immediate", "partner", partner),
        ("weekly@example.org", "project", projects[0], "weekly", "staff", None),
        ("one@example.org", "project", projects[1], "immediate", "public", None),
    ]
    for email, kind, target, rhythm, audience, partner_id in rows:
        await runtime.pool.execute(
            """INSERT INTO subscriptions (id, email, target_kind, target_id, rhythm, audience, partner_id, confirmed)
               VALUES ($1, $2, $3, $4, $5, $6, $7, true)""",
            uuid.uuid4(), email, kind, target, rhythm, audience, partner_id,
        )  # fmt: skip


async def recorded(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "deliveries": "SELECT event_id, recipient, template, language FROM deliveries",
        "digest_items": "SELECT subscription_id, event_id FROM digest_items",
        "notices": "SELECT id, type FROM notices",
        "targets": "SELECT kind, id, seq, name_en, visibility FROM targets",
        "week_events": "SELECT event_id, week, type, aggregate_id FROM week_events",
    }
    return {name: sorted(tuple(r) for r in await runtime.pool.fetch(sql)) for name, sql in queries.items()}


async def test_a_batch_records_what_one_event_at_a_time_records(notifier: Runtime) -> None:
    partner, projects = uuid.uuid4(), [uuid.uuid4() for _ in range(6)]
    await follow(notifier, partner, projects)
    events = history(partner, projects, 120)
    async with notifier.pool.acquire() as conn, conn.transaction():
        for envelope in events:
            await apply_event(conn, envelope)
    one_at_a_time = await recorded(notifier)
    assert one_at_a_time["deliveries"] and one_at_a_time["digest_items"], "the history reaches followers"
    await notifier.pool.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    async with notifier.pool.acquire() as conn:
        for start in range(0, len(events), 50):  # batches that cut one project's events apart
            async with conn.transaction():
                await apply_batch(conn, events[start : start + 50])
    assert await recorded(notifier) == one_at_a_time
    async with notifier.pool.acquire() as conn, conn.transaction():
        await apply_batch(conn, events)  # redelivered: nothing new
    assert await recorded(notifier) == one_at_a_time


async def test_a_batch_without_followers_is_three_statements_whatever_its_size(notifier: Runtime) -> None:
    partner, projects = uuid.uuid4(), [uuid.uuid4() for _ in range(20)]
    statements: list[str] = []
    async with notifier.pool.acquire() as conn:
        conn.add_query_logger(lambda record: statements.append(record.query))
        for size in (5, 10, 300):  # the first also lets asyncpg learn the array types
            statements.clear()
            async with conn.transaction():
                await apply_batch(conn, history(partner, projects, size))
            await callbacks_run()  # asyncpg calls query loggers soon after the query, not at once
            written = [s for s in statements if s not in ("BEGIN;", "COMMIT;")]
            if size > 5:
                assert len(written) == 3, written  # targets, week events, followers
