"""A phase or health change costs two statements (one after this process changed the project last),
and a pooled connection goes back without one.

The write path's rate is bounded by round trips to PostgreSQL: a change used to be a transaction of
BEGIN, a row lock, a read of the gate's assessment, the UPDATE, the event's INSERT and COMMIT, then
the pool's reset on release (eight). Now it reads the project, decides, and writes the row at the
version it read together with its event in one statement; the gate's assessment is read only for a
move through a gate, and the pool keeps the session as it is (nothing in the services changes it).
The next change of a project this process wrote needs no read: it is decided on the row as written
and written on condition that the row is still that one (its ``xmin``), else made again on the row
as read. The order and exactness of what is written are checked here too, under concurrent writers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.portfolio import commands, phases, store
from services.portfolio.domain import HealthChange, NewProject, ProjectRecord
from shared import bilingual, db
from shared.events import Actor, Health, ProjectSnapshot
from shared.http import Stale
from shared.identity import Identity
from shared.settings import Settings
from tests.helpers import callbacks_run

LEAD = Actor(id="lead-1", role="lead")
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    pool = await db.create_pool(settings.database_url, "portfolio", min_size=1, max_size=4)
    yield pool
    await pool.close()


async def new_project(conn: db.Conn) -> uuid.UUID:
    slug = f"p-{uuid.uuid4().hex[:8]}"
    project, _ = await commands.create_project(conn, LEAD, NewProject(slug=slug, title_en="A", title_cy="B"))
    return project.id


async def test_a_phase_or_health_change_is_two_statements_and_release_sends_none(pool: asyncpg.Pool) -> None:
    statements: list[str] = []
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        conn.add_query_logger(lambda record: statements.append(record.query))
        advance = phases.Transition(kind="advance", effective=TODAY)
        moved, _ = await commands.change_phase(conn, LEAD, project_id, advance, 1, TODAY, gate_rule="require")
        assert moved.phase == "alpha" and moved.version == 2
        await callbacks_run()  # asyncpg calls query loggers soon after the query, not at once
        assert len(statements) == 2, statements
        statements.clear()
        change = HealthChange(health="amber", reason="Waiting on a supplier")
        changed, _ = await commands.change_health(conn, LEAD, project_id, change, 2)
        assert changed.health == "amber" and changed.version == 3
        await callbacks_run()  # asyncpg calls query loggers soon after the query, not at once
        assert len(statements) == 2, statements
        statements.clear()
    await callbacks_run()  # asyncpg calls query loggers soon after the query, not at once
    assert statements == [], "the pool reset the session on release"


async def test_the_event_carries_the_row_as_written(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        advance = phases.Transition(kind="advance", effective=TODAY)
        await commands.change_phase(conn, LEAD, project_id, advance, 1, TODAY, gate_rule="require")
        row = await conn.fetchrow("SELECT * FROM projects WHERE id = $1", project_id)
        event = await conn.fetchrow("SELECT * FROM events WHERE aggregate_id = $1 AND aggregate_seq = 2", project_id)
    assert row is not None and event is not None
    snapshot = event["data"]["project"]
    assert (snapshot["phase"], snapshot["state"], snapshot["title_en"]) == (row["phase"], row["state"], row["title_en"])
    assert event["type"] == "portfolio.project.phase_changed" and row["version"] == 2


async def test_concurrent_changes_keep_every_event_in_order_and_a_stale_version_is_refused(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
    # Eight writers without If-Match, at once: each is decided again on the newer project when
    # another got in first, so all eight are written, as versions 2..9, in their events' order.
    colours: list[Health] = ["amber", "red", "green", "amber", "red", "green", "amber", "red"]

    async def change(health: Health) -> int:
        async with pool.acquire() as conn:
            reason = "" if health == "green" else "Waiting"
            _, position = await commands.change_health(
                conn, LEAD, project_id, HealthChange(health=health, reason=reason), None
            )
            return position

    positions = await asyncio.gather(*(change(c) for c in colours))
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT aggregate_seq, position, data FROM events WHERE aggregate_id = $1 ORDER BY position", project_id
        )
        version = await conn.fetchval("SELECT version FROM projects WHERE id = $1", project_id)
        assert [r["aggregate_seq"] for r in rows] == list(range(1, 10))
        assert sorted(positions) == [r["position"] for r in rows[1:]]
        assert version == 9
        # Each event's from_health is the health the one before it set: none decided on a stale row.
        for before, after in itertools.pairwise(rows[1:]):
            assert after["data"]["from_health"] == before["data"]["to_health"]
        # A writer that sent the version it read, after another's change, is refused and writes nothing.
        with pytest.raises(Stale):
            await commands.change_health(conn, LEAD, project_id, HealthChange(health="green", reason=""), 3)
        assert await conn.fetchval("SELECT count(*) FROM events WHERE aggregate_id = $1", project_id) == 9


ADVANCE = phases.Transition(kind="advance", effective=TODAY)
BACK = phases.Transition(kind="go_back", to_phase="discovery", effective=TODAY, reason="Not ready")


async def test_the_next_change_of_a_project_changed_here_is_one_statement(pool: asyncpg.Pool) -> None:
    recent = store.Recent()
    statements: list[str] = []
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        await commands.change_phase(conn, LEAD, project_id, ADVANCE, 1, TODAY, gate_rule="require", recent=recent)
        conn.add_query_logger(lambda record: statements.append(record.query))
        back, _ = await commands.change_phase(conn, LEAD, project_id, BACK, 2, TODAY, gate_rule="require",
                                              recent=recent)  # fmt: skip
        change = HealthChange(health="red", reason="Blocked")
        changed, _ = await commands.change_health(conn, LEAD, project_id, change, 3, recent=recent)
        await callbacks_run()
        assert len(statements) == 2, statements
        assert (back.phase, changed.phase, changed.health, changed.version) == ("discovery", "discovery", "red", 4)
        events = await conn.fetch("SELECT data FROM events WHERE aggregate_id = $1 ORDER BY aggregate_seq", project_id)
    assert [e["data"]["project"]["phase"] for e in events] == ["discovery", "alpha", "discovery", "discovery"]
    assert events[3]["data"]["from_health"] == "green"


async def test_a_change_after_the_projects_page_was_read_is_one_statement(pool: asyncpg.Pool) -> None:
    """The web shows a lead the project (by id or by its slug), then sends the change at its ETag."""
    recent = store.Recent()
    statements: list[str] = []
    lead = Identity(sub=LEAD.id, role="lead")
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        seen = await store.get_project(conn, project_id, lead, recent=recent)
        conn.add_query_logger(lambda record: statements.append(record.query))
        moved, _ = await commands.change_phase(conn, LEAD, project_id, ADVANCE, seen.version, TODAY,
                                               gate_rule="require", recent=recent)  # fmt: skip
        await callbacks_run()
        assert (len(statements), moved.phase, moved.version) == (1, "alpha", 2), statements
        by_slug = await store.get_project_by_slug(conn, moved.slug, lead, recent=recent)
        await callbacks_run()
        statements.clear()
        await commands.change_phase(conn, LEAD, project_id, BACK, by_slug.version, TODAY, gate_rule="require",
                                    recent=recent)  # fmt: skip
        await callbacks_run()
        assert len(statements) == 1, statements


async def test_a_row_changed_since_it_was_kept_is_read_before_the_change(pool: asyncpg.Pool) -> None:
    """Another replica's change, or a migration's rewrite that counts no version: the change is
    decided and its event made on the row as stored, never on what this process kept."""
    recent = store.Recent()
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        await commands.change_phase(conn, LEAD, project_id, ADVANCE, 1, TODAY, gate_rule="require", recent=recent)
        await conn.execute("UPDATE projects SET title_en = 'Renamed' WHERE id = $1", project_id)  # version stays 2
        back, _ = await commands.change_phase(conn, LEAD, project_id, BACK, 2, TODAY, gate_rule="require",
                                              recent=recent)  # fmt: skip
        assert (back.title_en, back.version) == ("Renamed", 3)
        # Another process moves it on; this one, with no If-Match, decides again on the row as stored.
        await commands.change_phase(conn, LEAD, project_id, ADVANCE, 3, TODAY, gate_rule="require")
        again, _ = await commands.change_phase(conn, LEAD, project_id, BACK, None, TODAY, gate_rule="require",
                                               recent=recent)  # fmt: skip
        assert (again.phase, again.version) == ("discovery", 5)
        event = await conn.fetchrow("SELECT data FROM events WHERE aggregate_id = $1 AND aggregate_seq = 3", project_id)
    assert event is not None and event["data"]["project"]["title_en"] == "Renamed"


async def test_a_caller_behind_another_replicas_change_gets_412_not_the_rules_refusal(pool: asyncpg.Pool) -> None:
    """Kept in alpha, the project was sent back to discovery elsewhere: a caller at the kept version
    asking to go back to discovery would be refused as already there by the rules if judged on the
    row as stored, and as fine on the row kept; either way it is behind, and hears so (412)."""
    recent = store.Recent()
    async with pool.acquire() as conn:
        project_id = await new_project(conn)
        await commands.change_phase(conn, LEAD, project_id, ADVANCE, 1, TODAY, gate_rule="require", recent=recent)
        await commands.change_phase(conn, LEAD, project_id, BACK, 2, TODAY, gate_rule="require")  # elsewhere
        with pytest.raises(Stale):  # decided on the kept row (alpha) and not written; then read: version 3
            await commands.change_phase(conn, LEAD, project_id, BACK, 2, TODAY, gate_rule="require", recent=recent)
        into_beta = phases.Transition(kind="advance", to_phase="private_beta", effective=TODAY)
        with pytest.raises(Stale):  # refused on the kept row (no assessment), then read: version 3
            await commands.change_phase(conn, LEAD, project_id, into_beta, 2, TODAY, gate_rule="require",
                                        recent=recent)  # fmt: skip
        assert await conn.fetchval("SELECT count(*) FROM events WHERE aggregate_id = $1", project_id) == 3


def test_recent_keeps_the_newest_projects_only() -> None:
    recent = store.Recent()
    reads = [_read(n) for n in range(store.Recent.SIZE + 1)]
    for read in reads:
        recent.keep(read)
    assert recent.get(reads[0].project.id) is None
    assert recent.get(reads[-1].project.id) is reads[-1]


def _read(n: int) -> store.Read:
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    snapshot = ProjectSnapshot(
        slug=f"p-{n}", partner_id=None, title_en="A", title_cy="B", summary_en="", summary_cy="", lead_id=None,
        phase="discovery", state="active", health="green", health_reason=bilingual.EMPTY, tags=[],
        visibility="public", start_date=None,
    )  # fmt: skip
    project = ProjectRecord(id=uuid.uuid4(), snapshot=snapshot, version=1, created_at=moment, updated_at=moment)
    return store.Read(project, n)
