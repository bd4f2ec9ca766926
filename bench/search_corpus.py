"""Loads the generated corpus straight into the search service's tables, fast.

Feeding a million events through the live consumer would take far longer than the whole
benchmark may, so the documents are computed here by the search service's own pure code
(``services.search.domain.indexing_for``, the function the consumer calls for every event) and
written with COPY. The result is what the consumer would have built: records keep their newest
snapshot, updates, engagements and support requests are documents of their own, and
``aggregates`` holds each record's newest sequence. The secondary indexes are dropped during the
load and rebuilt from their own definitions afterwards, as a bulk load into PostgreSQL should be.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg

from bench.corpus import SEED, Size, generate
from services.search.consumer import NAMES, row
from services.search.domain import Document, indexing_for


class _Fold:
    """Streams the documents that never change again; keeps the newest document of each record."""

    def __init__(self) -> None:
        self.records: dict[uuid.UUID, Document] = {}
        self.sequences: dict[uuid.UUID, int] = {}
        self.events = 0
        self.title_words: set[str] = set()

    def document_row(self, doc: Document) -> tuple[Any, ...]:
        self.title_words |= doc.title_words()
        return row(doc)

    def standalone(self, size: Size, seed: int) -> Iterator[tuple[Any, ...]]:
        for envelope, event in generate(size, seed):
            self.events += 1
            indexing = indexing_for(envelope, event)
            for doc in indexing.extra:
                yield self.document_row(doc)
            if envelope.aggregate_seq > self.sequences.get(envelope.aggregate_id, 0):
                self.sequences[envelope.aggregate_id] = envelope.aggregate_seq
                if indexing.record is not None:
                    if indexing.record.kind in ("project", "partner"):
                        self.records[envelope.aggregate_id] = indexing.record  # a later event may replace it
                    else:
                        yield self.document_row(indexing.record)  # one event per engagement or support request


async def load(dsn: str, size: Size, seed: int = SEED) -> dict[str, float]:
    """Fill the (migrated, empty) search schema of `dsn`; returns what was loaded and how long it took."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "search,public"})
    try:
        await conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = await conn.fetch(
            """SELECT indexname, indexdef FROM pg_indexes
               WHERE schemaname = 'search' AND tablename = 'documents' AND indexname NOT LIKE '%pkey'"""
        )
        for index in indexes:
            await conn.execute(f'DROP INDEX search."{index["indexname"]}"')
        folded = _Fold()
        await conn.copy_records_to_table("documents", records=folded.standalone(size, seed), columns=NAMES)
        await conn.copy_records_to_table(
            "documents", records=(folded.document_row(d) for d in folded.records.values()), columns=NAMES
        )
        await conn.copy_records_to_table("title_terms", records=[(w,) for w in sorted(folded.title_words)])
        await conn.copy_records_to_table(
            "aggregates", records=list(folded.sequences.items()), columns=["aggregate_id", "aggregate_seq"]
        )
        loaded = time.perf_counter()
        for index in indexes:
            await conn.execute(index["indexdef"])
        await conn.execute("ANALYZE search.documents")
        await conn.execute("ANALYZE search.aggregates")
        # Start the queries from a clean slate: the load's WAL is flushed and checkpointed now.
        await conn.execute("CHECKPOINT")
        documents = await conn.fetchval("SELECT count(*) FROM search.documents")
    finally:
        await conn.close()
    return {
        "events": float(folded.events),
        "documents": float(documents),
        "load_seconds": loaded - started,
        "index_seconds": time.perf_counter() - loaded,
    }
