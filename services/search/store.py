"""Search queries. Who may see what is part of every query (hits, counts, facets and corrections
alike), never a filter applied afterwards.

A search is one statement in three parts, each of which stops as soon as it has what it needs:

* the page: the best ``offset + limit`` matches by rank tier, newest first within a tier. Each tier
  is its own ordered, limited scan (title matches through the small title index; text matches
  newest first), so a word in 40,000 documents costs 20 rows of ranking, not 40,000;
* the count: the matches, up to the cap and one more, so a total is exact up to the cap and "more
  than" above it (Elasticsearch's ``track_total_hits``); staff may ask for an exact count;
* the facets: over the counted matches (all of them, below the cap).
"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from services.search.domain import MIN_TERM_LENGTH
from services.search.welsh import analyser, tokenise
from shared.identity import Identity
from shared.search import FacetCount, SearchHit, SearchKind, SearchResults

if TYPE_CHECKING:
    from shared.db import Conn


class Query(msgspec.Struct, kw_only=True):
    q: str = ""
    kind: SearchKind | None = None
    partner: uuid.UUID | None = None
    phase: str | None = None
    health: str | None = None
    tag: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = 20
    offset: int = 0
    cap: int | None = 10_000
    """Count exactly up to this many matches; None counts every match (staff, for a report)."""


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
    """Who may see what, as a condition on documents ``alias`` (None: everything)."""
    if viewer.is_staff:
        return None
    if viewer.role == "partner" and viewer.partner_id is not None:
        partner = param(viewer.partner_id, "::uuid")
        return f"({alias}.visibility = 'public' OR ({alias}.visibility = 'partner' AND {alias}.partner_id = {partner}))"
    return f"{alias}.visibility = 'public'"


def _filtered(statement: Statement, query: Query, viewer: Identity) -> None:
    visible = visible_to(viewer, statement.param)
    if visible is not None:
        statement.where(visible)
    filters: list[tuple[Any, str]] = [
        (query.kind, "d.kind = {}"), (query.partner, "d.partner_id = {}"), (query.phase, "d.phase = {}"),
        (query.health, "d.health = {}"), (query.tag, "{} = ANY (d.tags)"), (query.date_from, "d.occurred_on >= {}"),
        (query.date_to, "d.occurred_on <= {}"),
    ]  # fmt: skip
    for value, condition in filters:
        if value is not None:
            statement.where(condition.format(statement.param(value)))


class Words:
    """The tsqueries of a search's words, as SQL over parameter placeholders: every match (the
    English reading, stemmed, or the Welsh one with its radicals and singulars), and the exact
    matches (English stems and Welsh words as typed)."""

    def __init__(self, text: str, param: Callable[[Any, str], str]):
        welsh_all, welsh_exact = analyser().query(text)
        english = f"websearch_to_tsquery('english', {param(text, '')})"
        self.all = f"({english} || {param(welsh_all, '::tsquery')})"
        self.exact = f"({english} || {param(welsh_exact, '::tsquery')})"


def words_matching(text: str, param: Callable[[Any, str], str]) -> str:
    """The condition on documents ``d`` that a search for ``text`` matches, as ``Words.all`` (the
    benchmark's counting floor uses it, so that it counts exactly what the service matches)."""
    welsh_all, _ = analyser().query(text)
    return f"d.tsv @@ (websearch_to_tsquery('english', {param(text, '')}) || {param(welsh_all, '::tsquery')})"


# Private-use characters mark matches, so the record's own text can be escaped before <mark> goes in.
_HEADLINE = "'MaxFragments=1, MaxWords=25, MinWords=10, StartSel=\ue000, StopSel=\ue001'"


def _facet(name: str, column: str, where: str = "") -> str:
    counted = f"SELECT {column} AS value, count(*) AS n FROM counted {where} GROUP BY 1"
    return (
        f"'{name}', (SELECT coalesce(json_agg(json_build_object('value', value, 'count', n) ORDER BY n DESC, value),"
        f" '[]') FROM ({counted}) AS facet)"
    )


_FACETS = ", ".join([
    _facet("kind", "kind"),
    _facet("phase", "phase", "WHERE kind = 'project' AND phase IS NOT NULL"),
    _facet("health", "health", "WHERE kind = 'project' AND health IS NOT NULL"),
    _facet("tag", "tag", "CROSS JOIN unnest(tags) AS tag WHERE kind = 'project'"),
    _facet("partner", "partner_id", "WHERE partner_id IS NOT NULL"),
])  # fmt: skip


def _tiers(words: Words | None, where: str, wanted: str) -> str:
    """The best ``wanted`` matches, by tier then newest: one ordered, limited scan per tier (the
    tiers are disjoint), so each stops after ``wanted`` rows whatever the number of matches."""
    if words is None:
        return f"SELECT d.id, d.occurred_on, 0 AS tier FROM documents d WHERE {where} ORDER BY d.occurred_on DESC, d.id LIMIT {wanted}"  # noqa: E501
    in_title = f"d.title_tsv @@ {words.all}"
    return f"""
    (SELECT d.id, d.occurred_on, CASE WHEN d.title_tsv @@ {words.exact} THEN 3 ELSE 2 END AS tier
     FROM documents d WHERE {where} AND {in_title} ORDER BY 3 DESC, d.occurred_on DESC, d.id LIMIT {wanted})
    UNION ALL
    (SELECT d.id, d.occurred_on, 1 FROM documents d
     WHERE {where} AND d.tsv @@ {words.exact} AND NOT {in_title} ORDER BY d.occurred_on DESC, d.id LIMIT {wanted})
    UNION ALL
    (SELECT d.id, d.occurred_on, 0 FROM documents d
     WHERE {where} AND d.tsv @@ {words.all} AND NOT d.tsv @@ {words.exact} AND NOT {in_title}
     ORDER BY d.occurred_on DESC, d.id LIMIT {wanted})"""


def _statement(query: Query, viewer: Identity, text: str) -> Statement:
    statement = Statement()
    _filtered(statement, query, viewer)
    words = Words(text, statement.param) if text else None
    english = statement.param(text)
    highlight = statement.param(" | ".join(analyser().highlight_terms(text)) if text else "")
    where = " AND ".join(statement.conditions) or "true"
    matching = f"{where} AND d.tsv @@ {words.all}" if words else where
    limit, offset = statement.param(query.limit), statement.param(query.offset)
    wanted = statement.param(query.offset + query.limit)
    cap = "ALL" if query.cap is None else statement.param(query.cap)
    beyond = "ALL" if query.cap is None else statement.param(query.cap + 1)
    statement.sql = f"""
WITH found AS MATERIALIZED (
    SELECT d.kind, d.phase, d.health, d.tags, d.partner_id FROM documents d WHERE {matching} LIMIT {beyond}
), counted AS MATERIALIZED (
    SELECT * FROM found LIMIT {cap}
), page AS (
    SELECT id, tier FROM ({_tiers(words, where, wanted)}) AS ranked
    ORDER BY tier DESC, occurred_on DESC, id LIMIT {limit} OFFSET {offset}
)
SELECT (SELECT count(*) FROM found) AS found, f.facets, d.id, d.kind, d.slug, d.project_id, d.partner_id,
       d.title_en, d.title_cy, d.phase, d.health, d.tags, d.occurred_on, p.tier AS rank,
       ts_headline('english', d.body_en, websearch_to_tsquery('english', {english}), {_HEADLINE}) AS snippet_en,
       ts_headline('simple', d.body_cy, to_tsquery('simple', {highlight}), {_HEADLINE}) AS snippet_cy
FROM (SELECT json_build_object({_FACETS}) AS facets) AS f
LEFT JOIN (page p JOIN documents d ON d.id = p.id) ON true
ORDER BY p.tier DESC, d.occurred_on DESC, d.id
"""
    return statement


async def search(conn: Conn, query: Query, viewer: Identity) -> SearchResults:
    """Full text first; only if that finds nothing, the same search with misspelt title words
    replaced by the nearest title words the caller may see (typo tolerance), reported as ``corrected``."""
    text = query.q.strip()
    results = await _search(conn, query, viewer, text)
    if results.total == 0 and text:
        corrected = await correct(conn, text, viewer)
        if corrected is not None:
            second = await _search(conn, query, viewer, corrected)
            if second.total > 0:
                second.corrected = corrected
                return second
    return results


async def _search(conn: Conn, query: Query, viewer: Identity, text: str) -> SearchResults:
    statement = _statement(query, viewer, text)
    rows = await conn.fetch(statement.sql, *statement.values)
    facets = msgspec.json.decode(rows[0]["facets"], type=dict[str, list[FacetCount]])
    found = rows[0]["found"]
    capped = query.cap is not None and found > query.cap
    return SearchResults(
        query=query.q, total=query.cap if capped and query.cap is not None else found,
        total_relation="gte" if capped else "eq", items=[_hit(r) for r in rows if r["id"] is not None],
        facets=facets, facets_approximate=capped,
    )  # fmt: skip


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


def _hit(row: asyncpg.Record) -> SearchHit:
    fields = {name: row[name] for name in SearchHit.__struct_fields__}
    fields["snippet_en"] = snippet_html(fields["snippet_en"])
    fields["snippet_cy"] = snippet_html(fields["snippet_cy"])
    return msgspec.convert(fields, SearchHit)


def snippet_html(headline: str) -> str:
    """Escape the record's text, then turn PostgreSQL's match markers into <mark> elements."""
    return html.escape(headline).replace("\ue000", "<mark>").replace("\ue001", "</mark>")


async def indexed_seq(conn: Conn, aggregate_id: uuid.UUID) -> int:
    seq = await conn.fetchval("SELECT aggregate_seq FROM aggregates WHERE aggregate_id = $1", aggregate_id)
    return int(seq or 0)
