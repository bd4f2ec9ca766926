"""The transactional outbox: an event is stored with its row or not at all, and the relay
publishes every committed event exactly once, in order per aggregate."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest

from services.portfolio import commands, store
from services.portfolio.app import MIGRATIONS
from services.portfolio.domain import NewProject
from shared import outbox
from shared.events import Actor, Envelope
from shared.outbox import Relay
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings
from tests.helpers import eventually, project_created, stream_events

LEAD = Actor(id="lead-1", role="lead")


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("portfolio", settings, MIGRATIONS)
    yield runtime
    await stop_runtime(runtime, [])


def project(slug: str) -> NewProject:
    return NewProject(slug=slug, title_en=f"Title {slug}", title_cy=f"Teitl {slug}")


def event_for(aggregate_id: uuid.UUID, seq: int) -> Envelope:
    return project_created(aggregate_id, seq, slug=f"p-{seq}")


async def test_creating_a_project_stores_the_row_and_one_event_with_the_actor(runtime: Runtime) -> None:
    async with runtime.pool.acquire() as conn:
        created, position = await commands.create_project(conn, LEAD, project("one"))
    events = await runtime.pool.fetch("SELECT * FROM events")
    assert len(events) == 1
    assert events[0]["position"] == position
    assert (events[0]["aggregate_id"], events[0]["aggregate_seq"]) == (created.id, 1)
    assert (events[0]["actor_id"], events[0]["actor_role"]) == ("lead-1", "lead")
    assert events[0]["type"] == "portfolio.project.created"


async def test_a_failed_write_leaves_neither_row_nor_event(runtime: Runtime) -> None:
    async with runtime.pool.acquire() as conn:
        await commands.create_project(conn, LEAD, project("taken"))
        with pytest.raises(store.SlugTaken):
            await commands.create_project(conn, LEAD, project("taken"))
    assert await runtime.pool.fetchval("SELECT count(*) FROM projects") == 1
    assert await runtime.pool.fetchval("SELECT count(*) FROM events") == 1


async def test_an_event_appended_in_a_rolled_back_transaction_is_never_published(runtime: Runtime) -> None:
    class Abort(Exception):
        pass

    async with runtime.pool.acquire() as conn:
        with pytest.raises(Abort):
            async with conn.transaction():
                await outbox.append(conn, event_for(uuid.uuid4(), 1))
                raise Abort
    relay = Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, "portfolio")
    assert await relay.publish_pending() == 0
    assert await stream_events(runtime.js, runtime.settings) == []


async def test_relay_publishes_each_event_once_even_when_restarted_before_marking(runtime: Runtime) -> None:
    async with runtime.pool.acquire() as conn:
        for i in range(5):
            await commands.create_project(conn, LEAD, project(f"p{i}"))
    relay = Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, "portfolio")
    # A relay that died after JetStream acked but before it marked the rows published:
    for row in await runtime.pool.fetch("SELECT * FROM events ORDER BY position"):
        await relay._publish(outbox.envelope_from_row(row))
    # ... is restarted and publishes everything again.
    assert await Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, "portfolio").publish_pending() == 5
    published = await stream_events(runtime.js, runtime.settings)
    assert len(published) == 5
    assert len({e.id for e in published}) == 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL") == 0


async def test_relay_wakes_on_commit_without_waiting_for_the_poll(settings: Settings) -> None:
    import msgspec

    slow_poll = msgspec.structs.replace(settings, relay_poll_seconds=30.0)
    runtime = await start_runtime("portfolio", slow_poll, MIGRATIONS)
    relay = Relay(runtime.pool, runtime.dsn, runtime.js, slow_poll, "portfolio")
    relay_task = asyncio.create_task(relay.run(runtime.stop))
    try:
        await asyncio.wait_for(relay.idle.wait(), 10)  # its first pass is done; it now waits up to 30 s
        async with runtime.pool.acquire() as conn:
            await commands.create_project(conn, LEAD, project("notified"))

        async def published() -> int:
            return len(await stream_events(runtime.js, slow_poll))

        await eventually(published, timeout=5)  # far below the 30 s poll: only NOTIFY can explain it
    finally:
        await stop_runtime(runtime, [relay_task])


async def test_fifty_writers_and_two_relays_publish_every_event_once_in_order_per_aggregate(
    runtime: Runtime,
) -> None:
    aggregates = [uuid.uuid4() for _ in range(5)]
    next_seq: dict[uuid.UUID, int] = defaultdict(int)
    stop = asyncio.Event()

    async def writer(n: int) -> None:
        for _ in range(4):
            aggregate = random.choice(aggregates)
            async with runtime.pool.acquire() as conn, conn.transaction():
                # Writers of one aggregate serialise on its lock, as the store does with row locks.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", str(aggregate))
                next_seq[aggregate] += 1
                await outbox.append(conn, event_for(aggregate, next_seq[aggregate]))
                # Hold the transaction open a little: positions now commit out of order.
                await asyncio.sleep(random.uniform(0, 0.02))

    relays = [
        asyncio.create_task(Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, "portfolio").run(stop))
        for _ in range(2)
    ]
    await asyncio.gather(*(writer(n) for n in range(50)))

    async def all_published() -> bool:
        return bool(await runtime.pool.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL") == 0)

    await eventually(all_published, timeout=30)
    stop.set()
    await asyncio.gather(*relays)

    published = await stream_events(runtime.js, runtime.settings)
    assert len(published) == 200
    assert len({e.id for e in published}) == 200
    for aggregate in aggregates:
        seqs = [e.aggregate_seq for e in published if e.aggregate_id == aggregate]
        assert seqs == list(range(1, next_seq[aggregate] + 1))
