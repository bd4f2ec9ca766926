"""Search queries. Who may see what is part of every query (hits and facets alike), never a
filter applied afterwards."""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import asyncpg
import msgspec

from services.search.domain import MIN_TERM_LENGTH
from services.search.welsh import highlight_terms, to_tsquery_text, tokenise
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
    corrected: str | None = None
    """Set when nothing matched as typed and these are the results for the nearest title words."""


class Statement:
    """A query's SQL and its parameters, built from only the conditions that apply, so that
    PostgreSQL plans each search for what it asks (a text match, a kind, a tag) and no more."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.conditions: list[str] = []
        self.sql = ""

    def param(self, value: Any, cast: str = "") -> str:
        self.values.append(value)
        return f"${len(self.values)}{cast}"

    def where(self, condition: str) -> None:
        self.conditions.append(condition)


def visible_to(viewer: Identity, param: Callable[[Any, str], str], alias: str = "d") -> str | None:
    """Who may see what, as a condition on documents ``alias`` (None: everything). Part of the WHERE
    clause of every search, hits, facets and typo corrections alike."""
    if viewer.is_staff:
        return None
    if viewer.role == "partner" and viewer.partner_id is not None:
        partner = param(viewer.partner_id, "::uuid")
        return f"({alias}.visibility = 'public' OR ({alias}.visibility = 'partner' AND {alias}.partner_id = {partner}))"
    return f"{alias}.visibility = 'public'"


def _visible_to(statement: Statement, viewer: Identity) -> None:
    condition = visible_to(viewer, statement.param)
    if condition is not None:
        statement.where(condition)


def _filtered(statement: Statement, query: Query) -> None:
    filters: list[tuple[Any, str]] = [
        (query.kind, "d.kind = {}"), (query.partner, "d.partner_id = {}"), (query.phase, "d.phase = {}"),
        (query.health, "d.health = {}"), (query.tag, "{} = ANY (d.tags)"), (query.date_from, "d.occurred_on >= {}"),
        (query.date_to, "d.occurred_on <= {}"),
    ]  # fmt: skip
    for value, condition in filters:
        if value is not None:
            statement.where(condition.format(statement.param(value)))


def words_matching(english: str, welsh: str) -> str:
    """The tsquery for a search's words: the English reading (stemmed) or the Welsh one (folded,
    mutations expanded: ``welsh.to_tsquery_text``). Its arguments are SQL parameter placeholders."""
    return f"(websearch_to_tsquery('english', {english}) || to_tsquery('simple', {welsh}))"


# Private-use characters mark matches, so the record's own text can be escaped before <mark> goes in.
_HEADLINE = "'MaxFragments=1, MaxWords=25, MinWords=10, StartSel=\ue000, StopSel=\ue001'"


def _facet(name: str, column: str, where: str = "") -> str:
    counted = f"SELECT {column} AS value, count(*) AS n FROM matched {where} GROUP BY 1"
    return (
        f"'{name}', (SELECT coalesce(json_agg(json_build_object('value', value, 'count', n) ORDER BY n DESC, value),"
        f" '[]') FROM ({counted}) AS counted)"
    )


_FACETS = ", ".join([
    _facet("kind", "kind"),
    _facet("phase", "phase", "WHERE kind = 'project' AND phase IS NOT NULL"),
    _facet("health", "health", "WHERE kind = 'project' AND health IS NOT NULL"),
    _facet("tag", "tag", "CROSS JOIN unnest(tags) AS tag WHERE kind = 'project'"),
    _facet("partner", "partner_id", "WHERE partner_id IS NOT NULL"),
])  # fmt: skip


def _statement(query: Query, viewer: Identity, text: str) -> Statement:
    """One statement, one pass over the matches: they are collected once (narrow columns only),
    the page of hits is the top of them and the facets count them; only the page's own rows are
    read whole, for titles and snippets.

    Ranking: title matches first (a project, partner or weeknote named by the words), then matches
    in the text; newest first within each. Ranking only asks "does the title match?" of a small
    title vector, so it costs little more than finding the matches.
    """
    statement = Statement()
    _visible_to(statement, viewer)
    _filtered(statement, query)
    rank = "0"
    english = welsh = "''"
    if text:
        english, welsh = statement.param(text), statement.param(to_tsquery_text(text))
        tsquery = words_matching(english, welsh)
        statement.where(f"d.tsv @@ {tsquery}")
        rank = f"CASE WHEN d.title_tsv @@ {tsquery} THEN 1 ELSE 0 END"
    highlight = statement.param(" | ".join(highlight_terms(text)) if text else "")
    limit, offset = statement.param(query.limit), statement.param(query.offset)
    where = " AND ".join(statement.conditions) or "true"
    statement.sql = f"""
WITH matched AS MATERIALIZED (
    SELECT d.id, d.kind, d.phase, d.health, d.tags, d.partner_id, d.occurred_on, {rank} AS rank
    FROM documents d WHERE {where}
), page AS (
    SELECT id, rank FROM matched ORDER BY rank DESC, occurred_on DESC, id LIMIT {limit} OFFSET {offset}
)
SELECT f.facets, d.id, d.kind, d.slug, d.project_id, d.partner_id, d.title_en, d.title_cy, d.phase, d.health,
       d.tags, d.occurred_on, p.rank,
       ts_headline('english', d.body_en, websearch_to_tsquery('english', {english}), {_HEADLINE}) AS snippet_en,
       ts_headline('simple', d.body_cy, to_tsquery('simple', {highlight}), {_HEADLINE}) AS snippet_cy
FROM (SELECT json_build_object({_FACETS}) AS facets) AS f
LEFT JOIN (page p JOIN documents d ON d.id = p.id) ON true
ORDER BY p.rank DESC, d.occurred_on DESC, d.id
"""
    return statement


async def search(pool: asyncpg.Pool, query: Query, viewer: Identity) -> Results:
    """Full text first; only if that finds nothing, the same search with misspelt title words
    replaced by the nearest title words the caller may see (typo tolerance), reported as ``corrected``."""
    text = query.q.strip()
    async with pool.acquire() as conn:
        results = await _search(conn, query, viewer, text)
        if results.total == 0 and text:
            corrected = await correct(conn, text, viewer)
            if corrected is not None:
                second = await _search(conn, query, viewer, corrected)
                if second.total > 0:
                    second.corrected = corrected
                    return second
    return results


async def _search(conn: Conn, query: Query, viewer: Identity, text: str) -> Results:
    statement = _statement(query, viewer, text)
    rows = await conn.fetch(statement.sql, *statement.values)
    facets = msgspec.json.decode(rows[0]["facets"], type=dict[str, list[FacetCount]])
    total = sum(f.count for f in facets["kind"])  # every match has exactly one kind
    hits = [_hit(r) for r in rows if r["id"] is not None]
    return Results(query=query.q, total=total, items=hits, facets=facets)


async def correct(conn: Conn, text: str, viewer: Identity) -> str | None:
    """``text`` with each word that no title the caller may see contains replaced by the most similar
    word (trigrams) of a title the caller may see, or None if there is nothing to correct.

    The lexicon (``title_terms``) holds the words of every title, whoever may see them; each word is
    checked against the caller's visible documents (``title_words``), so a correction never reveals,
    nor confirms by its absence, a word of a record the caller may not see.
    """
    statement = Statement()
    visible = visible_to(viewer, statement.param, alias="v") or "true"
    words, shortest = statement.param(tokenise(text), "::text[]"), statement.param(MIN_TERM_LENGTH)

    def seen(term: str) -> str:
        return (f"EXISTS (SELECT 1 FROM title_words tw JOIN documents v ON v.id = tw.document_id"
                f" WHERE tw.term = {term} AND {visible})")  # fmt: skip

    rows = await conn.fetch(
        f"""SELECT w.word, (SELECT t.term FROM title_terms t WHERE t.term % w.word AND {seen("t.term")}
                           ORDER BY similarity(t.term, w.word) DESC, t.term LIMIT 1) AS nearest
            FROM unnest({words}) AS w(word)
            WHERE length(w.word) >= {shortest} AND NOT {seen("w.word")}""",
        *statement.values,
    )
    nearest = {r["word"]: r["nearest"] for r in rows if r["nearest"] is not None}
    return " ".join(nearest.get(word, word) for word in tokenise(text)) if nearest else None


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
