"""The search index can be dropped and rebuilt from the stream while queries keep being served."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

from asgi_lifespan import LifespanManager

from services.search import welsh
from services.search.app import create_app
from services.search.reindex import reindex
from shared.events import ProjectCreated, ProjectUpdated
from tests.helpers import asgi, eventually, snapshot
from tests.search.conftest import Search


async def test_a_rebuild_under_concurrent_queries_never_fails_a_query_and_ends_identical(search: Search) -> None:
    last = None
    for i in range(60):
        project_id = uuid.uuid4()
        await search.publish(ProjectCreated(project=snapshot(title_en=f"Rebuild project {i}")), aggregate_id=project_id)
        last = await search.publish(
            ProjectUpdated(project=snapshot(title_en=f"Rebuilt project {i}"), changed=["title_en"]),
            aggregate_id=project_id, seq=2,
        )  # fmt: skip
    before = await search.query(q="rebuilt", limit=100, after=last)
    assert before["total"] == 60

    stop = asyncio.Event()
    answers: list[int] = []

    async def keep_querying() -> None:
        while not stop.is_set():
            answers.append((await search.query(q="rebuilt", limit=100))["total"])

    async def keep_writing() -> None:
        # The live consumer keeps applying new events during the rebuild.
        for i in range(10):
            await search.publish(ProjectCreated(project=snapshot(title_en=f"Rebuilt during {i}")))
            await asyncio.sleep(0)  # let the rebuild and the readers run between writes

    readers = [asyncio.create_task(keep_querying()) for _ in range(3)]
    steps: list[tuple[int, int]] = []
    writer = asyncio.create_task(keep_writing())
    await reindex(search.runtime, lambda done, total: steps.append((done, total)))
    await writer
    stop.set()
    await asyncio.gather(*readers)

    assert answers and min(answers) >= 60  # never an empty or half-built index
    assert steps and steps[-1][0] == steps[-1][1]  # the progress reached the end

    async def all_indexed() -> bool:
        return bool((await search.query(q="rebuilt", limit=100))["total"] == 70)

    await eventually(all_indexed)
    titles = [h["title_en"] for h in (await search.query(q="project", limit=100))["items"]]
    assert not [t for t in titles if t.startswith("Rebuild project")]  # the newest snapshot won in the rebuild too


def test_the_reindex_command_shows_progress_and_reports_the_sequence(search: Search) -> None:
    env = dict(os.environ, DATABASE_URL=search.settings.database_url or "", NATS_URL=search.settings.nats_url or "",
               CDPS_NAMESPACE=search.settings.namespace, CDPS_SECRET_KEY=search.settings.secret_key,
               CDPS_DATA_DIR=str(search.settings.data_dir))  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "cdps", "search", "reindex"], env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "search index rebuilt up to stream sequence 0" in result.stdout


async def test_a_rebuild_skips_what_it_cannot_read_and_keeps_the_names_the_migrations_gave(search: Search) -> None:
    indexes = "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2"
    before = [tuple(r) for r in await search.runtime.pool.fetch(indexes)]
    subject = search.settings.subject_for("portfolio.project.created")
    await search.runtime.js.publish(subject, b"{not json", headers={"Nats-Msg-Id": str(uuid.uuid4())})
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Readable after a broken message")))
    await reindex(search.runtime)
    assert await search.titles(q="readable", after=last) == ["Readable after a broken message"]
    assert [tuple(r) for r in await search.runtime.pool.fetch(indexes)] == before
    constraints = await search.runtime.pool.fetch(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'documents'::regclass AND contype = 'p'"
    )
    assert [r["conname"] for r in constraints] == ["documents_pkey"]


async def test_a_rebuild_finishes_when_the_last_messages_of_its_range_were_deleted(search: Search) -> None:
    kept = await search.publish(ProjectCreated(project=snapshot(title_en="Kept after a deletion")))
    await search.publish(ProjectCreated(project=snapshot(title_en="Deleted from the stream")))
    stream = search.settings.stream_name
    last = (await search.runtime.js.stream_info(stream)).state.last_seq
    await search.runtime.js.delete_msg(stream, last)
    await asyncio.wait_for(reindex(search.runtime), timeout=30)
    assert await search.titles(q="kept", after=kept) == ["Kept after a deletion"]


async def test_an_index_made_by_another_analyser_is_rebuilt_when_the_service_starts(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Lighthouse keepers",
                                                                title_cy="Ceidwaid goleudai")))  # fmt: skip
    await search.query(after=last)
    # As an index made before this analyser would be: no search vectors, and an older version.
    await search.runtime.pool.execute("UPDATE documents SET tsv = '', title_tsv = ''")
    await search.runtime.pool.execute("UPDATE index_state SET analyser = analyser - 1")
    assert (await search.query(q="goleudai"))["total"] == 0

    app = create_app(search.settings)
    async with LifespanManager(asgi(app)):  # a second replica starting: it sees the old version and rebuilds

        async def found() -> int:
            return int((await search.query(q="goleudy"))["total"])  # the singular finds the plural

        assert await eventually(found, timeout=30) == 1
    assert await search.runtime.pool.fetchval("SELECT analyser FROM index_state") == welsh.VERSION


async def test_the_swap_waits_for_a_query_reading_the_lexicon_and_the_documents_and_neither_fails(
    search: Search,
) -> None:
    """A typo correction reads the lexicon, then the documents: a swap that renamed the documents
    first and then waited for the lexicon would deadlock with it, and PostgreSQL would fail one."""
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Lighthouse keepers")))
    await search.query(after=last)
    async with search.runtime.pool.acquire() as reader:
        query = reader.transaction()
        await query.start()
        await reader.fetchval("SELECT count(*) FROM title_terms")  # the query holds the lexicon ...
        rebuilt = asyncio.create_task(reindex(search.runtime))

        async def swap_waits_for_the_lexicon() -> bool:
            return bool(await search.runtime.pool.fetchval(
                """SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                                  WHERE NOT l.granted AND c.relname = 'title_terms')"""))  # fmt: skip

        assert await eventually(swap_waits_for_the_lexicon, timeout=30)
        # ... and now reads the documents, which a swap renaming them first would hold.
        assert await reader.fetchval("SELECT count(*) FROM documents WHERE title_en = 'Lighthouse keepers'") == 1
        await query.commit()
    await asyncio.wait_for(rebuilt, timeout=60)
    assert (await search.query(q="lighthouse"))["total"] == 1
