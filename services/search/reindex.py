"""`cdps search reindex`: rebuild the index from the start of the stream, then swap it in.

The rebuild writes into fresh tables while the live index keeps serving queries and the live
consumer keeps applying new events. The swap happens in one transaction that holds the live
consumer's batch lock and every live table (``_lock_live_tables``): it applies whatever the live
consumer applied since the rebuild read the stream, then renames the tables. Queries wait for that
transaction (milliseconds) and then read the new tables; none fails and none sees a half-built index.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import asyncpg
import msgspec
import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.search import welsh
from services.search.consumer import CONSUMER, Tables, apply_indexed
from services.search.domain import Indexing, indexing_for
from shared.events import Header, UnknownEvent, decode_typed
from shared.logs import get_logger
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

APPLY_LOCK = "cdps.search.apply"
"""Taken by the live consumer for every batch, and by the swap."""
REBUILD_LOCK = "cdps.search.rebuild"
"""Held by the replica that rebuilds at start, so that only one does."""
SUFFIX = "_rebuild"
REBUILD = Tables(SUFFIX)
TABLES = ("documents", "aggregates", "title_terms", "title_words")
FETCH = 1000
LOCK_WAIT_MS = 200
"""How long the swap waits for the queries holding a live table before it lets them all through."""
BATCH = 50_000
"""Events per rebuild transaction. Large, because a batch keeps only each record's newest snapshot:
a project changed ten times in a batch is written once. Measured on 1,000,000 events (10,000
projects): 11,800 events/s with 20,000 per batch (270 MB resident), 12,800/s with 50,000 (500 MB)."""

Progress = Callable[[int, int], None]


class Index(NamedTuple):
    name: str
    definition: str
    """For a constraint, its definition (``PRIMARY KEY (id)``); otherwise ``CREATE INDEX ...``."""
    constraint: bool


async def reindex(runtime: Runtime, progress: Progress = lambda done, total: None) -> int:
    """Rebuild and swap in; returns the stream sequence the new index was built up to."""
    async with runtime.pool.acquire() as conn:
        indexes = await _fresh_tables(conn)
    info = await runtime.js.stream_info(runtime.settings.stream_name)
    target = info.state.last_seq
    with _rare_collections():
        done = await _replay(runtime, up_to=target, progress=progress)
    async with runtime.pool.acquire() as conn:
        # Built once over the finished tables (as a bulk load should be), while the live index serves.
        for table, index in indexes:
            if not index.constraint:
                await conn.execute(_rebuild_index(table, index))
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", APPLY_LOCK)
            await _lock_live_tables(conn)
            live = await conn.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = $1", CONSUMER) or 0
            # What the live index applied while we rebuilt.
            stream = runtime.settings.stream_name
            missed = [await _message(runtime.js, stream, seq) for seq in range(done + 1, live + 1)]
            await apply_indexed(conn, [event for event in missed if event is not None], REBUILD)
            await _swap(conn, indexes)
            await conn.execute("UPDATE index_state SET analyser = $1", welsh.VERSION)
    log.info("search index rebuilt", up_to=max(done, live))
    return max(done, live)


async def rebuild_if_outdated(runtime: Runtime) -> None:
    """At start: rebuild the index if another analysis made it (after an upgrade that changed the
    Welsh analyser). One replica rebuilds; the others go on serving the index as it is."""
    async with runtime.pool.acquire() as conn:
        if await conn.fetchval("SELECT analyser FROM index_state") == welsh.VERSION:
            return
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", REBUILD_LOCK):
            return
        try:
            log.info("search index made by another analyser; rebuilding it", analyser=welsh.VERSION)
            await reindex(runtime)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", REBUILD_LOCK)


RARE_COLLECTIONS = 100_000
"""Allocations between two young collections of the cyclic garbage collector while events are
indexed (Python's default is 700)."""


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """The replay keeps two large batches of events alive while it allocates millions of short-lived
    objects; at the default thresholds the cyclic garbage collector walks those batches again and
    again (a third of the rebuild's time, measured on 1,000,000 events). Reference counting still
    frees everything at once; only the cycle search runs less often."""
    thresholds = gc.get_threshold()
    gc.set_threshold(RARE_COLLECTIONS, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


async def _fresh_tables(conn: Conn) -> list[tuple[str, Index]]:
    """Empty copies of the live tables with their keys but no other index yet; returns every index
    of the live tables, to be built on the copies once they are full."""
    indexes: list[tuple[str, Index]] = []
    for table in TABLES:
        await conn.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")
        await conn.execute(f"CREATE TABLE {table}{SUFFIX} (LIKE {table} INCLUDING ALL EXCLUDING INDEXES)")
        constraints = await conn.fetch(
            """SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
               WHERE conrelid = $1::regclass AND contype IN ('p', 'u')""",
            table,
        )
        for c in constraints:
            index = Index(c["conname"], c["definition"], constraint=True)
            await conn.execute(f"ALTER TABLE {table}{SUFFIX} ADD CONSTRAINT {index.name}{SUFFIX} {index.definition}")
            indexes.append((table, index))
        others = await conn.fetch(
            """SELECT indexname, indexdef FROM pg_indexes
               WHERE schemaname = current_schema() AND tablename = $1 AND indexname <> ALL ($2::text[])""",
            table, [c["conname"] for c in constraints],
        )  # fmt: skip
        indexes += [(table, Index(i["indexname"], i["indexdef"], constraint=False)) for i in others]
    return indexes


def _rebuild_index(table: str, index: Index) -> str:
    """The live index's definition, naming the rebuild's copy of the table and of the index."""
    head, _, tail = index.definition.partition(" ON ")
    if not head.endswith(f" {index.name}"):
        raise ValueError(f"unexpected index definition: {index.definition}")
    schema_table, _, rest = tail.partition(" ")
    return f"{head}{SUFFIX} ON {schema_table}{SUFFIX} {rest}"


async def _lock_live_tables(conn: Conn) -> None:
    """Take every live table before renaming any, without ever waiting long for one.

    A query reads several of them in one statement (the typo correction: the lexicon, then the
    documents). Renamed one at a time, the swap would hold ``documents`` while waiting for a query
    that holds ``title_terms`` and waits for ``documents``: a deadlock, which PostgreSQL ends by
    failing one of the two. So the swap waits at most LOCK_WAIT for the queries under way; if one
    still holds a table it lets go of all of them (the savepoint), lets the queries through, and
    tries again. Queries are milliseconds; the swap waits for them, never the other way round.
    """
    pause = 0.01
    while True:
        try:
            async with conn.transaction():  # a savepoint: a timed-out attempt releases what it took
                await conn.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT_MS}ms'")
                await conn.execute(f"LOCK TABLE {', '.join(TABLES)} IN ACCESS EXCLUSIVE MODE")
                await conn.execute("SET LOCAL lock_timeout = 0")
                return
        except asyncpg.LockNotAvailableError:
            log.info("search index swap waits for queries under way", pause_s=pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 1.0)


async def _swap(conn: Conn, indexes: list[tuple[str, Index]]) -> None:
    for table in TABLES:
        await conn.execute(f"ALTER TABLE {table} RENAME TO {table}_old")
        await conn.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
    await conn.execute(f"DROP TABLE {', '.join(f'{table}_old' for table in TABLES)}")
    # The old tables' index names are free now: the new ones take them, so the next migration
    # or rebuild finds the names it expects.
    for table, index in indexes:
        if index.constraint:
            await conn.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {index.name}{SUFFIX} TO {index.name}")
        else:
            await conn.execute(f"ALTER INDEX {index.name}{SUFFIX} RENAME TO {index.name}")


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
    writing: asyncio.Task[None] | None = None
    try:
        while done < up_to:
            batch: list[tuple[Header, Indexing]] = []
            while len(batch) < BATCH and done < up_to:
                try:
                    msgs = await sub.fetch(min(FETCH, up_to - done), timeout=1)
                except (TimeoutError, nats.errors.TimeoutError):
                    if (await sub.consumer_info()).num_pending == 0:
                        done = up_to  # the rest of the range was deleted from the stream
                    continue
                # A fresh consumer delivers in stream order: if the last is within range, all are
                # (reading each message's sequence costs as much as decoding it). One past the
                # range means the range is done, even if its last messages were deleted.
                last = msgs[-1].metadata.sequence.stream if msgs else done
                if last > up_to:
                    msgs = [msg for msg in msgs if msg.metadata.sequence.stream <= up_to]
                for msg in msgs:
                    event = _indexing(msg.data, msg)
                    if event is not None:
                        batch.append(event)
                done = min(last, up_to)
            # PostgreSQL writes one batch while this process fetches and decodes the next: one
            # batch in flight at a time, so batches still land in stream order.
            if writing is not None:
                await writing
            writing = asyncio.create_task(_write_batch(runtime, batch, functools.partial(progress, done, up_to)))
        if writing is not None:
            await writing
    finally:
        if writing is not None and not writing.done():
            writing.cancel()
        await sub.unsubscribe()
        with contextlib.suppress(nats.errors.Error):
            await runtime.js.delete_consumer(stream, name)
    return done


async def _write_batch(runtime: Runtime, batch: list[tuple[Header, Indexing]], written: Callable[[], None]) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await apply_indexed(conn, batch, REBUILD)
    written()


async def _message(js: JetStreamContext, stream: str, seq: int) -> tuple[Header, Indexing] | None:
    try:
        msg = await js.get_msg(stream, seq)
    except nats.js.errors.NotFoundError:
        return None  # purged or deleted
    return _indexing(msg.data, seq) if msg.data is not None else None


def _indexing(data: bytes, at: int | Msg) -> tuple[Header, Indexing] | None:
    """What one message means for the index; None (and a warning) if it cannot be read: the live
    consumer dead-lettered it already, and a rebuild must not stop on it either."""
    try:
        header, event = decode_typed(data)
        return header, indexing_for(header, event)
    except (UnknownEvent, ValueError, KeyError, msgspec.ValidationError, msgspec.DecodeError) as exc:
        seq = at if isinstance(at, int) else at.metadata.sequence.stream
        log.warning("rebuild skipped an event", stream_seq=seq, error=repr(exc))
        return None
