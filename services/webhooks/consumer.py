"""Turns events into deliveries, one per (event, endpoint) that wants it and may hear of it, in the
consumer's transaction (so before the message is acked). Sending is the sender's job: a crash
between the two loses nothing, and a redelivered event records nothing new."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.webhooks import store
from services.webhooks.domain import delivery_id, public_body, scope_of, wants
from shared.events import CATALOGUE, Envelope

if TYPE_CHECKING:
    from shared.db import Conn

CONSUMER = "webhooks"


async def apply_batch(conn: Conn, envelopes: list[Envelope]) -> None:
    targets = await store.enabled_targets(conn)
    if not targets:
        return
    rows = []
    for envelope in envelopes:
        if envelope.type not in CATALOGUE:
            continue
        event = envelope.payload()
        scope = scope_of(envelope, event)
        chosen = [target for target in targets if wants(target, envelope.type, scope)]
        if not chosen:
            continue
        await store.add_message(conn, envelope, public_body(envelope, event))
        rows += [(delivery_id(t.id, envelope.id), t.id, envelope.id, envelope.type) for t in chosen]
    if rows:
        await store.add_deliveries(conn, rows)
