"""Search queries. Who may see what is part of every query (hits and facets alike), never a
filter applied afterwards."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import uuid
from typing import TYPE_CHECKING, Any, Literal

import asyncpg
import msgspec

from services.search.welsh import fold, highlight_terms, to_tsquery_text
from shared.identity import Identity

if TYPE_CHECKING:
    from shared.db import Conn

Kind = Literal["partner", "project", "update", "engagement", "support_request", "weeknote"]


class Query(msgspec.Struct, kw_only=True):
    q: str = ""
    kind: Kind | None = None
    partner: uuid.UUID | None = None
    phase: str | None = None
    health: str | None = None
    tag: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = 20
    offset: int = 0


class Hit(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    slug: str
    project_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    title_en: str
    title_cy: str
    snippet_en: str
    """HTML: the escaped text with matches in <mark>."""
    snippet_cy: str
    phase: str | None
    health: str | None
    tags: list[str]
    occurred_on: dt.date
    rank: float


class FacetCount(msgspec.Struct, frozen=True):
    value: str
    count: int


class Results(msgspec.Struct, kw_only=True):
    query: str
    total: int
    items: list[Hit]
    facets: dict[str, list[FacetCount]]


# Parameters: $1 role, $2 partner id, $3 English query text, $4 Welsh tsquery text, $5 folded query,
# $6 kind, $7 partner filter, $8 phase, $9 health, $10 tag, $11 from, $12 to, $13 fuzzy: match titles
# by trigram similarity instead of full text (the typo fallback, run only when full text finds nothing).
_QUERY = """
WITH query AS (
    SELECT websearch_to_tsquery('english', $3) || to_tsquery('simple', $4) AS tsq
)"""

_FILTER = """
    WHERE (d.visibility = 'public'
           OR $1 IN ('admin', 'lead')
           OR ($1 = 'partner' AND d.visibility = 'partner' AND d.partner_id = $2))
      AND ($3 = '' OR (NOT $13 AND d.tsv @@ query.tsq) OR ($13 AND $5 <% d.title_folded))
      AND ($6::text IS NULL OR d.kind = $6) AND ($7::uuid IS NULL OR d.partner_id = $7)
      AND ($8::text IS NULL OR d.phase = $8) AND ($9::text IS NULL OR d.health = $9)
      AND ($10::text IS NULL OR $10 = ANY (d.tags))
      AND ($11::date IS NULL OR d.occurred_on >= $11) AND ($12::date IS NULL OR d.occurred_on <= $12)
"""

# Ranking reads each match's whole tsvector, so only the hits query ranks; the facets read five
# small columns of the same matches.
_MATCHED = (
    _QUERY
    + """, matched AS (
    SELECT d.*,
           CASE WHEN $3 = '' THEN 0
                WHEN $13 THEN word_similarity($5, d.title_folded)
                ELSE ts_rank('{0.0, 0.0, 0.1, 1.0}', d.tsv, query.tsq)
           END AS rank
    FROM documents d, query"""
    + _FILTER
    + ")"
)

_FACET_ROWS = (
    _QUERY
    + """, matched AS MATERIALIZED (
    SELECT d.kind, d.phase, d.health, d.tags, d.partner_id FROM documents d, query"""
    + _FILTER
    + ")"
)

# Private-use characters mark matches, so the record's own text can be escaped before <mark> goes in.
_HEADLINE = "'MaxFragments=1, MaxWords=25, MinWords=10, StartSel=\ue000, StopSel=\ue001'"

_HITS = (
    _MATCHED
    + """
SELECT m.*,
       ts_headline('english', m.body_en, websearch_to_tsquery('english', $3), """
    + _HEADLINE
    + """) AS snippet_en,
       ts_headline('simple', m.body_cy, to_tsquery('simple', $16), """
    + _HEADLINE
    + """) AS snippet_cy
FROM matched m
ORDER BY m.rank DESC, m.occurred_on DESC, m.id
LIMIT $14 OFFSET $15
"""
)

_FACETS = (
    _FACET_ROWS
    + """
SELECT 'kind' AS facet, kind AS value, count(*) AS n FROM matched GROUP BY kind
UNION ALL SELECT 'phase', phase, count(*) FROM matched WHERE phase IS NOT NULL AND kind = 'project' GROUP BY phase
UNION ALL SELECT 'health', health, count(*) FROM matched WHERE health IS NOT NULL AND kind = 'project' GROUP BY health
UNION ALL SELECT 'tag', tag, count(*) FROM matched, unnest(tags) AS tag WHERE kind = 'project' GROUP BY tag
UNION ALL SELECT 'partner', partner_id::text, count(*) FROM matched WHERE partner_id IS NOT NULL GROUP BY partner_id
ORDER BY 1, 3 DESC, 2
"""
)


def _parameters(query: Query, viewer: Identity) -> list[Any]:
    text = query.q.strip()
    return [
        viewer.role, viewer.partner_id, text, to_tsquery_text(text) if text else "", fold(text),
        query.kind, query.partner, query.phase, query.health, query.tag, query.date_from, query.date_to,
    ]  # fmt: skip


async def search(pool: asyncpg.Pool, query: Query, viewer: Identity) -> Results:
    """Full text first; only if that finds nothing, titles by trigram similarity (typos)."""
    results = await _search(pool, query, viewer, fuzzy=False)
    if results.total == 0 and query.q.strip():
        results = await _search(pool, query, viewer, fuzzy=True)
    return results


async def _search(pool: asyncpg.Pool, query: Query, viewer: Identity, *, fuzzy: bool) -> Results:
    parameters = [*_parameters(query, viewer), fuzzy]
    highlight = " | ".join(highlight_terms(query.q)) if query.q.strip() else ""

    async def facet_rows() -> list[asyncpg.Record]:
        async with pool.acquire() as conn:
            return list(await conn.fetch(_FACETS, *parameters))

    async def hit_rows() -> list[asyncpg.Record]:
        async with pool.acquire() as conn:
            return list(await conn.fetch(_HITS, *parameters, query.limit, query.offset, highlight))

    # The two statements read the same matches independently: on two connections they overlap.
    counted, rows = await asyncio.gather(facet_rows(), hit_rows())
    facets: dict[str, list[FacetCount]] = {name: [] for name in ("kind", "phase", "health", "tag", "partner")}
    for row in counted:
        facets[row["facet"]].append(FacetCount(value=row["value"], count=row["n"]))
    total = sum(f.count for f in facets["kind"])  # every match has exactly one kind
    return Results(query=query.q, total=total, items=[_hit(r) for r in rows], facets=facets)


def _hit(row: asyncpg.Record) -> Hit:
    fields = {name: row[name] for name in Hit.__struct_fields__}
    fields["snippet_en"] = snippet_html(fields["snippet_en"])
    fields["snippet_cy"] = snippet_html(fields["snippet_cy"])
    return msgspec.convert(fields, Hit)


def snippet_html(headline: str) -> str:
    """Escape the record's text, then turn PostgreSQL's match markers into <mark> elements."""
    return html.escape(headline).replace("\ue000", "<mark>").replace("\ue001", "</mark>")


async def indexed_seq(conn: Conn, aggregate_id: uuid.UUID) -> int:
    seq = await conn.fetchval("SELECT aggregate_seq FROM aggregates WHERE aggregate_id = $1", aggregate_id)
    return int(seq or 0)
