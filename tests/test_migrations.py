"""Migrations apply in order, once, even when several replicas start at the same moment."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from shared.db import load_migrations, migrate
from tests.conftest import create_database, drop_database


async def test_replicas_starting_together_apply_each_migration_once(servers: tuple[str, str], tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "0002_second.sql").write_text("INSERT INTO a VALUES (1);")
    dsn = await create_database(servers[0], "template1")
    try:
        results = await asyncio.gather(*(migrate(dsn, "replica", tmp_path) for _ in range(8)))
        assert sorted(v for applied in results for v in applied) == [1, 2]
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT count(*) FROM replica.a") == 1
        finally:
            await conn.close()
    finally:
        await drop_database(servers[0], dsn)


def test_migrations_are_read_in_numeric_order(tmp_path: Path) -> None:
    for name in ("0010_later.sql", "0002_early.sql"):
        (tmp_path / name).write_text("SELECT 1;")
    assert [m.version for m in load_migrations(tmp_path)] == [2, 10]
