"""Turns events into deliveries, one per (event, endpoint) that wants it and may hear of it, in the
consumer's transaction (so before the message is acked). Sending is the sender's job: a crash
between the two loses nothing, and a redelivered event records nothing new.

Each delivery keeps its event's stream sequence, and the sender sends none beyond JetStream's ack
floor (every event up to it applied), in stream order: an endpoint gets events in the stream's
order even when they reach this consumer out of it (after a crash, or with replicas)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
import nats.errors

from services.webhooks import store
from services.webhooks.domain import delivery_id, public_body, scope_of, wants
from shared.consumer import AckFloorListener, InStreamOrder, read_ack_floor
from shared.db import DATABASE_UNAVAILABLE
from shared.events import CATALOGUE, Envelope
from shared.logs import get_logger
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

CONSUMER = "webhooks"


async def apply_batch(conn: Conn, batch: list[tuple[int, Envelope]]) -> None:
    targets = await store.enabled_targets(conn)
    if not targets:
        return
    rows = []
    for stream_seq, envelope in batch:
        if envelope.type not in CATALOGUE:
            continue
        event = envelope.payload()
        scope = scope_of(envelope, event)
        chosen = [target for target in targets if wants(target, envelope.type, scope)]
        if not chosen:
            continue
        await store.add_message(conn, envelope, public_body(envelope, event))
        rows += [(delivery_id(t.id, envelope.id), t.id, envelope.id, envelope.type, stream_seq) for t in chosen]
    if rows:
        await store.add_deliveries(conn, rows)


HANDLER = InStreamOrder(apply_batch)


def floor_keeper(pool: asyncpg.Pool) -> AckFloorListener:
    """Records the ack floor the consumer hears after each batch (and wakes the sender)."""

    async def keep(stream_seq: int) -> None:
        try:
            async with pool.acquire() as conn:
                await store.raise_floor(conn, stream_seq)
        except DATABASE_UNAVAILABLE as exc:  # the sender reads the floor itself when it next idles
            log.warning("ack floor not recorded", error=repr(exc))

    return keep


async def refresh_floor(runtime: Runtime) -> None:
    """Read the ack floor from JetStream and record it, when deliveries wait beyond the recorded one:
    the consumer records it after each batch, but not if it died between its acks and that write,
    nor when JetStream could not be asked; nothing would wake the sender for those deliveries then."""
    async with runtime.pool.acquire() as conn:
        if not await store.waiting_beyond_floor(conn):
            return
        try:
            floor = await read_ack_floor(runtime.js, runtime.settings, CONSUMER)
        except nats.errors.Error as exc:
            log.warning("ack floor not read", error=repr(exc))
            return
        if floor is not None:
            await store.raise_floor(conn, floor)
