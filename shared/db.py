"""PostgreSQL helpers: connection pools per service schema and ordered SQL migrations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit

import asyncpg
import msgspec

from shared.logs import get_logger
from shared.settings import ConfigError

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    Conn: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    """A connection, pooled or not: what store functions take."""

log = get_logger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path} must be named NNNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise ValueError(f"two migrations share a number in {folder}")
    return migrations


async def migrate(dsn: str, schema: str, folder: Path) -> list[int]:
    """Apply the schema's missing migrations in order; returns the versions applied.

    Safe when several replicas start at once: an advisory lock per schema serialises them, and
    each migration commits together with its row in ``schema_migrations``.
    """
    conn = await connect(dsn)
    applied: list[int] = []
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext($1))", f"cdps.migrate.{schema}")
        try:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            await conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["version"] for r in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')}
            for migration in load_migrations(folder):
                if migration.version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                    await conn.execute(migration.sql)
                    await conn.execute(
                        f'INSERT INTO "{schema}".schema_migrations (version, name) VALUES ($1, $2)',
                        migration.version,
                        migration.name,
                    )
                applied.append(migration.version)
                log.info("migration applied", schema=schema, version=migration.version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", f"cdps.migrate.{schema}")
    finally:
        await conn.close()
    return applied


def describe(dsn: str) -> str:
    """host:port/db of a DSN, without the password, for error messages."""
    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


async def connect(dsn: str) -> asyncpg.Connection:
    try:
        conn: asyncpg.Connection = await asyncpg.connect(dsn, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise ConfigError(
            f"cannot reach PostgreSQL at {describe(dsn)} ({exc.__class__.__name__}: {exc}); "
            "check DATABASE_URL, or unset it to use the embedded server"
        ) from exc
    return conn


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in and out as Python values, encoded by msgspec."""
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: msgspec.json.encode(value).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )


async def create_pool(
    dsn: str, schema: str, *, min_size: int = 1, max_size: int = 10, server_settings: dict[str, str] | None = None
) -> asyncpg.Pool:
    try:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            server_settings={
                "search_path": f"{schema},public",
                "application_name": f"cdps-{schema}",
                **(server_settings or {}),
            },
            timeout=10,
            init=init_connection,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise ConfigError(
            f"cannot reach PostgreSQL at {describe(dsn)} ({exc.__class__.__name__}: {exc}); "
            "check DATABASE_URL, or unset it to use the embedded server"
        ) from exc
    return pool
