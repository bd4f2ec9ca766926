"""Keeps the search documents in step with the event stream, a batch at a time.

A batch is folded first (``domain.changes_for``: per record only its newest snapshot counts), then
written with a handful of statements whatever its size: idempotent, order-tolerant, and fast
enough that a rebuild from the start of the stream runs near the speed JetStream delivers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from services.search.domain import (
    FOLLOW_THEIR_PROJECT,
    NAMED_BY_TEXT,
    UNTITLED,
    Changes,
    Document,
    Indexing,
    changes_for,
    indexing_for,
)
from shared.consumer import ReadAs
from shared.events import Header, decode_typed

if TYPE_CHECKING:
    from shared.db import Conn

CONSUMER = "search"

# Column name and PostgreSQL type of every value a document writes; tags travel joined by TAG_SEPARATOR
# (unnest cannot take an array of arrays of different lengths) and are split again in the INSERT.
COLUMNS = (
    ("id", "uuid"), ("kind", "text"), ("aggregate_id", "uuid"), ("aggregate_seq", "int"), ("slug", "text"),
    ("partner_id", "uuid"), ("project_id", "uuid"), ("visibility", "text"), ("title_en", "text"), ("title_cy", "text"),
    ("body_en", "text"), ("body_cy", "text"), ("title_terms", "text"), ("body_terms", "text"),
    ("phase", "text"), ("health", "text"), ("state", "text"), ("tags", "text"), ("occurred_on", "date"),
    ("partner_only", "bool"),
)  # fmt: skip
NAMES = [name for name, _ in COLUMNS]
WELSH_TERMS = ("title_terms", "body_terms")
"""Values that are not columns: the Welsh terms (tsvector literals) the search vectors are made of."""
STORED = [name for name in NAMES if name not in WELSH_TERMS] + ["title_tsv", "tsv"]
_UNTITLED = ", ".join(f"'{kind}'" for kind in UNTITLED)
"""The kinds without a title vector, as an SQL list (constants of ``domain``, never input)."""
TAG_SEPARATOR = "\x1f"
"""The ASCII unit separator: tags are slugs and never contain it."""


class Tables:
    """Table names, so that a rebuild can write into fresh tables with the same code."""

    def __init__(self, suffix: str = ""):
        self.documents = f"documents{suffix}"
        self.aggregates = f"aggregates{suffix}"
        self.title_terms = f"title_terms{suffix}"
        self.title_words = f"title_words{suffix}"


LIVE = Tables()


def row(doc: Document) -> tuple[object, ...]:
    """The document as the values of COLUMNS, Welsh index terms included (tags as a list)."""
    return (
        doc.id, doc.kind, doc.aggregate_id, doc.aggregate_seq, doc.slug, doc.partner_id, doc.project_id,
        doc.visibility, doc.title_en, doc.title_cy, doc.body_en, doc.body_cy, doc.title_terms, doc.body_terms,
        doc.phase, doc.health, doc.state, doc.tags, doc.occurred_on, doc.partner_only,
    )  # fmt: skip


def _vector(of: str, text: str = "") -> str:
    """A document's search vector, everything in it: its title's, its English text's stems, its tags',
    its Welsh terms. ``of`` prefixes the columns it keeps; ``text`` those of the text written anew."""
    text = text or of
    english, tags = f"{text}body_en", f"{of}tags"
    tags = f"array_to_string({tags}, ' ')"
    return " || ".join((f"{of}title_tsv", f"to_tsvector('english', {english})", f"to_tsvector('english', {tags})",
                        f"{text}body_terms::tsvector"))  # fmt: skip


def _retext(table: str) -> str:
    """One statement for a batch's text-only changes (translations): the text and its vector anew,
    the rest of each document (its title, tags, audience) as the index holds it."""
    return f"""
UPDATE {table} AS d SET body_en = t.body_en, body_cy = t.body_cy, tsv = {_vector("d.", "t.")}
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t (id, body_en, body_cy, body_terms)
WHERE d.id = t.id"""


def _upsert(table: str) -> str:
    """One statement for the whole batch: each parameter is one column's values, as an array.

    The search vectors are made here: PostgreSQL's English stems of the English text, and the Welsh
    terms the analyser worked out (``welsh.py``). ``title_tsv`` is the title alone (empty for an
    update and the other ``UNTITLED`` kinds, matched on their own words), for ranking title matches
    first; ``tsv`` is everything.

    Not INSERT ... ON CONFLICT DO UPDATE: that works out every row twice for every existing record,
    and most of a batch is existing projects. Batches are applied one at a time (the apply lock),
    so the rows the UPDATE did not find are new.
    """
    arrays = ", ".join(f"${n}::{kind}[]" for n, (_, kind) in enumerate(COLUMNS, start=1))
    columns = ", ".join(STORED)
    updates = ", ".join(f"{name} = s.{name}" for name in STORED if name not in ("id", "aggregate_id"))
    plain = ", ".join(name for name in NAMES if name not in (*WELSH_TERMS, "tags"))
    return f"""
WITH v AS (
    SELECT {plain}, string_to_array(tags, E'\\x1f') AS tags, body_terms,
           CASE WHEN kind IN ({_UNTITLED}) THEN ''::tsvector
                ELSE to_tsvector('english', title_en) || title_terms::tsvector END AS title_tsv
    FROM unnest({arrays}) AS v({", ".join(NAMES)})
), s AS (
    SELECT {plain}, tags, title_tsv, {_vector("")} AS tsv
    FROM v
), updated AS (
    UPDATE {table} AS d SET {updates} FROM s WHERE d.id = s.id RETURNING d.id
)
INSERT INTO {table} ({columns}) SELECT {columns} FROM s WHERE s.id NOT IN (SELECT id FROM updated)"""


def _column_values(docs: list[Document]) -> list[list[object]]:
    rows = [row(doc) for doc in docs]
    tags = NAMES.index("tags")
    columns = [list(values) for values in zip(*rows, strict=True)]
    columns[tags] = [TAG_SEPARATOR.join(value) for value in columns[tags]]
    return columns


class Indexed(NamedTuple):
    """An event as the live consumer reads it: its header, and what it means for the index."""

    header: Header
    indexing: Indexing

    @property
    def type(self) -> str:
        return self.header.type


def read_indexed(data: bytes) -> Indexed:
    """A message read straight into its typed event (``decode_typed``: three times cheaper than an
    Envelope's dictionaries converted afterwards), and what that means for the index. Run while the
    consumer's previous batch is written. Raises for an event that cannot be read, and
    ``UnknownEvent`` for a type this code does not know."""
    header, event = decode_typed(data)
    return Indexed(header, indexing_for(header, event))


async def apply_read(conn: Conn, events: list[Indexed]) -> None:
    """The live consumer's batch handler (in its transaction), given the events ``read_indexed`` read."""
    await apply_indexed(conn, events)


HANDLER = ReadAs(read_indexed, apply_read)
"""The live consumer's handler: an event that cannot be read raises, and the consumer then retries
the batch one event at a time and dead-letters the one that fails."""


async def apply_indexed(conn: Conn, events: Sequence[tuple[Header, Indexing]], tables: Tables = LIVE) -> None:
    """Write what a batch of events means for the index (already worked out by ``indexing_for``)."""
    if events:
        indexed = await _indexed_sequences(conn, tables, {header.aggregate_id for header, _ in events})
        await _write(conn, tables, changes_for(events, indexed))


async def _indexed_sequences(conn: Conn, tables: Tables, aggregate_ids: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await conn.fetch(
        f"SELECT aggregate_id, aggregate_seq FROM {tables.aggregates} WHERE aggregate_id = ANY($1::uuid[])",
        list(aggregate_ids),
    )
    return {r["aggregate_id"]: r["aggregate_seq"] for r in rows}


async def _write(conn: Conn, tables: Tables, changes: Changes) -> None:
    held = await _held(conn, tables, [doc for doc in changes.documents if doc.kind not in UNTITLED])
    if changes.removed:
        await conn.execute(f"DELETE FROM {tables.documents} WHERE id = ANY($1::uuid[])", changes.removed)
        await conn.execute(f"DELETE FROM {tables.title_words} WHERE document_id = ANY($1::uuid[])", changes.removed)
    if changes.documents:
        await conn.execute(_upsert(tables.documents), *_column_values(changes.documents))
    if changes.states:
        await conn.executemany(f"UPDATE {tables.documents} SET state = $2 WHERE id = $1", list(changes.states.items()))
    if changes.retexts:
        await conn.execute(
            _retext(tables.documents), [t.id for t in changes.retexts], [t.body_en for t in changes.retexts],
            [t.body_cy for t in changes.retexts], [t.body_terms for t in changes.retexts],
        )  # fmt: skip
    await conn.execute(
        f"""INSERT INTO {tables.aggregates} (aggregate_id, aggregate_seq)
            SELECT * FROM unnest($1::uuid[], $2::int[])
            ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_seq = EXCLUDED.aggregate_seq
            WHERE {tables.aggregates}.aggregate_seq < EXCLUDED.aggregate_seq""",
        list(changes.sequences), list(changes.sequences.values()),
    )  # fmt: skip
    # A project's updates, measures, phase changes and published assessments are seen by whoever may
    # see the project (the public never reads those for the partner only: ``domain.audience``), and
    # the untitled ones show its title: when a project's audience or title changes, they all follow; a
    # newly written one takes the audience and title the index holds for its project now (its own
    # event may carry an older snapshot, delivered late).
    followed = [doc.id for doc in changes.documents
                if doc.kind == "project" and doc.id in held and held[doc.id] != (doc.audience, doc.titles)]  # fmt: skip
    followers = [doc.id for doc in changes.documents if doc.kind in FOLLOW_THEIR_PROJECT]
    if followed or followers:
        audience = "CASE WHEN u.partner_only AND p.visibility = 'public' THEN 'partner' ELSE p.visibility END"
        untitled = "u.kind = ANY($4::text[])"
        await conn.execute(
            f"""UPDATE {tables.documents} u SET visibility = {audience}, partner_id = p.partner_id,
                       title_en = CASE WHEN {untitled} THEN p.title_en ELSE u.title_en END,
                       title_cy = CASE WHEN {untitled} THEN p.title_cy ELSE u.title_cy END
                FROM {tables.documents} p
                WHERE p.id = u.project_id AND p.kind = 'project' AND u.kind = ANY($3::text[])
                  AND (u.project_id = ANY($1::uuid[]) OR u.id = ANY($2::uuid[]))
                  AND (u.visibility <> {audience} OR u.partner_id IS DISTINCT FROM p.partner_id
                       OR ({untitled} AND (u.title_en, u.title_cy) IS DISTINCT FROM (p.title_en, p.title_cy)))""",
            followed, followers, list(FOLLOW_THEIR_PROJECT), list(UNTITLED),
        )  # fmt: skip
    # A record brings its title's words to the typo lexicon (a measure its name's; other untitled
    # documents none). A measure's name is its text, which the held titles do not show: measures are
    # few, so each one written rewrites its words.
    renamed = [doc for doc in changes.documents
               if doc.kind in NAMED_BY_TEXT
               or (doc.kind not in UNTITLED and held.get(doc.id, _NOT_HELD).titles != doc.titles)]  # fmt: skip
    if renamed:
        await _write_lexicon_words(conn, tables, renamed)


class _Held(NamedTuple):
    """What the index holds of a record about to be rewritten: who sees it, and its titles."""

    audience: tuple[str, uuid.UUID | None]
    titles: tuple[str, str]


_NOT_HELD = _Held(("", None), ("", ""))


async def _held(conn: Conn, tables: Tables, docs: list[Document]) -> dict[uuid.UUID, _Held]:
    if not docs:
        return {}
    rows = await conn.fetch(
        f"SELECT id, visibility, partner_id, title_en, title_cy FROM {tables.documents} WHERE id = ANY($1::uuid[])",
        [doc.id for doc in docs],
    )
    return {r["id"]: _Held((r["visibility"], r["partner_id"]), (r["title_en"], r["title_cy"])) for r in rows}


async def _write_lexicon_words(conn: Conn, tables: Tables, docs: list[Document]) -> None:
    """The typo lexicon: each record's title words (replacing its old ones), and the distinct pool."""
    pairs = [(doc.id, word) for doc in docs for word in sorted(doc.lexicon_words())]
    await conn.execute(f"DELETE FROM {tables.title_words} WHERE document_id = ANY($1::uuid[])", [d.id for d in docs])
    if pairs:
        ids, words = zip(*pairs, strict=True)
        await conn.execute(
            f"INSERT INTO {tables.title_words} (document_id, term) SELECT * FROM unnest($1::uuid[], $2::text[])",
            list(ids), list(words),
        )  # fmt: skip
        await conn.execute(
            f"INSERT INTO {tables.title_terms} (term) SELECT DISTINCT unnest($1::text[]) ON CONFLICT DO NOTHING",
            sorted(set(words)),
        )
