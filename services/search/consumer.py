"""Keeps the search documents in step with the event stream (idempotent and order-tolerant)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.search.domain import Document, indexing_for
from shared.events import CATALOGUE, Envelope

if TYPE_CHECKING:
    from shared.db import Conn

CONSUMER = "search"

_UPSERT = """
INSERT INTO {table} (id, kind, aggregate_id, aggregate_seq, slug, partner_id, project_id, visibility,
                     title_en, title_cy, body_en, body_cy, title_cy_terms, body_cy_terms, title_folded,
                     phase, health, state, tags, occurred_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, aggregate_seq = EXCLUDED.aggregate_seq, slug = EXCLUDED.slug,
    partner_id = EXCLUDED.partner_id, project_id = EXCLUDED.project_id, visibility = EXCLUDED.visibility,
    title_en = EXCLUDED.title_en, title_cy = EXCLUDED.title_cy, body_en = EXCLUDED.body_en,
    body_cy = EXCLUDED.body_cy, title_cy_terms = EXCLUDED.title_cy_terms, body_cy_terms = EXCLUDED.body_cy_terms,
    title_folded = EXCLUDED.title_folded, phase = EXCLUDED.phase, health = EXCLUDED.health,
    state = EXCLUDED.state, tags = EXCLUDED.tags, occurred_on = EXCLUDED.occurred_on
"""


class Tables:
    """Table names, so that a rebuild can write into fresh tables with the same code."""

    def __init__(self, suffix: str = ""):
        self.documents = f"documents{suffix}"
        self.aggregates = f"aggregates{suffix}"


LIVE = Tables()


async def upsert(conn: Conn, doc: Document, tables: Tables = LIVE) -> None:
    await conn.execute(
        _UPSERT.format(table=tables.documents),
        doc.id, doc.kind, doc.aggregate_id, doc.aggregate_seq, doc.slug, doc.partner_id, doc.project_id,
        doc.visibility, doc.title_en, doc.title_cy, doc.body_en, doc.body_cy, doc.title_cy_terms,
        doc.body_cy_terms, doc.title_folded, doc.phase, doc.health, doc.state, doc.tags, doc.occurred_on,
    )  # fmt: skip


async def is_newest(conn: Conn, envelope: Envelope, tables: Tables = LIVE) -> bool:
    """Record the event's aggregate_seq; False if the index already holds this one or a newer one."""
    newer = await conn.fetchval(
        f"""INSERT INTO {tables.aggregates} (aggregate_id, aggregate_seq) VALUES ($1, $2)
            ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_seq = EXCLUDED.aggregate_seq
            WHERE {tables.aggregates}.aggregate_seq < EXCLUDED.aggregate_seq
            RETURNING true""",
        envelope.aggregate_id, envelope.aggregate_seq,
    )  # fmt: skip
    return bool(newer)


async def apply_event(conn: Conn, envelope: Envelope, tables: Tables = LIVE) -> None:
    if envelope.type not in CATALOGUE:
        return  # an event from a newer producer: nothing to index yet
    indexing = indexing_for(envelope, envelope.payload())
    for doc in indexing.extra:
        await upsert(conn, doc, tables)  # its own record, keyed by its own id: safe in any order
    if not await is_newest(conn, envelope, tables):
        return
    if indexing.record is not None:
        await upsert(conn, indexing.record, tables)
        if indexing.record.kind == "project":
            # A project's updates are seen by whoever may see the project.
            await conn.execute(
                f"UPDATE {tables.documents} SET visibility = $2, partner_id = $3 "
                "WHERE project_id = $1 AND kind = 'update'",
                indexing.record.id, indexing.record.visibility, indexing.record.partner_id,
            )  # fmt: skip
    if indexing.state is not None:
        await conn.execute(
            f"UPDATE {tables.documents} SET state = $2 WHERE id = $1", envelope.aggregate_id, indexing.state
        )
