"""PostgreSQL helpers: connection pools per service schema, the shared schema and ordered SQL migrations."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias
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

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,  # refused, reset
    TimeoutError,  # connecting, or waiting for a pooled connection
    asyncpg.PostgresConnectionError,  # class 08: e.g. the connection was closed in the middle of an operation
    asyncpg.exceptions.OperatorInterventionError,  # class 57: shutting down, starting up, crashed
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InterfaceError,  # "connection is closed": the pool handed out a connection the server dropped
)
"""What asyncpg raises when PostgreSQL is down, restarting or full, rather than about the query."""

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_PART_HEADING = re.compile(r"^-- part: ([a-z_]+)$", re.MULTILINE)

SHARED_SCHEMA = Path(__file__).with_name("schema.sql")
SharedPart = Literal["outbox", "consumer", "idempotency"]
"""A part of shared/schema.sql: the tables shared/outbox.py, shared/consumer.py or
shared/idempotency.py needs."""


@dataclass(frozen=True)
class Migrations:
    """What makes a service's schema: the parts of shared/schema.sql it needs, then its own folder."""

    folder: Path
    shared: tuple[SharedPart, ...] = ()


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


def shared_parts(text: str) -> dict[str, str]:
    """The parts of the shared schema by name: each runs from its ``-- part: name`` line to the next."""
    headings = list(_PART_HEADING.finditer(text))
    ends = [h.start() for h in headings[1:]] + [len(text)]
    return {h[1]: text[h.start() : end] for h, end in zip(headings, ends, strict=True)}


async def apply_shared_parts(conn: asyncpg.Connection, schema: str, parts: tuple[SharedPart, ...]) -> None:
    """Apply the named parts of shared/schema.sql that this schema lacks in their current text.

    A part is applied again only when its text changed (its SHA-256 is kept in ``shared_schema``):
    its statements are idempotent, but CREATE INDEX IF NOT EXISTS still locks the table against
    writes, which a service restarting under load should not do for nothing.
    """
    available = shared_parts(SHARED_SCHEMA.read_text())
    await conn.execute(
        f'CREATE TABLE IF NOT EXISTS "{schema}".shared_schema ('
        " part text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    applied = {r["part"]: r["sha256"] for r in await conn.fetch(f'SELECT part, sha256 FROM "{schema}".shared_schema')}
    for name in parts:
        sql = available[name]
        digest = hashlib.sha256(sql.encode()).hexdigest()
        if applied.get(name) == digest:
            continue
        async with conn.transaction():
            await conn.execute(f'SET LOCAL search_path TO "{schema}", public')
            await conn.execute(sql)
            await conn.execute(
                f'INSERT INTO "{schema}".shared_schema (part, sha256) VALUES ($1, $2)'
                " ON CONFLICT (part) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()",
                name,
                digest,
            )
        log.info("shared schema applied", schema=schema, part=name)


async def migrate(dsn: str, schema: str, migrations: Migrations) -> list[int]:
    """Apply the schema's shared parts and its missing migrations in order; returns the versions applied.

    Safe when several replicas start at once: an advisory lock per schema serialises them, and
    each migration commits together with its row in ``schema_migrations``. The shared parts come
    first, so that a service's own migrations may refer to them.
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
            if migrations.shared:
                await apply_shared_parts(conn, schema, migrations.shared)
            done = {r["version"] for r in await conn.fetch(f'SELECT version FROM "{schema}".schema_migrations')}
            for migration in load_migrations(migrations.folder):
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


def unreachable(dsn: str, exc: Exception) -> ConfigError:
    """The one line a service stops with when PostgreSQL does not answer at start."""
    return ConfigError(
        f"cannot reach PostgreSQL at {describe(dsn)} ({exc.__class__.__name__}: {exc}); "
        "check DATABASE_URL, or unset it to use the embedded server"
    )


async def connect(dsn: str) -> asyncpg.Connection:
    try:
        conn: asyncpg.Connection = await asyncpg.connect(dsn, timeout=10)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise unreachable(dsn, exc) from exc
    return conn


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb in and out as Python values, encoded by msgspec."""
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: msgspec.json.encode(value).decode(),
        decoder=msgspec.json.decode,
        schema="pg_catalog",
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a pooled connection needs on its way back to the pool, beyond what asyncpg always does
    (roll back an open transaction, drop its listeners): nothing. asyncpg's default also sends
    ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`` each time, one round trip
    per request, for session state the services never make on a pooled connection: their settings
    are ``SET LOCAL`` or the pool's own, their advisory locks transaction-scoped, their cursors
    inside transactions, and LISTEN has a connection of its own (``shared/wakeup.py``)."""
    del conn


POOL_MAX_SIZE = 10
"""The most connections one service process's pool opens (what sizes `cdps run`'s PostgreSQL)."""


async def create_pool(
    dsn: str, schema: str, *, min_size: int = 1, max_size: int = POOL_MAX_SIZE,
    server_settings: dict[str, str] | None = None,
) -> asyncpg.Pool:  # fmt: skip
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
            reset=_keep_session,
        )
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise unreachable(dsn, exc) from exc
    return pool
