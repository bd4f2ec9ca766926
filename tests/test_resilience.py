"""Nothing is lost when NATS goes away or a consumer is killed mid-stream."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import msgspec
import pytest
from nats.js.api import PubAck

from cdps.embedded import EmbeddedNats, free_port
from services.portfolio import commands
from services.portfolio.app import MIGRATIONS as PORTFOLIO
from services.portfolio.domain import NewProject
from shared import bus, outbox
from shared.events import Actor, Envelope, encode
from shared.outbox import Relay
from shared.service import start_runtime, stop_runtime
from shared.settings import Settings
from tests.helpers import eventually, project_created, stream_events

LEAD = Actor(id="lead-1", role="lead")


async def test_changes_made_while_nats_is_down_are_published_when_it_returns(
    settings: Settings, tmp_path: Path
) -> None:
    nats_server = EmbeddedNats(tmp_path / "nats")
    own = msgspec.structs.replace(settings, nats_url=nats_server.start())
    runtime = await start_runtime("portfolio", own, PORTFOLIO)
    relay = asyncio.create_task(Relay(runtime.pool, runtime.dsn, runtime.js, own, "portfolio").run(runtime.stop))
    try:
        nats_server.kill()
        async with runtime.pool.acquire() as conn:  # the API keeps working: the outbox holds the events
            for i in range(5):
                await commands.create_project(conn, LEAD, NewProject(slug=f"offline-{i}", title_en="t", title_cy="t"))

        async def unpublished() -> int:
            return int(await runtime.pool.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL"))

        assert await unpublished() == 5
        nats_server.start()  # same port and store: the client reconnects by itself

        async def all_published() -> bool:
            return await unpublished() == 0

        await eventually(all_published, timeout=30)
        events = await stream_events(runtime.js, own)
        assert sorted(e.data["project"]["slug"] for e in events) == [f"offline-{i}" for i in range(5)]
    finally:
        await stop_runtime(runtime, [relay])
        nats_server.stop()


@pytest.mark.parametrize("kill_after", [20])
async def test_a_search_process_killed_mid_stream_resumes_and_indexes_every_event_once(
    settings: Settings, kill_after: int
) -> None:
    nc = await bus.connect(settings.nats_url or "", name="test")
    js = nc.jetstream()
    await bus.ensure_stream(js, settings)
    ids = [uuid.uuid4() for _ in range(300)]
    for aggregate in ids:
        envelope = project_created(aggregate)
        await js.publish(
            settings.subject_for(envelope.type), encode(envelope), headers={"Nats-Msg-Id": str(envelope.id)}
        )
    env = dict(os.environ, DATABASE_URL=settings.database_url or "", NATS_URL=settings.nats_url or "",
               CDPS_NAMESPACE=settings.namespace, CDPS_SECRET_KEY=settings.secret_key, CDPS_DATA_DIR=str(settings.data_dir),
               CDPS_SEARCH_PORT=str(free_port()), CDPS_ACK_WAIT_SECONDS="2")  # fmt: skip
    import asyncpg

    conn = await asyncpg.connect(settings.database_url)

    async def indexed() -> int:
        return int(await conn.fetchval("SELECT count(*) FROM search.aggregates"))

    try:
        first = subprocess.Popen([sys.executable, "-m", "cdps", "serve", "search"], env=env)

        async def some() -> bool:
            return await indexed() >= kill_after

        await eventually(some, timeout=30)
        first.send_signal(signal.SIGKILL)  # no goodbye: unacked messages are redelivered to the next process
        first.wait()
        second = subprocess.Popen([sys.executable, "-m", "cdps", "serve", "search"], env=env)
        try:

            async def everything() -> bool:
                return await indexed() == len(ids)

            await eventually(everything, timeout=60)
            assert await conn.fetchval("SELECT count(*) FROM search.documents") == len(ids)
            assert await conn.fetchval("SELECT count(*) FROM search.dead_letters") == 0
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        await conn.close()
        await nc.close()


async def test_nats_killed_in_the_middle_of_a_pipelined_batch_stores_every_event_once_in_order_per_aggregate(
    settings: Settings, tmp_path: Path
) -> None:
    nats_server = EmbeddedNats(tmp_path / "nats")
    own = msgspec.structs.replace(settings, nats_url=nats_server.start())
    runtime = await start_runtime("portfolio", own, PORTFOLIO)

    class RelayWhoseServerDiesMidBatch(Relay):
        """Kills NATS after 150 of the batch's publishes have been sent, not yet acked."""

        sent = 0
        most_in_flight = 0

        async def _publish_async(self, envelope: Envelope) -> asyncio.Future[PubAck]:
            self.sent += 1
            if self.sent == 150:
                nats_server.kill()
            ack = await super()._publish_async(envelope)
            self.most_in_flight = max(self.most_in_flight, runtime.js.publish_async_pending())
            return ack

    aggregates = [uuid.uuid4() for _ in range(100)]
    async with runtime.pool.acquire() as conn, conn.transaction():
        for seq in range(1, 5):  # 400 events in one batch: waves of 100 aggregates
            for aggregate in aggregates:
                await outbox.append(conn, project_created(aggregate, seq, slug=f"p-{seq}"))
    relay = RelayWhoseServerDiesMidBatch(runtime.pool, runtime.dsn, runtime.js, own, "portfolio")
    relay_task = asyncio.create_task(relay.run(runtime.stop))
    try:

        async def failing() -> bool:
            return relay.sent >= 150 and relay.health.failing

        await eventually(failing, timeout=30)
        nats_server.start()

        async def all_published() -> bool:
            return bool(await runtime.pool.fetchval("SELECT count(*) FROM events WHERE published_at IS NULL") == 0)

        await eventually(all_published, timeout=60)
        stored = await stream_events(runtime.js, own)
        positions = await runtime.pool.fetch("SELECT id FROM events ORDER BY position")
        assert sorted(str(e.id) for e in stored) == sorted(str(row["id"]) for row in positions)  # each once
        for aggregate in aggregates:
            assert [e.aggregate_seq for e in stored if e.aggregate_id == aggregate] == [1, 2, 3, 4]
        assert relay.most_in_flight > 1  # publishes awaited their acks together
    finally:
        await stop_runtime(runtime, [relay_task])
        nats_server.stop()
