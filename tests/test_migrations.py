"""Migrations apply in order, once, even when several replicas start at the same moment; the tables
shared/ needs come from one schema file, and an installation upgraded from before that file existed
ends with the same schema as a fresh one."""

from __future__ import annotations

import asyncio
import gzip
import re
import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest

from cdps.embedded import _postgres_bin
from cdps.services import migrate_all
from shared import db
from shared.db import Migrations, load_migrations, migrate
from tests.conftest import create_database, drop_database
from web.app import MIGRATIONS as WEB_MIGRATIONS

BEFORE_SHARED_SCHEMA = Path(__file__).parent / "fixtures" / "database_before_shared_schema.sql.gz"


async def test_replicas_starting_together_apply_each_migration_once(servers: tuple[str, str], tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_second.sql").write_text("INSERT INTO a SELECT count(*) FROM events;")  # after the shared part
    dsn = await create_database(servers[0], "template1")
    try:
        replicas = [migrate(dsn, "replica", Migrations(tmp_path, shared=("outbox", "consumer"))) for _ in range(8)]
        results = await asyncio.gather(*replicas)
        assert sorted(v for applied in results for v in applied) == [1, 2]
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT count(*) FROM replica.a") == 1
            assert {r["part"] for r in await conn.fetch("SELECT part FROM replica.shared_schema")} == {
                "outbox",
                "consumer",
            }
        finally:
            await conn.close()
    finally:
        await drop_database(servers[0], dsn)


def test_migrations_are_read_in_numeric_order(tmp_path: Path) -> None:
    for name in ("0010_later.sql", "0002_early.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    assert [m.version for m in load_migrations(tmp_path)] == [2, 10]


def test_the_shared_schema_has_a_part_for_each_piece_of_shared_code_and_nothing_outside_them() -> None:
    text = db.SHARED_SCHEMA.read_text()
    parts = db.shared_parts(text)
    assert set(parts) == {"outbox", "consumer", "idempotency"}
    assert "CREATE TABLE IF NOT EXISTS events" in parts["outbox"]
    assert "CREATE TABLE IF NOT EXISTS idempotency_keys" in parts["idempotency"]
    assert "consumer_state" in parts["consumer"] and "dead_letters" in parts["consumer"]
    before_first = text[: text.index("-- part:")]
    assert all(line.startswith("--") or not line.strip() for line in before_first.splitlines())
    statements = re.findall(r"^CREATE \w+( IF NOT EXISTS)?", text, re.MULTILINE)
    assert statements and all(statements), "every statement of the shared schema must be idempotent"


async def test_a_shared_part_is_applied_again_only_when_its_text_changed(
    servers: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("-- part: outbox\nCREATE TABLE IF NOT EXISTS seen (n int);\nINSERT INTO seen VALUES (1);\n")
    monkeypatch.setattr(db, "SHARED_SCHEMA", schema)
    dsn = await create_database(servers[0], "template1")
    try:
        await migrate(dsn, "evolving", Migrations(tmp_path / "none", shared=("outbox",)))
        await migrate(dsn, "evolving", Migrations(tmp_path / "none", shared=("outbox",)))  # a restart: nothing to do
        schema.write_text(schema.read_text() + "ALTER TABLE seen ADD COLUMN IF NOT EXISTS m int;\n")
        await migrate(dsn, "evolving", Migrations(tmp_path / "none", shared=("outbox",)))
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT count(*) FROM evolving.seen") == 2  # once at first, once changed
            assert await conn.fetchval("SELECT count(m) FROM evolving.seen") == 0  # the new column exists
        finally:
            await conn.close()
    finally:
        await drop_database(servers[0], dsn)


async def migrate_every_schema(dsn: str) -> None:
    await migrate_all(dsn)
    await migrate(dsn, "web", WEB_MIGRATIONS)  # a no-op once migrate_all knows the web schema


def schema_of(dsn: str) -> str:
    """Every schema object of the database, as pg_dump writes it (its random \\restrict key aside)."""
    dump = subprocess.run(
        [_postgres_bin() / "pg_dump", "--schema-only", "--no-owner", "--no-privileges", "--dbname", dsn],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return "\n".join(line for line in dump.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


async def test_an_installation_upgraded_from_before_the_shared_schema_matches_a_fresh_one(
    servers: tuple[str, str],
) -> None:
    admin_dsn = servers[0]
    fresh = await create_database(admin_dsn, "template0")
    upgraded = await create_database(admin_dsn, "template0")
    try:
        await migrate_every_schema(fresh)
        conn = await asyncpg.connect(upgraded)
        try:
            await conn.execute(gzip.decompress(BEFORE_SHARED_SCHEMA.read_bytes()).decode())
            recorded = await conn.fetchval("SELECT count(*) FROM notifier.schema_migrations")
        finally:
            await conn.close()
        assert recorded == 2  # the old layout, with its migrations recorded as applied
        await migrate_every_schema(upgraded)
        assert schema_of(upgraded) == schema_of(fresh)
    finally:
        await drop_database(admin_dsn, fresh)
        await drop_database(admin_dsn, upgraded)


async def test_projects_search_documents_and_weeknote_copies_in_beta_move_to_private_beta_and_the_events_stay(
    database_url: str,
) -> None:
    conn = await asyncpg.connect(database_url)
    project_id = uuid.uuid4()
    try:
        # What an installation held before beta had two steps: its rows, and its migrations up to then.
        await conn.execute(
            "INSERT INTO portfolio.projects (id, slug, title_en, title_cy, phase) VALUES ($1, 'old', 'Old', 'Hen', 'beta')",
            project_id,
        )
        await conn.execute(
            """INSERT INTO portfolio.events (id, type, version, occurred_at, actor_id, actor_role, aggregate_id,
                                             aggregate_seq, data)
               VALUES (gen_random_uuid(), 'portfolio.project.created', 1, now(), 'lead-1', 'lead', $1, 1,
                       '{"project": {"phase": "beta"}}')""",
            project_id,
        )  # fmt: skip
        await conn.execute(
            """INSERT INTO search.documents (id, kind, aggregate_id, aggregate_seq, visibility, phase, occurred_on)
               VALUES ($1, 'project', $1, 1, 'public', 'beta', current_date)""",
            project_id,
        )
        await conn.execute(
            """INSERT INTO notifier.week_events (event_id, week, type, occurred_at, aggregate_id, data)
               VALUES (gen_random_uuid(), current_date, 'portfolio.project.phase_changed', now(), $1,
                       '{"from_phase": "alpha", "to_phase": "beta", "project": {"phase": "beta", "title_en": "Old"}}')""",
            project_id,
        )  # fmt: skip
        for schema in ("portfolio", "search", "notifier"):
            await conn.execute(f"DELETE FROM {schema}.schema_migrations WHERE version = 300")
    finally:
        await conn.close()
    await migrate_every_schema(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT phase FROM portfolio.projects WHERE id = $1", project_id) == "private_beta"
        assert await conn.fetchval("SELECT phase FROM search.documents WHERE id = $1", project_id) == "private_beta"
        copy = await conn.fetchval("SELECT data::text FROM notifier.week_events WHERE aggregate_id = $1", project_id)
        assert '"to_phase": "private_beta"' in copy and '"phase": "private_beta"' in copy and '"Old"' in copy
        event = await conn.fetchval("SELECT data::text FROM portfolio.events WHERE aggregate_id = $1", project_id)
        assert '"beta"' in event  # the history is not rewritten: it is read forward (shared/events.py)
    finally:
        await conn.close()


async def test_weeknote_copies_of_a_measure_that_reached_its_target_read_as_its_crossing(database_url: str) -> None:
    """Migration 1951: the notifier's copies of version 1 portfolio.measure.values_recorded (a boolean
    crossed_target) say crossing "reached", as the stream's events are read forward."""
    conn = await asyncpg.connect(database_url)
    project_id = uuid.uuid4()
    try:
        await conn.execute(
            """INSERT INTO notifier.week_events (event_id, week, type, occurred_at, aggregate_id, data)
               VALUES (gen_random_uuid(), current_date, 'portfolio.measure.values_recorded', now(), $1,
                       '{"crossed_target": true, "measure": {"published": true}, "latest": {"value": 86}}')""",
            project_id,
        )  # fmt: skip
        await conn.execute("DELETE FROM notifier.schema_migrations WHERE version = 1951")
    finally:
        await conn.close()
    await migrate_every_schema(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        copy = await conn.fetchval("SELECT data::text FROM notifier.week_events WHERE aggregate_id = $1", project_id)
    finally:
        await conn.close()
    assert '"crossing": "reached"' in copy and "crossed_target" not in copy and '"value": 86' in copy
