"""A durable JetStream pull consumer that applies events to PostgreSQL, batch by batch.

Each batch is applied in one transaction together with the consumer's stream position, then
every message is acked explicitly; meanwhile the next batch is fetched and decoded. Handlers must
be idempotent (they see redeliveries) and order-tolerant (ignore an ``aggregate_seq`` they have
already passed). A message that keeps failing goes to the service's ``dead_letters`` table with
the reason after ``MAX_DELIVER`` attempts, and is acked so that it never blocks the stream.

The service's schema needs ``consumer_state`` and ``dead_letters``: the ``consumer`` part of shared/schema.sql.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import Counter, Gauge

from shared.bus import MAX_DELIVER, ensure_durable_consumer
from shared.db import DATABASE_UNAVAILABLE
from shared.events import CATALOGUE, Envelope, Header, UnknownEvent, decode
from shared.logs import get_logger
from shared.settings import Settings
from shared.supervision import Health, pause

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

Handler = Callable[["Conn", Envelope], Awaitable[None]]
BatchHandler = Callable[["Conn", list[Envelope]], Awaitable[None]]
"""Applies a whole batch in the consumer's transaction (a read model that writes in bulk)."""


@dataclass(frozen=True)
class InStreamOrder:
    """A batch handler that is given each event's stream sequence too: for a read model that must
    keep the stream's order although events can reach it out of it (see ``EventConsumer.on_acked``)."""

    apply: Callable[[Conn, list[tuple[int, Envelope]]], Awaitable[None]]


class Typed(Protocol):
    """An event as a handler reads it: whatever else it is, it says its type."""

    @property
    def type(self) -> str: ...


R = TypeVar("R", bound=Typed)


@dataclass(frozen=True)
class ReadAs(Generic[R]):
    """A batch handler given each event as ``read`` makes it of the message's bytes, not as an
    Envelope: for a read model that decodes straight into what it needs (the search index: typed
    events and what they mean for it, worked out while the previous batch is written). ``read``
    raises for a message it cannot read (which is then retried and dead-lettered with the reason)
    and ``UnknownEvent`` for a type it does not know."""

    read: Callable[[bytes], R]
    apply: Callable[[Conn, list[R]], Awaitable[None]]


AckFloorListener = Callable[[int], Awaitable[None]]
"""Told JetStream's ack floor (every message of the stream up to that sequence acked, by anyone)."""


async def read_ack_floor(js: JetStreamContext, settings: Settings, consumer: str) -> int | None:
    """The durable consumer's ack floor as JetStream has it now (None: it has none yet). NATS errors
    propagate."""
    info = await js.consumer_info(settings.stream_name, settings.durable_name(consumer))
    return None if info.ack_floor is None else info.ack_floor.stream_seq


def one_at_a_time(handler: Handler) -> BatchHandler:
    """A batch handler that applies each event in turn with ``handler``."""

    async def apply(conn: Conn, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await handler(conn, envelope)

    return apply


APPLIED = Counter("cdps_consumer_applied_total", "Events applied by a consumer", ["consumer"])
DEAD = Counter("cdps_consumer_dead_letters_total", "Events sent to the dead-letter table", ["consumer"])
UNKNOWN = Counter(
    "cdps_consumer_unknown_events_total", "Events of a type this code does not know", ["consumer", "type"]
)
LAG = Gauge("cdps_consumer_lag", "Messages of the stream this consumer has not yet acknowledged", ["consumer"])

FETCH_SECONDS = 1.0
"""How long a fetch waits for events on a quiet stream: the longest an event waits to be applied."""
FETCH_AHEAD_SECONDS = 10.0
"""How long a fetch ahead may take to gather its batch while more events wait in the stream. A fetch
ends at its timeout with what it has so far, and a fetch ahead shares the process with the batch
being written: in one second it often had only part of a batch of 5,000 (24 batches for 100,000
waiting events, some of 6, where 20 would do). With events waiting, a fetch ends as soon as it has
its batch or the stream has no more, so waiting longer costs nothing."""
WAITING_CHECK_SECONDS = 5.0
"""How often a busy consumer asks JetStream how much is left (an idle one asks after every empty fetch)."""

MESSAGE_ERRORS = (asyncpg.PostgresError, msgspec.ValidationError, msgspec.DecodeError, ValueError, KeyError, TypeError)
"""Failures that may be the message's own fault: retried, then dead-lettered. Checked after
DATABASE_UNAVAILABLE, which are never the message's fault."""

_header = msgspec.json.Decoder(Header).decode


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        settings: Settings,
        handler: BatchHandler | InStreamOrder | ReadAs[Any],
        batch_size: int = 200,
        retry_base_seconds: float = 1.0,
        lock_key: str | None = None,
        health: Health | None = None,
        on_acked: AckFloorListener | None = None,
    ):
        """``on_acked`` hears JetStream's ack floor after each batch's acks are in. Events come out
        of order after a crash (those a dead process fetched return when the ack wait runs out,
        later ones come at once) and between replicas: the floor says which have all been applied."""
        self.name = name
        self._pool = pool
        self._js = js
        self._settings = settings
        self._handler = handler
        self._read: Callable[[bytes], Typed] = handler.read if isinstance(handler, ReadAs) else decode
        self._batch_size = batch_size
        self._retry_base_seconds = retry_base_seconds
        self._lock_key = lock_key
        self.health = health or Health(f"{name}-consumer")
        self._unknown_types: set[str] = set()
        self._waiting_checked = 0.0
        self._on_acked = on_acked

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop``. NATS errors while binding propagate (the supervisor retries);
        once bound, no fault of NATS or PostgreSQL ends it."""
        durable = await ensure_durable_consumer(self._js, self._settings, self.name)
        sub = await self._js.pull_subscribe_bind(durable=durable, stream=self._settings.stream_name)
        try:
            await self._consume(sub, stop)
        finally:
            # Without this, draining the connection waits out its whole timeout on the pull inbox.
            with contextlib.suppress(nats.errors.Error):
                await sub.unsubscribe()

    async def _consume(self, sub: JetStreamContext.PullSubscription, stop: asyncio.Event) -> None:
        stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
        prefetch: asyncio.Future[_Batch] | None = None
        try:
            while not stop.is_set():
                try:
                    msgs, read = await self._fetch(sub, stopping, prefetch)
                except nats.errors.Error as exc:  # NATS away, or the consumer's leader moving
                    await pause(stop, self.health.failed(exc))
                    continue
                finally:
                    prefetch = None
                if msgs:
                    # The next batch travels and is read while this one is written (while PostgreSQL works on
                    # it): the fetch and the decoding then cost no time of their own.
                    waiting = msgs[-1].metadata.num_pending > 0
                    prefetch = asyncio.ensure_future(_fetch_and_read(
                        sub, self._batch_size, self._read, within=FETCH_AHEAD_SECONDS if waiting else FETCH_SECONDS,
                    ))  # fmt: skip
                    # A batch being applied is finished before shutdown: `stop` is checked only between batches.
                    self._holding(len(msgs))
                    await self._apply_until_done(msgs, read, stop, prefetch)
                    self._holding(-len(msgs))
                    if self._on_acked is not None:
                        await self._tell_ack_floor(self._on_acked)
                if not stop.is_set():
                    await self._count_waiting(sub, caught_up=not msgs, stop=stop)
        finally:
            stopping.cancel()
            if prefetch is not None:
                await _hand_back(prefetch)

    async def _fetch(
        self,
        sub: JetStreamContext.PullSubscription,
        stopping: asyncio.Future[Any],
        prefetch: asyncio.Future[_Batch] | None,
    ) -> _Batch:
        """The next batch (``prefetch``'s, if one is on its way), or nothing if none came within a
        second or the service is stopping (then a batch already received is handed back)."""
        fetch = prefetch or asyncio.ensure_future(_fetch_and_read(sub, self._batch_size, self._read))
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stopping.done():
            await _hand_back(fetch)
            return _NOTHING
        try:
            return fetch.result()
        except (TimeoutError, nats.errors.TimeoutError):
            return _NOTHING

    async def _tell_ack_floor(self, listener: AckFloorListener) -> None:
        """Ask JetStream for the ack floor and pass it on. The batch's last ack was confirmed
        (``_ack_last``), and JetStream handles a consumer's acks in order, so the floor includes all
        of this batch's. A failure is only logged: the listener must also look for itself now and then."""
        try:
            floor = await read_ack_floor(self._js, self._settings, self.name)
        except nats.errors.Error as exc:
            log.warning("ack floor not read", consumer=self.name, error=repr(exc))
            return
        if floor is not None:
            await listener(floor)

    def _holding(self, change: int) -> None:
        """Between JetStream's counts, what this consumer holds is work known to wait (readiness
        tells a consumer stuck on a batch from an idle one by it)."""
        self.health.waiting = max(0, (self.health.waiting or 0) + change)

    async def _count_waiting(
        self, sub: JetStreamContext.PullSubscription, *, caught_up: bool, stop: asyncio.Event
    ) -> None:
        """Ask JetStream how many messages wait (the lag metric, and readiness). An empty fetch is
        progress only if JetStream confirms nothing waits: during a NATS outage fetches are empty too."""
        if not caught_up and time.monotonic() - self._waiting_checked < WAITING_CHECK_SECONDS:
            return
        try:
            info = await sub.consumer_info()
        except nats.errors.Error as exc:
            await pause(stop, self.health.failed(exc))
            return
        self._waiting_checked = time.monotonic()
        waiting = (info.num_pending or 0) + (info.num_ack_pending or 0)
        self.health.waiting = waiting
        LAG.labels(self.name).set(waiting)
        if caught_up and not info.num_pending:
            self.health.progress()

    async def _apply_until_done(
        self, msgs: list[Msg], read: Read, stop: asyncio.Event, prefetch: asyncio.Future[_Batch]
    ) -> None:
        """Apply the batch, waiting out a PostgreSQL outage with the messages held, the next batch's
        too once it is received: an outage is no fault of theirs, so it must not use up their attempts
        and send good events to dead letters."""
        while msgs:
            try:
                await self.apply(msgs, read)
                self.health.progress()
                return
            except DATABASE_UNAVAILABLE as exc:
                delay = self.health.failed(exc)
            msgs = [msg for msg in msgs if not msg.is_acked]  # those done before the outage stay done
            with contextlib.suppress(nats.errors.Error):  # keeps JetStream from redelivering them meanwhile
                for msg in msgs + _received(prefetch):
                    await msg.in_progress()
            await pause(stop, delay)
            if stop.is_set():
                await _give_back(msgs)  # then the batch fetched meanwhile: redelivered in order to whoever runs next
                return

    async def apply(self, msgs: list[Msg], read: Read) -> None:
        msgs = await self._set_aside_unknown(msgs, read)
        if not msgs:
            return
        try:
            await self._apply_together(msgs, read)
        except DATABASE_UNAVAILABLE:
            raise
        except MESSAGE_ERRORS:
            # One bad message must not hold back the good ones: apply them one by one.
            for msg in msgs:
                await self._apply_alone(msg, read)
            return
        for msg in msgs[:-1]:
            await msg.ack()
        await self._ack_last(msgs[-1])

    async def _ack_last(self, msg: Msg) -> None:
        """Ack the batch's last message; confirmed by JetStream if someone listens for the ack floor.
        An unconfirmed ack may still have been taken: if not, the message comes back and is applied
        again (handlers are idempotent)."""
        if self._on_acked is None:
            await msg.ack()
            return
        try:
            await msg.ack_sync(timeout=5)
        except (nats.errors.Error, TimeoutError) as exc:
            log.warning("ack not confirmed", consumer=self.name, error=repr(exc))

    async def _set_aside_unknown(self, msgs: list[Msg], read: Read) -> list[Msg]:
        """Dead-letter events of a type this code does not know, saying why; returns the others."""
        known, unknown = [], []
        for msg in msgs:
            try:
                seq = msg.metadata.sequence.stream
                event_type = read[seq].type if seq in read else _header(msg.data).type
            except (msgspec.ValidationError, msgspec.DecodeError):
                known.append(msg)  # malformed: the normal path retries, then dead-letters it with its reason
                continue
            if event_type in CATALOGUE:
                known.append(msg)
                continue
            unknown.append(msg)
            if event_type not in self._unknown_types:
                self._unknown_types.add(event_type)
                log.warning("event of an unknown type dead-lettered (further ones of this type are not logged)",
                            consumer=self.name, type=event_type)  # fmt: skip
        for msg in unknown:
            event_type = _header(msg.data).type
            UNKNOWN.labels(self.name, event_type).inc()
            await self._dead_letter(msg, UnknownEvent(
                f"unknown event type {event_type!r}: it may come from a newer producer than this consumer; "
                f"upgrade the consumer to apply it (it stays in the stream at sequence {msg.metadata.sequence.stream})"
            ))  # fmt: skip
        for msg in unknown:  # acked once all are recorded: an outage half-way repeats them all, harmlessly
            await msg.ack()
        return known

    async def _apply_together(self, msgs: list[Msg], read: Read) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            if self._lock_key is not None:
                # Lets a maintenance job (the search rebuild) hold batches back for a moment.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", self._lock_key)
            if isinstance(self._handler, ReadAs):
                await self._handler.apply(conn, [_event(m, read, self._handler.read) for m in msgs])
            elif isinstance(self._handler, InStreamOrder):
                await self._handler.apply(conn, [(m.metadata.sequence.stream, _envelope(m, read)) for m in msgs])
            else:
                await self._handler(conn, [_envelope(msg, read) for msg in msgs])
            await self._record_position(conn, max(m.metadata.sequence.stream for m in msgs))
        APPLIED.labels(self.name).inc(len(msgs))

    async def _apply_alone(self, msg: Msg, read: Read) -> None:
        try:
            await self._apply_together([msg], read)
        except DATABASE_UNAVAILABLE:
            raise
        except MESSAGE_ERRORS as exc:
            attempts = msg.metadata.num_delivered
            if attempts < MAX_DELIVER:
                log.warning("event failed; will be redelivered", consumer=self.name, attempt=attempts, error=repr(exc))
                await msg.nak(delay=min(self._retry_base_seconds * 2.0 ** (attempts - 1), 30.0))
                return
            await self._dead_letter(msg, exc)
        await msg.ack()

    async def _dead_letter(self, msg: Msg, exc: Exception) -> None:
        log.error(
            "event dead-lettered",
            consumer=self.name,
            error=repr(exc),
            stream_seq=msg.metadata.sequence.stream,
        )
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO dead_letters (consumer, stream_seq, subject, payload, reason)
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (consumer, stream_seq) DO NOTHING""",
                self.name,
                msg.metadata.sequence.stream,
                msg.subject,
                msg.data.decode("utf-8", "replace"),
                str(exc) if isinstance(exc, UnknownEvent) else repr(exc),
            )
            await self._record_position(conn, msg.metadata.sequence.stream)
        DEAD.labels(self.name).inc()

    async def _record_position(self, conn: Conn, stream_seq: int) -> None:
        await conn.execute(
            """INSERT INTO consumer_state (consumer, stream_seq) VALUES ($1, $2)
               ON CONFLICT (consumer) DO UPDATE
               SET stream_seq = GREATEST(consumer_state.stream_seq, EXCLUDED.stream_seq),
                   updated_at = now()""",
            self.name,
            stream_seq,
        )


Read = Mapping[int, Typed]
"""A batch's events as read when it was fetched (Envelopes, or as the handler reads them), by stream sequence."""


class _Batch(NamedTuple):
    msgs: list[Msg]
    read: Read


_NOTHING = _Batch([], {})


async def _fetch_and_read(
    sub: JetStreamContext.PullSubscription,
    size: int,
    reader: Callable[[bytes], Typed],
    *,
    within: float = FETCH_SECONDS,
) -> _Batch:
    """The next batch, its events read. One that cannot be read is left out: it fails again where
    it is applied, which retries it and dead-letters it with the reason (or, of a type this code
    does not know, is set aside as such)."""
    msgs: list[Msg] = await sub.fetch(size, timeout=within)
    read = {}
    for msg in msgs:
        with contextlib.suppress(*MESSAGE_ERRORS, UnknownEvent):
            read[msg.metadata.sequence.stream] = reader(msg.data)
    return _Batch(msgs, read)


def _envelope(msg: Msg, read: Read) -> Envelope:
    found = read.get(msg.metadata.sequence.stream)
    return found if isinstance(found, Envelope) else decode(msg.data)


def _event(msg: Msg, read: Read, reader: Callable[[bytes], Typed]) -> Typed:
    found = read.get(msg.metadata.sequence.stream)
    return found if found is not None else reader(msg.data)


def _received(fetch: asyncio.Future[_Batch]) -> list[Msg]:
    """What a fetch has received so far: nothing until it is done."""
    if not fetch.done() or fetch.cancelled() or fetch.exception() is not None:
        return []
    return fetch.result().msgs


async def _hand_back(fetch: asyncio.Future[_Batch]) -> None:
    """Give up a fetch at shutdown. What it received is nak'ed, so JetStream redelivers it at once, before
    later messages (left to run out its ack wait, it would come after them); what it was still about
    to receive stays unacked and is redelivered when that runs out."""
    if not fetch.done():
        fetch.cancel()
        with contextlib.suppress(asyncio.CancelledError, nats.errors.Error, TimeoutError):
            await fetch
    await _give_back(_received(fetch))


async def _give_back(msgs: list[Msg]) -> None:
    """Nak messages held at shutdown, in order: JetStream redelivers them at once, in that order."""
    with contextlib.suppress(nats.errors.Error):  # NATS away: redelivered when the ack wait runs out
        for msg in msgs:
            await msg.nak()


async def indexed_position(pool: asyncpg.Pool, consumer: str) -> int:
    value = await pool.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = $1", consumer)
    return int(value or 0)
