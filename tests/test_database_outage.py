"""PostgreSQL stopped hard (`pg_ctl stop -m immediate`) and started again: the services say they are
not ready meanwhile, answer 503 instead of 500, and carry on by themselves when it returns. Nothing
is lost, nothing is done twice.

These tests stop a PostgreSQL server of their own, never the session's shared one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgi_lifespan import LifespanManager
from litestar import Litestar
from structlog.testing import capture_logs

from cdps.embedded import EmbeddedPostgres
from cdps.services import migrate_all
from services.notifier.app import create_app as notifier_app
from services.portfolio.app import create_app as portfolio_app
from services.search.app import create_app as search_app
from shared.events import Envelope as Event
from shared.events import encode
from shared.service import Runtime
from shared.settings import Settings
from tests.conftest import dsn_for
from tests.helpers import asgi, auth, eventually, project_created
from tests.notifier.conftest import Smtp, fast_options

pytestmark = pytest.mark.faults


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL of this module's own, to be stopped hard and started again."""
    server = EmbeddedPostgres(tmp_path_factory.mktemp("crashing") / "postgres", durable=False,
                              keeps_commits_when_crashed=True)  # fmt: skip
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def own_settings(postgres: EmbeddedPostgres, settings: Settings) -> AsyncIterator[Settings]:
    """The test's settings (its NATS namespace), with a fresh database on the server that crashes."""
    name = f"o_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(postgres.dsn)
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    await migrate_all(dsn_for(postgres.dsn, name))
    yield msgspec.structs.replace(settings, database_url=dsn_for(postgres.dsn, name))
    if not postgres.running:  # a test that failed half-way may have left it down
        postgres.start()


@contextlib.asynccontextmanager
async def serving(app: Litestar, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url=base_url) as client,
    ):
        yield client


async def readiness(client: httpx.AsyncClient) -> int:
    return (await client.get("/readyz")).status_code


async def publish(runtime: Runtime, event: Event) -> None:
    subject = runtime.settings.subject_for(event.type)
    await runtime.js.publish(subject, encode(event), headers={"Nats-Msg-Id": str(event.id)})


async def test_a_consumer_waits_out_a_database_outage_and_resumes_by_itself(
    own_settings: Settings, postgres: EmbeddedPostgres
) -> None:
    app = search_app(own_settings)
    async with serving(app, "http://search") as client:
        await eventually(lambda: _is(readiness(client), 200))
        runtime: Runtime = app.state.runtime
        with capture_logs() as logs:
            postgres.crash()
            event = project_created(uuid.uuid4())
            await publish(runtime, event)  # it waits in the stream while the database is away
            await eventually(lambda: _is(readiness(client), 503))
            await eventually(lambda: _failing(runtime, "consumer"))
            body = (await client.get("/readyz")).json()
            assert body["database"] != "ok" and body["consumer"].startswith("failing")

            postgres.start()
            await eventually(lambda: _indexed(own_settings, event), timeout=30)
            await eventually(lambda: _is(readiness(client), 200), timeout=30)
        failing = [entry for entry in logs if entry["event"].startswith("background task failing")]
        assert len(failing) == 1, failing  # once per outage, not once per retry
        assert any(entry["event"] == "background task recovered" for entry in logs)
        conn = await asyncpg.connect(own_settings.database_url)
        try:
            assert (
                await conn.fetchval("SELECT count(*) FROM search.dead_letters") == 0
            )  # the outage was no fault of the event's
        finally:
            await conn.close()


async def _is(status: Any, wanted: int) -> bool:
    return bool(await status == wanted)


async def _failing(runtime: Runtime, task: str) -> bool:
    return runtime.tasks[task].failing


async def _indexed(settings: Settings, event: Event) -> bool:
    try:
        conn = await asyncpg.connect(settings.database_url, timeout=2)
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM search.documents WHERE id = $1", event.aggregate_id))
    finally:
        await conn.close()


async def test_the_api_answers_503_with_retry_after_while_the_database_is_down_and_logs_the_outage_once(
    own_settings: Settings, postgres: EmbeddedPostgres
) -> None:
    app = portfolio_app(own_settings)
    lead = auth(own_settings, "lead")
    async with serving(app, "http://portfolio") as client:
        assert (await client.get("/api/v1/projects", headers=lead)).status_code == 200
        with capture_logs() as logs:
            postgres.crash()
            for _ in range(3):
                for response in (
                    await client.get("/api/v1/projects", headers=lead),
                    await client.post("/api/v1/projects", headers=lead,
                                      json={"slug": "while-down", "title_en": "Down", "title_cy": "I lawr"}),
                ):  # fmt: skip
                    assert response.status_code == 503, response.text
                    assert response.headers["Retry-After"] == "5"
                    body = response.json()
                    assert "database" in body["message_en"] and "gronfa ddata" in body["message_cy"]
            postgres.start()

            async def answering() -> bool:
                return (await client.get("/api/v1/projects", headers=lead)).status_code == 200

            await eventually(answering, timeout=30)
            await eventually(lambda: _logged(logs, "database available again"), timeout=10)
        events = [entry["event"] for entry in logs]
        assert events.count("database unavailable") == 1
        assert "unhandled exception" not in events
        created = await client.post("/api/v1/projects", headers=lead,
                                    json={"slug": "after", "title_en": "After", "title_cy": "Wedyn"})  # fmt: skip
        assert created.status_code == 201


async def _logged(logs: list[MutableMapping[str, Any]], event: str) -> bool:
    return any(entry["event"] == event for entry in logs)


class CrashingSmtp(Smtp):
    """Stops PostgreSQL while it holds an email, before it answers 250: the sender learns the email
    was accepted only after the database went away."""

    def __init__(self, postgres: EmbeddedPostgres):
        super().__init__()
        self.postgres = postgres
        self.crashed = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.crashed.is_set():
            await asyncio.to_thread(self.postgres.crash)
            self.crashed.set()
        return await super().handle_DATA(server, session, envelope)


async def test_an_email_accepted_while_the_database_stops_is_recorded_sent_when_it_returns_and_never_sent_twice(
    own_settings: Settings, postgres: EmbeddedPostgres
) -> None:
    smtp = CrashingSmtp(postgres)
    smtp.start()
    try:
        app = notifier_app(msgspec.structs.replace(own_settings, smtp_url=smtp.url), fast_options())
        async with serving(app, "http://notifier"):
            runtime: Runtime = app.state.runtime
            await runtime.pool.execute(
                "INSERT INTO subscriptions (id, email, language, confirmed) VALUES ($1, 'ann@example.org', 'en', true)",
                uuid.uuid4(),
            )
            await publish(runtime, project_created(uuid.uuid4()))
            await asyncio.to_thread(smtp.crashed.wait, 30)
            assert smtp.crashed.is_set(), "the email never reached the mail server"
            await eventually(lambda: _failing(runtime, "sender"), timeout=10)  # it cannot write "sent"
            postgres.start()

            async def recorded() -> list[Any] | None:
                try:
                    rows = await runtime.pool.fetch("SELECT status, attempts FROM deliveries")
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                    return None
                return [tuple(row) for row in rows] if rows and rows[0]["status"] == "sent" else None

            assert await eventually(recorded, timeout=30) == [("sent", 1)]
            assert len(smtp.received) == 1
    finally:
        smtp.stop()
