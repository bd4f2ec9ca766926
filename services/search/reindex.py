"""`cdps search reindex`: rebuild the index from the start of the stream, then swap it in.

The rebuild writes into fresh tables while the live index keeps serving queries and the live
consumer keeps applying new events. The swap happens in one transaction that holds the live
consumer's batch lock: it applies whatever the live consumer applied since the rebuild read the
stream, then renames the tables. Queries wait for that transaction (milliseconds) and then read
the new tables; none fails and none sees a half-built index.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec
import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.search.consumer import CONSUMER, Tables, apply_event
from shared.events import UnknownEvent, decode
from shared.logs import get_logger
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

APPLY_LOCK = "cdps.search.apply"
"""Taken by the live consumer for every batch, and by the swap."""
REBUILD = Tables("_rebuild")
BATCH = 1000

Progress = Callable[[int, int], None]


async def reindex(runtime: Runtime, progress: Progress = lambda done, total: None) -> int:
    """Rebuild and swap in; returns the stream sequence the new index was built up to."""
    async with runtime.pool.acquire() as conn:
        await _fresh_tables(conn)
    info = await runtime.js.stream_info(runtime.settings.stream_name)
    target = info.state.last_seq
    done = await _replay(runtime, up_to=target, progress=progress)
    async with runtime.pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", APPLY_LOCK)
        live = await conn.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = $1", CONSUMER) or 0
        for seq in range(done + 1, live + 1):  # what the live index applied while we rebuilt
            await _apply_one(runtime.js, runtime.settings.stream_name, conn, seq)
        await conn.execute("ALTER TABLE documents RENAME TO documents_old")
        await conn.execute("ALTER TABLE aggregates RENAME TO aggregates_old")
        await conn.execute(f"ALTER TABLE {REBUILD.documents} RENAME TO documents")
        await conn.execute(f"ALTER TABLE {REBUILD.aggregates} RENAME TO aggregates")
        await conn.execute("DROP TABLE documents_old, aggregates_old")
    log.info("search index rebuilt", up_to=max(done, live))
    return max(done, live)


async def _fresh_tables(conn: Conn) -> None:
    await conn.execute(f"DROP TABLE IF EXISTS {REBUILD.documents}, {REBUILD.aggregates}")
    await conn.execute(f"CREATE TABLE {REBUILD.documents} (LIKE documents INCLUDING ALL)")
    await conn.execute(f"CREATE TABLE {REBUILD.aggregates} (LIKE aggregates INCLUDING ALL)")


async def _replay(runtime: Runtime, *, up_to: int, progress: Progress) -> int:
    """Apply stream messages 1..up_to to the rebuild tables with an ephemeral consumer."""
    if up_to == 0:
        return 0
    stream = runtime.settings.stream_name
    name = f"rebuild-{uuid.uuid4().hex[:12]}"
    # No acks and removed after a minute idle: a rebuild killed half-way leaves nothing behind.
    config = ConsumerConfig(
        durable_name=name, ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=60
    )
    await runtime.js.add_consumer(stream, config)
    sub = await runtime.js.pull_subscribe_bind(durable=name, stream=stream)
    done = 0
    try:
        while done < up_to:
            try:
                msgs = await sub.fetch(min(BATCH, up_to - done), timeout=5)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            async with runtime.pool.acquire() as conn, conn.transaction():
                for msg in msgs:
                    seq = msg.metadata.sequence.stream
                    if seq > up_to:
                        continue
                    await _apply(conn, msg.data, seq)
                    done = seq
            progress(done, up_to)
    finally:
        await sub.unsubscribe()
        with contextlib.suppress(nats.errors.Error):
            await runtime.js.delete_consumer(stream, name)
    return done


async def _apply_one(js: JetStreamContext, stream: str, conn: Conn, seq: int) -> None:
    try:
        msg = await js.get_msg(stream, seq)
    except nats.js.errors.NotFoundError:
        return  # purged or deleted
    if msg.data is not None:
        await _apply(conn, msg.data, seq)


async def _apply(conn: Conn, data: bytes, seq: int) -> None:
    try:
        await apply_event(conn, decode(data), REBUILD)
    except (UnknownEvent, ValueError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        # The live consumer dead-lettered it already; a rebuild must not stop on it either.
        log.warning("rebuild skipped an event", stream_seq=seq, error=repr(exc))
