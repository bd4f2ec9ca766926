"""Search queries. Who may see what is part of every query (hits, counts, facets and corrections
alike), never a filter applied afterwards.

A search is two statements, each of which stops as soon as it has what it needs:

* the count: the matches, up to the cap and one more, so a total is exact up to the cap and "more
  than" above it (Elasticsearch's ``track_total_hits``); staff may ask for an exact count; and the
  facets over the counted matches (all of them, below the cap);
* the page: the best ``offset + limit`` matches by rank tier, newest first within a tier. Each tier
  is its own ordered, limited scan (title matches through the small title index; text matches
  newest first), so a word in 40,000 documents costs a page of rows of ranking, not 40,000.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from services.search.domain import MIN_TERM_LENGTH
from services.search.welsh import analyser, tokenise
from shared.identity import Identity
from shared.replies.search import FacetCount, SearchHit, SearchKind, SearchResults

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
        (query.health, "d.health = {}"), (query.tag, "d.tags @> ARRAY[{}::text]"),
        (query.date_from, "d.occurred_on >= {}"), (query.date_to, "d.occurred_on <= {}"),
    ]  # fmt: skip
    # Written as the search index serves them (migration 2170): a tag as containment, not `= ANY`.
    for value, condition in filters:
        if value is not None:
            statement.where(condition.format(statement.param(value)))


class Words:
    """The tsqueries of a search's words, as SQL over parameter placeholders (each placed in the
    statement when first used): every match (the English reading, stemmed, or the Welsh one with
    its radicals and singulars), and the exact matches (English stems and Welsh words as typed)."""

    def __init__(self, text: str, param: Callable[[Any, str], str]):
        self._text, self._param = text, param
        self._welsh_all, self._welsh_exact = analyser().query(text)
        # A group is (surface, cy:surface, other forms...). Its cy: term alone already matches more than
        # the surface: a document holds the radical of each mutated word (``chludiant`` gives
        # ``cy:cludiant``), so a search for ``cludiant`` finds it only through the broader tier.
        self.expands = any(len(group) > 1 for group in analyser().query_groups(text))

    @functools.cached_property
    def _english(self) -> str:
        return f"websearch_to_tsquery('english', {self._param(self._text, '')})"

    @functools.cached_property
    def all(self) -> str:
        return f"({self._english} || {self._param(self._welsh_all, '::tsquery')})"

    @functools.cached_property
    def exact(self) -> str:
        return f"({self._english} || {self._param(self._welsh_exact, '::tsquery')})"


def words_matching(text: str, param: Callable[[Any, str], str]) -> str:
    """The condition on documents ``d`` that a search for ``text`` matches (the benchmark's counting
    floor uses it, so that it counts exactly what the service matches)."""
    return f"d.tsv @@ {Words(text, param).all}"


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


BROAD = 4_000
"""Matches above which text matches are read newest first through the date index until a page is
full (a page of rows for a broad word); below it, found through the text index and sorted (a
rare word would otherwise walk the whole date index)."""


def _text_tier(words: Words, matches: str, order: str) -> str:
    return f"""
    (SELECT d.id, d.occurred_on, {{tier}} AS tier FROM documents d
     WHERE {{where}} AND {matches} AND NOT d.title_tsv @@ {words.all} ORDER BY {order} DESC, d.id LIMIT {{wanted}})"""


def _tiers(words: Words | None, where: str, wanted: str, broad: bool) -> str:
    """The best ``wanted`` matches, by tier then newest: one ordered, limited scan per tier (the
    tiers are disjoint). The plan is chosen here, not left to estimates: for a broad search the text
    condition is written as ``ts_match_vq`` (which no index serves) and the order as the date index
    gives it; for a narrow one, ``@@`` through the text index and an order the date index cannot give."""
    if words is None:
        return f"SELECT d.id, d.occurred_on, 0 AS tier FROM documents d WHERE {where} ORDER BY d.occurred_on DESC, d.id LIMIT {wanted}"  # noqa: E501

    def matching(tsquery: str) -> str:
        return f"ts_match_vq(d.tsv, {tsquery})" if broad else f"d.tsv @@ {tsquery}"

    order = "d.occurred_on" if broad else "(d.occurred_on + 0)"
    tiers = [
        f"""
    (SELECT d.id, d.occurred_on, CASE WHEN d.title_tsv @@ {words.exact} THEN 3 ELSE 2 END AS tier
     FROM documents d WHERE {where} AND d.title_tsv @@ {words.all} ORDER BY 3 DESC, d.occurred_on DESC, d.id
     LIMIT {wanted})""",
        _text_tier(words, matching(words.exact), order).format(tier=1, where=where, wanted=wanted),
    ]
    if words.expands:
        other = f"{matching(words.all)} AND NOT {matching(words.exact)}"
        tiers.append(_text_tier(words, other, order).format(tier=0, where=where, wanted=wanted))
    return " UNION ALL ".join(tiers)


def _counting(query: Query, viewer: Identity, text: str) -> Statement:
    """The matches, up to the cap and one more, and the facets over the first cap of them."""
    statement = Statement()
    _filtered(statement, query, viewer)
    words = Words(text, statement.param) if text else None
    where = " AND ".join(statement.conditions) or "true"
    matching = f"{where} AND d.tsv @@ {words.all}" if words else where
    cap = "ALL" if query.cap is None else statement.param(query.cap)
    beyond = "ALL" if query.cap is None else statement.param(query.cap + 1)
    statement.sql = f"""
WITH found AS MATERIALIZED (
    SELECT d.kind, d.phase, d.health, d.tags, d.partner_id FROM documents d WHERE {matching} LIMIT {beyond}
), counted AS MATERIALIZED (
    SELECT * FROM found LIMIT {cap}
)
SELECT (SELECT count(*) FROM found) AS found, json_build_object({_FACETS}) AS facets"""
    return statement


def _page(query: Query, viewer: Identity, text: str, broad: bool) -> Statement:
    """The page of hits, read whole (titles, snippets) for its own rows only."""
    statement = Statement()
    _filtered(statement, query, viewer)
    words = Words(text, statement.param) if text else None
    english = statement.param(text)
    highlight = statement.param(" | ".join(analyser().highlight_terms(text)) if text else "")
    where = " AND ".join(statement.conditions) or "true"
    limit, offset = statement.param(query.limit), statement.param(query.offset)
    wanted = statement.param(query.offset + query.limit)
    statement.sql = f"""
WITH page AS (
    -- The tiers are read in order and only until `wanted` rows are found (a LIMIT without ORDER BY
    -- over UNION ALL stops pulling from the later tiers); then the page is cut from them.
    SELECT id, tier FROM (SELECT * FROM ({_tiers(words, where, wanted, broad)}) AS tiers LIMIT {wanted}) AS ranked
    ORDER BY tier DESC, occurred_on DESC, id LIMIT {limit} OFFSET {offset}
)
SELECT d.id, d.kind, d.slug, d.project_id, d.partner_id, d.title_en, d.title_cy, d.phase, d.health, d.tags,
       d.occurred_on, p.tier AS rank,
       ts_headline('english', d.body_en, websearch_to_tsquery('english', {english}), {_HEADLINE}) AS snippet_en,
       ts_headline('simple', d.body_cy, to_tsquery('simple', {highlight}), {_HEADLINE}) AS snippet_cy
FROM page p JOIN documents d ON d.id = p.id
ORDER BY p.tier DESC, d.occurred_on DESC, d.id"""
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
    counting = _counting(query, viewer, text)
    counted = await conn.fetchrow(counting.sql, *counting.values)
    assert counted is not None  # an aggregate always gives a row
    found: int = counted["found"]
    capped = query.cap is not None and found > query.cap
    rows = []
    if found > 0:
        page = _page(query, viewer, text, broad=found > BROAD)
        rows = await conn.fetch(page.sql, *page.values)
    return SearchResults(
        query=query.q, total=query.cap if capped and query.cap is not None else found,
        total_relation="gte" if capped else "eq", items=[_hit(r) for r in rows],
        facets=msgspec.json.decode(counted["facets"], type=dict[str, list[FacetCount]]), facets_approximate=capped,
    )  # fmt: skip


async def correct(conn: Conn, text: str, viewer: Identity) -> str | None:
    """``text`` with each word that no title the caller may see contains replaced by the most similar
    word (trigrams) of a title the caller may see, or None if there is nothing to correct.

    The lexicon (``title_terms``) holds the words of every title and measure name, whoever may see them; each word is
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
