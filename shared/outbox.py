"""The transactional outbox and its relay to JetStream.

A service writes its state change and the event row in one transaction (:func:`append`); the
``events`` table is the ``outbox`` part of shared/schema.sql. The relay publishes every committed,
unpublished event with ``Nats-Msg-Id`` = event id, then marks published the rows JetStream acked.

Publishes are pipelined: the relay sends a wave of events without waiting between them and
gathers the acks together (one publish awaited at a time capped the whole system's write rate at
one round trip per event). A wave holds at most one event per aggregate, and the next wave goes out
only once the previous one is acked, so an aggregate's events reach the stream in order even when a
connection drops mid-wave: the client then replays what it had buffered after reconnecting, and the
relay republishes what was not acked, in whatever order they arrive, but never two of one aggregate.
The duplicate window drops the copies, so the stream keeps each event once.

Why the relay selects ``published_at IS NULL`` instead of "everything after the last position":
positions come from a sequence taken *before* commit, so a transaction that commits late would
leave a hole behind the relay's position and be skipped for ever. Reading every unpublished row
cannot skip it. Per-aggregate order holds because writers of one aggregate serialise on its row
lock, so a later ``aggregate_seq`` always has a later position and a later commit.

Several relays (one per portfolio replica) take a transaction-scoped advisory lock; only the
holder publishes, so two relays never interleave one aggregate's events. Writers wake the relays
with a NOTIFY in their statement, except inside an API request, which rings the service's doorbell
once it has committed (``shared/wakeup.py``: notifying transactions commit one at a time).
A relay killed between JetStream's ack and marking the row re-publishes on restart, and
JetStream's duplicate window drops the copy: each event is stored in the stream exactly once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import asyncpg
import nats.errors
from nats.js import JetStreamContext
from nats.js.api import PubAck
from prometheus_client import Counter, Gauge

from shared.events import Actor, Envelope, encode
from shared.logs import get_logger
from shared.settings import Settings
from shared.supervision import DEPENDENCY_ERRORS, Health, pause
from shared.wakeup import Doorbell, Wakeup, notify_deferred

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

NOTIFY_CHANNEL = "cdps_outbox"
BATCH_SIZE = 500
ACK_TIMEOUT_SECONDS = 5.0
"""How long a batch's acks are awaited (a leader election takes a few seconds)."""

PUBLISHED = Counter("cdps_outbox_published_total", "Events published by the outbox relay")
PENDING = Gauge("cdps_outbox_pending", "Committed events not yet published (last seen by the relay)")


_COLUMNS = "id, type, version, occurred_at, actor_id, actor_role, aggregate_id, aggregate_seq, partner_id, data"


def _values(envelope: Envelope) -> tuple[object, ...]:
    """The event's row, in the order of ``_COLUMNS``."""
    return (
        envelope.id,
        envelope.type,
        envelope.version,
        envelope.occurred_at,
        envelope.actor.id,
        envelope.actor.role,
        envelope.aggregate_id,
        envelope.aggregate_seq,
        envelope.partner_id,
        envelope.data,
    )


def _wake(n: int) -> tuple[str, tuple[str, ...]]:
    """The NOTIFY that wakes the relays at commit, as a FROM item taking parameter ``$n``, and its
    argument; nothing when the request rings the doorbell after it has committed instead
    (``shared/wakeup.py``: a NOTIFY in the writer's transaction makes concurrent commits queue)."""
    if notify_deferred():
        return "", ()
    return f", pg_notify(${n}, '')", (NOTIFY_CHANNEL,)


async def append(conn: Conn, envelope: Envelope) -> int:
    """Write the event in the caller's transaction; returns its position (the outbox sequence)."""
    # The NOTIFY rides in the same statement (one round trip fewer per write); it is delivered
    # only at commit, so the relay never wakes for a transaction that rolls back.
    notify, channel = _wake(11)
    position: int = await conn.fetchval(
        f"""
        WITH inserted AS (
            INSERT INTO events ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            RETURNING position
        )
        SELECT position FROM inserted{notify}
        """,
        *_values(envelope),
        *channel,
    )
    return position


async def append_with(conn: Conn, write: str, args: Sequence[object], envelope: Envelope) -> asyncpg.Record | None:
    """Run ``write`` (an ``UPDATE … RETURNING *`` of one row, its parameters ``args``) and append the
    event in the same statement, if and only if the write returned its row: one round trip for a change
    and its event, atomic without a transaction of its own. Returns the written row with the event's
    ``outbox_position``, or None (nothing written, no event).

    Order per aggregate holds as with :func:`append`: the UPDATE takes the row's lock before the
    INSERT, which reads its result, draws the position, so a later change of one row always gets a
    later position and commits later.
    """
    n = len(args)
    values = ", ".join(f"${n + i}" for i in range(1, 11))
    notify, channel = _wake(n + 11)
    row: asyncpg.Record | None = await conn.fetchrow(
        f"""
        WITH written AS ({write}),
        inserted AS (
            INSERT INTO events ({_COLUMNS}) SELECT {values} FROM written RETURNING position
        )
        SELECT written.*, inserted.position AS outbox_position FROM written, inserted{notify}
        """,
        *args,
        *_values(envelope),
        *channel,
    )
    return row


def envelope_from_row(row: asyncpg.Record) -> Envelope:
    return Envelope(
        id=row["id"],
        type=row["type"],
        version=row["version"],
        occurred_at=row["occurred_at"],
        actor=Actor(id=row["actor_id"], role=row["actor_role"]),
        aggregate_id=row["aggregate_id"],
        aggregate_seq=row["aggregate_seq"],
        partner_id=row["partner_id"],
        data=row["data"],
    )


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        js: JetStreamContext,
        settings: Settings,
        schema: str,
        *,
        health: Health | None = None,
        doorbell: Doorbell | None = None,
    ):
        self._pool = pool
        self._dsn = dsn
        self._js = js
        self._settings = settings
        self._lock_key = f"cdps.outbox.{schema}"
        self.health = health or Health(f"{schema}-relay")
        self._doorbell = doorbell
        self.idle = asyncio.Event()
        """Set while the relay waits for a NOTIFY or its poll, having published all it saw."""

    async def publish_pending(self) -> int:
        """Publish committed, unpublished events until none is left; returns how many."""
        total = 0
        while True:
            published = await self._publish_batch()
            total += published
            if published < BATCH_SIZE:
                return total

    async def _publish_batch(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            publishing = await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext($1))", self._lock_key)
            if self._doorbell is not None:  # while this relay publishes, this replica's writes need wake no other
                self._doorbell.others_work = not publishing
            if not publishing:
                return 0  # another replica's relay is publishing; it will see our rows too
            rows = await conn.fetch(
                "SELECT * FROM events WHERE published_at IS NULL ORDER BY position LIMIT $1",
                BATCH_SIZE,
            )
            PENDING.set(len(rows))
            done, failure = await self._publish_rows(rows)
            # Mark what JetStream acknowledged even if a later publish failed.
            if done:
                await conn.execute("UPDATE events SET published_at = now() WHERE position = ANY($1::bigint[])", done)
                PUBLISHED.inc(len(done))
        if failure is not None:
            raise failure
        return len(done)

    async def _publish_rows(self, rows: list[asyncpg.Record]) -> tuple[list[int], BaseException | None]:
        """Publish the rows wave by wave; the positions JetStream acked, and the failure that
        stopped it (None if every row was acked)."""
        done: list[int] = []
        for wave in _waves(rows):
            acked, failure = await self._publish_wave(wave)
            done += acked
            if failure is not None:
                return done, failure
        return done, None

    async def _publish_wave(self, wave: list[asyncpg.Record]) -> tuple[list[int], BaseException | None]:
        acks: list[asyncio.Future[PubAck]] = []
        sending: nats.errors.Error | None = None
        try:
            for row in wave:
                acks.append(await self._publish_async(envelope_from_row(row)))
        except nats.errors.Error as exc:  # the connection went: what was sent may still be acked
            sending = exc
        try:
            if acks:
                await asyncio.wait(acks, timeout=ACK_TIMEOUT_SECONDS)
            acked = [row["position"] for row, ack in zip(wave, acks, strict=False) if _stored(ack)]
            unanswered = next((ack for ack in acks if not _stored(ack)), None)
            failure = unanswered.exception() if unanswered is not None and unanswered.done() else None
        finally:
            for ack in acks:
                ack.cancel()  # frees the client's slot of an unanswered publish; answered ones are done
        if unanswered is None:
            return acked, sending
        return acked, failure or sending or nats.errors.TimeoutError()

    async def _publish_async(self, envelope: Envelope) -> asyncio.Future[PubAck]:
        future: asyncio.Future[PubAck] = await self._js.publish_async(
            self._settings.subject_for(envelope.type),
            encode(envelope),
            stream=self._settings.stream_name,
            headers={"Nats-Msg-Id": str(envelope.id)},
            wait_stall=ACK_TIMEOUT_SECONDS,
        )
        return future

    async def _publish(self, envelope: Envelope) -> None:
        """One publish, awaited (tests use it to act as a relay that died before marking)."""
        await self._js.publish(
            self._settings.subject_for(envelope.type),
            encode(envelope),
            stream=self._settings.stream_name,
            headers={"Nats-Msg-Id": str(envelope.id)},
            timeout=ACK_TIMEOUT_SECONDS,
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Publish on every NOTIFY of a commit or ring of the doorbell, and on a poll as well (see
        shared/wakeup.py).

        No fault of NATS or PostgreSQL ends it: the rows stay unpublished and it tries again,
        backing off, logging once when it starts failing and once when it works again.
        """
        wakeup = Wakeup(self._dsn, NOTIFY_CHANNEL, doorbell=self._doorbell)
        try:
            while not stop.is_set():
                try:
                    await self.publish_pending()
                except DEPENDENCY_ERRORS as exc:
                    await pause(stop, self.health.failed(exc))
                    continue
                self.health.progress()
                self.idle.set()
                await wakeup.wait(stop, self._settings.relay_poll_seconds)
                self.idle.clear()
        finally:
            await wakeup.close()


def _stored(ack: asyncio.Future[PubAck]) -> bool:
    return ack.done() and not ack.cancelled() and ack.exception() is None


def _waves(rows: list[asyncpg.Record]) -> list[list[asyncpg.Record]]:
    """Consecutive runs of rows in position order, each with at most one row per aggregate."""
    waves: list[list[asyncpg.Record]] = []
    aggregates: set[object] = set()
    for row in rows:
        if not waves or row["aggregate_id"] in aggregates:
            waves.append([])
            aggregates = set()
        waves[-1].append(row)
        aggregates.add(row["aggregate_id"])
    return waves
