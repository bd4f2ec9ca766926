"""Test session: one embedded PostgreSQL and one NATS server, shared by every test of the session
(under `make test`, each of the two pytest-xdist workers is a session with servers of its own).

Tests are isolated from each other by database (each test gets a fresh copy of a migrated
template database) and by NATS namespace (each test has its own stream, subjects and durable
consumers). Set DATABASE_URL / NATS_URL to use existing servers instead of embedded ones.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from cdps.embedded import EmbeddedNats, EmbeddedPostgres
from cdps.services import migrate_all
from shared.settings import Settings

TEMPLATE = "cdps_test_template" + os.environ.get("PYTEST_XDIST_WORKER", "")
"""A template of each worker's own: with DATABASE_URL set, the workers share one server."""
OWN_BASETEMP = pytest.StashKey[Path]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """This session's temporary files in a folder of its own, not under /tmp/pytest-of-<user>: every
    pytest session that starts (another checkout's, on the same machine) resets that folder to 0700,
    which locks the embedded PostgreSQL, run as an unprivileged user, out of its data mid-run."""
    if config.option.basetemp is None:
        config.option.basetemp = tempfile.mkdtemp(prefix="cdps-pytest-")
        config.stash[OWN_BASETEMP] = Path(config.option.basetemp)


def pytest_unconfigure(config: pytest.Config) -> None:
    own = config.stash.get(OWN_BASETEMP, None)
    if own is not None and not os.environ.get("CDPS_KEEP_TEST_SERVERS"):
        shutil.rmtree(own, ignore_errors=True)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(admin DSN, NATS URL) of the servers this session uses."""
    root = tmp_path_factory.mktemp("servers")
    postgres = nats = None
    admin_dsn = os.environ.get("DATABASE_URL")
    nats_url = os.environ.get("NATS_URL")
    try:
        if not admin_dsn:
            postgres = EmbeddedPostgres(root / "postgres", durable=False)
            admin_dsn = postgres.start()
        if not nats_url:
            nats = EmbeddedNats(root / "nats")
            nats_url = nats.start()
        yield admin_dsn, nats_url
    finally:
        if nats is not None:
            nats.stop()
        if postgres is not None:
            postgres.stop()
            shutil.rmtree(root, ignore_errors=True) if not os.environ.get("CDPS_KEEP_TEST_SERVERS") else None


def dsn_for(admin_dsn: str, database: str) -> str:
    return admin_dsn.rsplit("/", 1)[0] + f"/{database}"


@pytest.fixture(scope="session")
async def template_database(servers: tuple[str, str]) -> str:
    admin_dsn, _ = servers
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    await migrate_all(dsn_for(admin_dsn, TEMPLATE))
    return TEMPLATE


async def create_database(admin_dsn: str, template: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await conn.close()
    return dsn_for(admin_dsn, name)


async def drop_database(admin_dsn: str, dsn: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {dsn.rsplit('/', 1)[1]} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
async def database_url(servers: tuple[str, str], template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated database for this test alone."""
    dsn = await create_database(servers[0], template_database)
    yield dsn
    await drop_database(servers[0], dsn)


@pytest.fixture
def settings(servers: tuple[str, str], database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own database and its own NATS namespace."""
    _, nats_url = servers
    return Settings(
        database_url=database_url,
        nats_url=nats_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        data_dir=tmp_path,
        namespace=f"t{uuid.uuid4().hex[:10]}",
        relay_poll_seconds=0.2,
    )


# Shared by every test that needs them: the three-node NATS cluster of the fault specifications, and
# the running product (four service processes and an SMTP server). Each starts when first needed.
from tests.cluster import nats_cluster, whole_cluster  # noqa: E402, F401
from tests.stack import inbox, stack  # noqa: E402, F401
