"""Search queries. Who may see what is part of every query, never a filter applied afterwards."""

from __future__ import annotations

import html
import uuid
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from shared.identity import Identity

if TYPE_CHECKING:
    from shared.db import Conn


class Hit(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    slug: str
    title_en: str
    title_cy: str
    snippet_en: str
    """HTML: the escaped text with matches in <mark>."""
    snippet_cy: str
    phase: str | None
    health: str | None
    rank: float


class Results(msgspec.Struct, kw_only=True):
    query: str
    total: int
    items: list[Hit]


# $2 = role, $3 = the caller's partner id. Staff see everything; a partner also sees its own
# organisation's partner-visible records; everyone sees public records.
_VISIBLE = """(
    visibility = 'public'
    OR $2 IN ('admin', 'lead')
    OR ($2 = 'partner' AND visibility = 'partner' AND partner_id = $3)
)"""


# Private-use characters mark matches, so the record's own text can be escaped before <mark> goes in.
_HEADLINE = "'MaxFragments=1, MaxWords=20, StartSel=, StopSel='"


async def search(conn: Conn, q: str, identity: Identity, *, limit: int) -> Results:
    query = "websearch_to_tsquery('english', $1) || websearch_to_tsquery('simple', $1)"
    rows = await conn.fetch(
        f"""
        SELECT id, kind, slug, title_en, title_cy, phase, health,
               ts_rank(tsv, {query}) AS rank,
               ts_headline('english', body_en, {query}, {_HEADLINE}) AS snippet_en,
               ts_headline('simple', body_cy, {query}, {_HEADLINE}) AS snippet_cy,
               count(*) OVER () AS total
        FROM documents
        WHERE ($1 = '' OR tsv @@ ({query})) AND {_VISIBLE}
        ORDER BY rank DESC, occurred_at DESC
        LIMIT $4
        """,
        q, identity.role, identity.partner_id, limit,
    )  # fmt: skip
    total = rows[0]["total"] if rows else 0
    return Results(query=q, total=total, items=[_hit(r) for r in rows])


def _hit(row: asyncpg.Record) -> Hit:
    fields = dict(row)
    del fields["total"]
    fields["snippet_en"] = snippet_html(fields["snippet_en"])
    fields["snippet_cy"] = snippet_html(fields["snippet_cy"])
    return msgspec.convert(fields, Hit)


def snippet_html(headline: str) -> str:
    """Escape the record's text, then turn PostgreSQL's match markers into <mark> elements."""
    return html.escape(headline).replace("\ue000", "<mark>").replace("\ue001", "</mark>")
