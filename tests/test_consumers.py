"""Consumers are idempotent and order-tolerant, and a poison message never blocks the stream."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from services.notifier.app import MIGRATIONS as NOTIFIER_MIGRATIONS
from services.notifier.consumer import apply_event as notify
from services.search.app import MIGRATIONS as SEARCH_MIGRATIONS
from services.search.consumer import HANDLER as index
from shared.bus import MAX_DELIVER
from shared.consumer import FETCH_SECONDS, BatchHandler, EventConsumer, ReadAs, one_at_a_time
from shared.events import Envelope, encode
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings
from tests.helpers import eventually, project_created

if TYPE_CHECKING:
    from shared.db import Conn


def created(aggregate_id: uuid.UUID, seq: int = 1, title: str = "Digital tax returns") -> Envelope:
    return project_created(aggregate_id, seq, title_en=title)


async def publish(runtime: Runtime, envelope: Envelope, *, msg_id: str | None = None) -> None:
    await runtime.js.publish(
        runtime.settings.subject_for(envelope.type),
        encode(envelope),
        # A fresh Nats-Msg-Id per call: these tests want JetStream to store the duplicate too,
        # as it would after the duplicate window (or from a misbehaving producer).
        headers={"Nats-Msg-Id": msg_id or str(uuid.uuid4())},
    )


async def consuming(runtime: Runtime, name: str, handler: BatchHandler | ReadAs[Any]) -> asyncio.Task[None]:
    consumer = EventConsumer(
        name=name, pool=runtime.pool, js=runtime.js, settings=runtime.settings, handler=handler,
        retry_base_seconds=0.05,
    )  # fmt: skip
    return asyncio.create_task(consumer.run(runtime.stop))


@pytest.fixture
async def search(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("search", settings, SEARCH_MIGRATIONS)
    task = await consuming(runtime, "search", index)
    yield runtime
    await stop_runtime(runtime, [task])


@pytest.fixture
async def notifier(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("notifier", settings, NOTIFIER_MIGRATIONS)
    await runtime.pool.execute(
        "INSERT INTO subscriptions (id, email, language, confirmed) VALUES ($1, 'ann@example.org', 'both', true)",
        uuid.uuid4(),
    )
    task = await consuming(runtime, "notifier", one_at_a_time(notify))
    yield runtime
    await stop_runtime(runtime, [task])


async def applied_up_to(runtime: Runtime, consumer: str, stream_seq: int) -> bool:
    position = await runtime.pool.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = $1", consumer)
    return position is not None and position >= stream_seq


async def test_a_duplicate_event_is_indexed_once(search: Runtime) -> None:
    event = created(uuid.uuid4())
    await publish(search, event)
    await publish(search, event)
    await eventually(lambda: applied_up_to(search, "search", 2))
    assert await search.pool.fetchval("SELECT count(*) FROM documents") == 1


async def test_an_older_aggregate_seq_arriving_late_does_not_overwrite_a_newer_one(search: Runtime) -> None:
    aggregate = uuid.uuid4()
    await publish(search, created(aggregate, seq=2, title="Newer title"))
    await publish(search, created(aggregate, seq=1, title="Older title"))
    await eventually(lambda: applied_up_to(search, "search", 2))
    row = await search.pool.fetchrow("SELECT title_en, aggregate_seq FROM documents WHERE id = $1", aggregate)
    assert row is not None and (row["title_en"], row["aggregate_seq"]) == ("Newer title", 2)


async def test_a_duplicate_event_makes_one_delivery_per_recipient(notifier: Runtime) -> None:
    event = created(uuid.uuid4())
    for _ in range(3):
        await publish(notifier, event)
    await eventually(lambda: applied_up_to(notifier, "notifier", 3))
    assert await notifier.pool.fetchval("SELECT count(*) FROM deliveries") == 1


async def test_a_poison_message_is_dead_lettered_with_its_reason_and_later_events_still_flow(
    search: Runtime,
) -> None:
    poison = msgspec.structs.replace(created(uuid.uuid4()), data={"project": {"slug": 42}})  # data of the wrong shape
    await publish(search, poison)
    good = created(uuid.uuid4())
    await publish(search, good)

    async def dead_letter() -> str | None:
        reason: str | None = await search.pool.fetchval("SELECT reason FROM dead_letters")
        return reason

    reason = await eventually(dead_letter, timeout=60)
    assert "slug" in reason
    assert await search.pool.fetchval("SELECT count(*) FROM documents WHERE id = $1", good.aggregate_id) == 1
    await eventually(lambda: applied_up_to(search, "search", 2))
    info = await search.js.consumer_info(search.settings.stream_name, search.settings.durable_name("search"))
    assert info.num_ack_pending == 0 and info.num_pending == 0
    assert MAX_DELIVER > 1  # it was retried before being given up on


async def test_a_batch_fetched_ahead_is_handed_back_at_stop_and_the_next_consumer_applies_all_once_in_order(
    settings: Settings,
) -> None:
    # An ack wait far beyond the test's patience: what is handed back must come back at once, not when it runs out.
    runtime = await start_runtime("search", msgspec.structs.replace(settings, ack_wait_seconds=600), SEARCH_MIGRATIONS)
    applied: list[int] = []
    holding, release = asyncio.Event(), asyncio.Event()

    async def record(conn: Conn, envelopes: list[Envelope]) -> None:
        applied.extend(envelope.aggregate_seq for envelope in envelopes)
        holding.set()
        await release.wait()  # the first consumer's first batch: held while the next is fetched

    def consumer(handler: BatchHandler) -> EventConsumer:
        return EventConsumer(
            name="search", pool=runtime.pool, js=runtime.js, settings=runtime.settings, handler=handler, batch_size=2
        )

    async def held_by_consumer() -> bool:
        info = await runtime.js.consumer_info(runtime.settings.stream_name, runtime.settings.durable_name("search"))
        return bool(info.num_ack_pending == 4)

    tasks: list[asyncio.Task[None]] = []
    try:
        aggregate = uuid.uuid4()
        for seq in range(1, 7):
            await publish(runtime, created(aggregate, seq=seq))
        first_stop = asyncio.Event()
        first = asyncio.create_task(consumer(record).run(first_stop))
        tasks.append(first)
        await holding.wait()
        await eventually(held_by_consumer)  # the batch being applied, and the next one fetched meanwhile
        first_stop.set()
        release.set()
        await first
        assert applied == [1, 2]

        tasks.append(asyncio.create_task(consumer(record).run(runtime.stop)))
        await eventually(lambda: applied_up_to(runtime, "search", 6))
        assert applied == [1, 2, 3, 4, 5, 6]
    finally:
        release.set()
        await stop_runtime(runtime, tasks)


async def test_a_batch_fetched_ahead_while_events_wait_is_whole_however_long_the_batch_before_it_takes(
    settings: Settings,
) -> None:
    """The next batch is fetched while one is written, in the same process: a batch written in more
    than the fetch's usual second (a busy machine) must not cut the next one short."""
    runtime = await start_runtime("search", settings, SEARCH_MIGRATIONS)
    sizes: list[int] = []

    async def slow(conn: Conn, envelopes: list[Envelope]) -> None:
        sizes.append(len(envelopes))
        # Not a wait for something to happen: the batch's work itself, holding the whole process (as a
        # large batch's Python work does) for longer than a fetch waits on a quiet stream.
        time.sleep(FETCH_SECONDS * 1.5)  # noqa: ASYNC251

    tasks: list[asyncio.Task[None]] = []
    try:
        aggregate = uuid.uuid4()
        for seq in range(1, 101):
            await publish(runtime, created(aggregate, seq=seq))
        consumer = EventConsumer(
            name="search", pool=runtime.pool, js=runtime.js, settings=runtime.settings, handler=slow, batch_size=25
        )
        tasks.append(asyncio.create_task(consumer.run(runtime.stop)))
        await eventually(lambda: applied_up_to(runtime, "search", 100), timeout=60)
        assert sizes == [25, 25, 25, 25]
    finally:
        await stop_runtime(runtime, tasks)
