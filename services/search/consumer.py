"""Keeps the search documents in step with the event stream."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.events import CATALOGUE, Envelope, ProjectCreated

if TYPE_CHECKING:
    from shared.db import Conn

CONSUMER = "search"


async def apply_event(conn: Conn, envelope: Envelope) -> None:
    """Apply one event; a redelivered or out-of-date event (older aggregate_seq) changes nothing."""
    if envelope.type not in CATALOGUE:
        return  # an event from a newer producer: nothing to index yet
    event = envelope.payload()
    if isinstance(event, ProjectCreated):
        project = event.project
        await conn.execute(
            """
            INSERT INTO documents (id, kind, slug, partner_id, visibility, title_en, title_cy,
                                   body_en, body_cy, phase, health, tags, aggregate_seq, occurred_at)
            VALUES ($1, 'project', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (id) DO UPDATE SET
                slug = EXCLUDED.slug, partner_id = EXCLUDED.partner_id,
                visibility = EXCLUDED.visibility, title_en = EXCLUDED.title_en,
                title_cy = EXCLUDED.title_cy, body_en = EXCLUDED.body_en, body_cy = EXCLUDED.body_cy,
                phase = EXCLUDED.phase, health = EXCLUDED.health, tags = EXCLUDED.tags,
                aggregate_seq = EXCLUDED.aggregate_seq, occurred_at = EXCLUDED.occurred_at
            WHERE documents.aggregate_seq < EXCLUDED.aggregate_seq
            """,
            envelope.aggregate_id, project.slug, project.partner_id, project.visibility, project.title_en,
            project.title_cy, project.summary_en, project.summary_cy, project.phase, project.health,
            project.tags, envelope.aggregate_seq, envelope.occurred_at,
        )  # fmt: skip
