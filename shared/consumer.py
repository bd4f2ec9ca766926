"""A durable JetStream pull consumer that applies events to PostgreSQL, batch by batch.

Each batch is applied in one transaction together with the consumer's stream position, then
every message is acked explicitly. Handlers must be idempotent (they see redeliveries) and
order-tolerant (ignore an ``aggregate_seq`` they have already passed). A message that keeps
failing goes to the service's ``dead_letters`` table with the reason after ``MAX_DELIVER``
attempts, and is acked so that it never blocks the stream.

The service's schema needs ``consumer_state`` and ``dead_letters``: the ``consumer`` part of shared/schema.sql.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec
import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from prometheus_client import Counter

from shared.bus import MAX_DELIVER, ensure_durable_consumer

if TYPE_CHECKING:
    from shared.db import Conn
from shared.events import Envelope, decode
from shared.logs import get_logger
from shared.settings import Settings

log = get_logger(__name__)

Handler = Callable[["Conn", Envelope], Awaitable[None]]
BatchHandler = Callable[["Conn", list[Envelope]], Awaitable[None]]
"""Applies a whole batch in the consumer's transaction (a read model that writes in bulk)."""


def one_at_a_time(handler: Handler) -> BatchHandler:
    """A batch handler that applies each event in turn with ``handler``."""

    async def apply(conn: Conn, envelopes: list[Envelope]) -> None:
        for envelope in envelopes:
            await handler(conn, envelope)

    return apply


APPLIED = Counter("cdps_consumer_applied_total", "Events applied by a consumer", ["consumer"])
DEAD = Counter("cdps_consumer_dead_letters_total", "Events sent to the dead-letter table", ["consumer"])


class EventConsumer:
    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        js: JetStreamContext,
        settings: Settings,
        handler: BatchHandler,
        batch_size: int = 200,
        retry_base_seconds: float = 1.0,
        lock_key: str | None = None,
    ):
        self.name = name
        self._pool = pool
        self._js = js
        self._settings = settings
        self._handler = handler
        self._batch_size = batch_size
        self._retry_base_seconds = retry_base_seconds
        self._lock_key = lock_key

    async def run(self, stop: asyncio.Event) -> None:
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
        try:
            while not stop.is_set():
                msgs = await self._fetch(sub, stopping)
                if msgs:
                    # A batch being applied is finished before shutdown: `stop` is checked only between batches.
                    await self.apply(msgs)
        finally:
            stopping.cancel()

    async def _fetch(self, sub: JetStreamContext.PullSubscription, stopping: asyncio.Future[Any]) -> list[Msg]:
        """The next batch, or nothing if the service is stopping (an idle wait ends at once)."""
        fetch: asyncio.Future[Any] = asyncio.ensure_future(sub.fetch(self._batch_size, timeout=1))
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not fetch.done():
            fetch.cancel()  # anything it was about to receive stays unacked and is redelivered
            with contextlib.suppress(asyncio.CancelledError, nats.errors.Error, TimeoutError):
                await fetch
            return []
        try:
            msgs: list[Msg] = fetch.result()
            return msgs
        except (TimeoutError, nats.errors.TimeoutError):
            return []
        except nats.errors.Error as exc:
            log.warning("consumer fetch failed; retrying", consumer=self.name, error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stopping), 1)
            return []

    async def apply(self, msgs: list[Msg]) -> None:
        try:
            await self._apply_together(msgs)
        except (
            asyncpg.PostgresError,
            msgspec.ValidationError,
            msgspec.DecodeError,
            ValueError,
            KeyError,
            TypeError,
        ):
            # One bad message must not hold back the good ones: apply them one by one.
            for msg in msgs:
                await self._apply_alone(msg)
            return
        for msg in msgs:
            await msg.ack()

    async def _apply_together(self, msgs: list[Msg]) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            if self._lock_key is not None:
                # Lets a maintenance job (the search rebuild) hold batches back for a moment.
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", self._lock_key)
            await self._handler(conn, [decode(msg.data) for msg in msgs])
            await self._record_position(conn, max(m.metadata.sequence.stream for m in msgs))
        APPLIED.labels(self.name).inc(len(msgs))

    async def _apply_alone(self, msg: Msg) -> None:
        try:
            await self._apply_together([msg])
        except (
            asyncpg.PostgresError,
            msgspec.ValidationError,
            msgspec.DecodeError,
            ValueError,
            KeyError,
            TypeError,
        ) as exc:
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
                repr(exc),
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


async def indexed_position(pool: asyncpg.Pool, consumer: str) -> int:
    value = await pool.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = $1", consumer)
    return int(value or 0)
