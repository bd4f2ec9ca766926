"""A search counts its matches from the rows its text index gives it, and the index already knows who
may see each document and the fields a search filters on: a count reads the row of every match it
counts and of no other (a row is a page of its own on a large index, so a row read and then thrown
away, a partner's record counted by the public, costs as much as one counted)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from services.search.store import Query, _counting
from shared.events import ProjectCreated
from shared.identity import PUBLIC
from tests.helpers import snapshot
from tests.search.conftest import Search


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


async def test_a_public_count_with_filters_reads_only_the_rows_it_counts(search: Search) -> None:
    partner = uuid.uuid4()
    last = None
    for n in range(12):  # a third public and tagged; the rest a partner's, or untagged
        visibility, tags = (
            ("public", ["cloud"]) if n % 3 == 0 else ("partner", ["cloud"]) if n % 3 == 1 else ("public", [])
        )
        last = await search.publish(ProjectCreated(project=snapshot(
            title_en=f"Lighthouse keepers {n}", partner_id=partner, visibility=visibility, tags=tags)), partner_id=partner)  # fmt: skip
    results = await search.query(q="lighthouse", kind="project", tag="cloud", after=last)
    assert results["total"] == 4
    counting = _counting(Query(q="lighthouse", kind="project", tag="cloud"), PUBLIC, "lighthouse")
    async with search.runtime.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        # A dozen rows: PostgreSQL would read them all, or walk the projects by kind. On an index of
        # any size a search is a bitmap of its text matches, as it is made to be here (and undone).
        await conn.execute("ANALYZE documents")
        await conn.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; DROP INDEX documents_kind"
        )
        explained = await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {counting.sql}", *counting.values)
        await transaction.rollback()
    read = [node for node in nodes(json.loads(explained)[0]["Plan"]) if node.get("Relation Name") == "documents"]
    assert read and all(node.get("Rows Removed by Filter", 0) == 0 for node in read), read
