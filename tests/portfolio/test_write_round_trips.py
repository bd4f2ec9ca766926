"""A phase or health change costs two statements, and a pooled connection goes back without one.

The write path's rate is bounded by round trips to PostgreSQL: a change used to be a transaction of
BEGIN, a row lock, a read of the gate's assessment, the UPDATE, the event's INSERT and COMMIT, then
the pool's reset on release (eight). Now it reads the project, decides, and writes the row at the
version it read together with its event in one statement; the gate's assessment is read only for a
move through a gate, and the pool keeps the session as it is (nothing in the services changes it).
The order and exactness of what is written are checked here too, under concurrent writers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.portfolio import commands, phases
from services.portfolio.domain import HealthChange, NewProject
from shared import db
from shared.events import Actor, Health
from shared.http import Stale
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
