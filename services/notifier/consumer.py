"""Turns events into delivery rows, one per recipient, before the message is acked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.notifier.domain import message_for
from shared.events import CATALOGUE, Envelope, new_event_id

if TYPE_CHECKING:
    from shared.db import Conn

CONSUMER = "notifier"


async def apply_event(conn: Conn, envelope: Envelope) -> None:
    if envelope.type not in CATALOGUE:
        return
    event = envelope.payload()
    subscribers = await conn.fetch("SELECT email, language FROM subscriptions WHERE confirmed AND scope = 'portfolio'")
    for subscriber in subscribers:
        message = message_for(event, subscriber["language"])
        if message is None:
            return
        subject, body = message
        # The unique (event_id, recipient) key makes a redelivered event a no-op.
        await conn.execute(
            """INSERT INTO deliveries (id, event_id, event_type, recipient, language, subject, body)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id, recipient) DO NOTHING""",
            new_event_id(), envelope.id, envelope.type, subscriber["email"], subscriber["language"],
            subject, body,
        )  # fmt: skip
