"""Background tasks never die silently: a dependency's fault is retried (logged once), readiness and
metrics tell the truth about them, and a task that ends anyway ends its process."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import nats
import pytest
from asgi_lifespan import LifespanManager
from structlog.testing import capture_logs

from cdps.embedded import free_port
from services.search.app import create_app as search_app
from services.search.reindex import APPLY_LOCK
from shared import bus
from shared.events import Envelope, encode
from shared.service import Runtime
from shared.settings import Settings
from shared.supervision import Health, supervise
from tests.cluster import ROOT, service_env
from tests.helpers import asgi, eventually, project_created


@contextlib.asynccontextmanager
async def search_service(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Runtime]]:
    app = search_app(settings)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://search") as client,
    ):
        yield client, app.state.runtime


async def publish(runtime: Runtime, envelope: Envelope) -> None:
    subject = runtime.settings.subject_for(envelope.type)
    await runtime.js.publish(subject, encode(envelope), headers={"Nats-Msg-Id": str(envelope.id)})


async def position(runtime: Runtime) -> int:
    return int(await runtime.pool.fetchval("SELECT coalesce(max(stream_seq), 0) FROM consumer_state"))


async def test_a_task_whose_dependency_fails_is_retried_with_backoff_and_the_failure_logged_once() -> None:
    stop = asyncio.Event()
    health = Health("flaky")
    attempts = 0
    ended: list[str] = []

    async def task() -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise ConnectionRefusedError("PostgreSQL is restarting")
        health.progress()
        await stop.wait()

    with capture_logs() as logs:
        supervisor = asyncio.create_task(supervise(task, health, stop, ended.append))
        await eventually(lambda: _true(attempts == 4 and not health.failing))
        stop.set()
        await supervisor
    assert ended == []
    assert [entry["event"] for entry in logs] == [
        "background task failing; retrying until it works", "background task recovered",
    ]  # fmt: skip


async def test_a_start_up_job_that_succeeds_after_a_failure_is_no_longer_reported_failing() -> None:
    """A once-only job (the search's start-up rebuild check) that met the stream unavailable and then
    did its work must not keep the service not ready for ever."""
    stop = asyncio.Event()
    health = Health("rebuild")
    attempts = 0
    ended: list[str] = []

    async def job() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise nats.errors.NoRespondersError()

    await asyncio.wait_for(supervise(job, health, stop, ended.append, once=True), timeout=10)
    assert attempts == 2
    assert not health.failing
    assert ended == []


async def _true(value: bool) -> bool:
    return value


BUGS = {
    # The indexer's handler raises what no one expected, on the first event it sees.
    "crashed: RuntimeError: a bug in the indexer": """
        async def broken(conn, events):
            raise RuntimeError("a bug in the indexer")
        app.apply_read = broken
    """,
    # The consumer's loop returns although the service is not stopping.
    "ended by itself": """
        async def broken(self, stop):
            return None
        EventConsumer.run = broken
    """,
}


@pytest.mark.parametrize("outcome", BUGS)
async def test_a_background_task_that_ends_anyway_ends_its_process_with_a_line_saying_why(
    settings: Settings, outcome: str
) -> None:
    """A crash, or a task returning by itself, while the service runs: the process exits non-zero
    (so that its supervisor starts a new one) instead of living on without its indexer."""
    program = "\n".join([
        "import sys", "from services.search import app", "from shared.consumer import EventConsumer",
        textwrap.dedent(BUGS[outcome]), "from cdps.cli import main", "sys.exit(main(['serve', 'search']))",
    ])  # fmt: skip
    nc = await nats.connect(settings.nats_url or "")
    try:
        js = nc.jetstream()
        await bus.ensure_stream(js, settings)
        event = project_created(uuid.uuid4())
        await js.publish(settings.subject_for(event.type), encode(event))
    finally:
        await nc.close()
    env = service_env(database_url=settings.database_url or "", nats_url=settings.nats_url or "",
                      namespace=settings.namespace, secret_key=settings.secret_key, data_dir=settings.data_dir,
                      CDPS_SEARCH_PORT=str(free_port()))  # fmt: skip
    service = await asyncio.create_subprocess_exec(sys.executable, "-c", program, env=env, cwd=ROOT,
                                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        out, _ = await asyncio.wait_for(service.communicate(), 60)
    except TimeoutError:
        service.kill()
        await service.wait()
        raise AssertionError("the service lives on without its indexer") from None
    output = out.decode()
    assert service.returncode != 0, output
    assert f"search stopped: background task consumer {outcome}" in output


def test_a_service_whose_nats_url_answers_nowhere_fails_at_start_with_one_line(settings: Settings) -> None:
    env = service_env(database_url=settings.database_url or "", nats_url=f"nats://127.0.0.1:{free_port()}",
                      namespace=settings.namespace, secret_key=settings.secret_key, data_dir=settings.data_dir,
                      CDPS_SEARCH_PORT=str(free_port()))  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "cdps", "serve", "search"], env=env, cwd=ROOT,
                          capture_output=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.decode().strip().splitlines()[-1].startswith("cdps: cannot reach NATS at nats://127.0.0.1:")


async def test_an_event_of_an_unknown_type_is_dead_lettered_saying_it_may_be_newer_and_counted(
    settings: Settings,
) -> None:
    async with search_service(settings) as (client, runtime):
        newer = [msgspec.structs.replace(project_created(uuid.uuid4()), type="portfolio.project.archived")
                 for _ in range(2)]  # fmt: skip
        known = project_created(uuid.uuid4())
        with capture_logs() as logs:
            for envelope in (*newer, known):
                await publish(runtime, envelope)
            await eventually(lambda: _at(runtime, 3))
        reasons = [
            row["reason"] for row in await runtime.pool.fetch("SELECT reason FROM dead_letters ORDER BY stream_seq")
        ]
        assert len(reasons) == 2
        assert all("unknown event type 'portfolio.project.archived'" in r and "newer producer" in r for r in reasons)
        assert await runtime.pool.fetchval("SELECT count(*) FROM documents WHERE id = $1", known.aggregate_id) == 1
        warnings = [entry for entry in logs if entry.get("type") == "portfolio.project.archived"]
        assert len(warnings) == 1  # once per type, however many come
        metrics = (await client.get("/metrics")).text
        assert 'cdps_consumer_unknown_events_total{consumer="search",type="portfolio.project.archived"} 2.0' in metrics


async def _at(runtime: Runtime, stream_seq: int) -> bool:
    return await position(runtime) >= stream_seq


async def test_a_consumer_that_makes_no_progress_with_events_waiting_is_not_ready_and_its_lag_is_exported(
    settings: Settings,
) -> None:
    stalling = msgspec.structs.replace(settings, stalled_after_seconds=0.5)
    async with search_service(stalling) as (client, runtime):
        await publish(runtime, project_created(uuid.uuid4()))
        await eventually(lambda: _at(runtime, 1))
        await eventually(lambda: _ready(client))
        metrics = await eventually(lambda: _metrics_with(client, 'cdps_consumer_lag{consumer="search"} 0.0'))
        assert 'cdps_seconds_since_progress{task="consumer"}' in metrics

        holder = await asyncpg.connect(settings.database_url)
        try:  # a long maintenance job holds the indexer back: work waits, nothing moves, nothing fails
            async with holder.transaction():
                await holder.execute("SELECT pg_advisory_xact_lock(hashtext($1))", APPLY_LOCK)
                for _ in range(3):
                    await publish(runtime, project_created(uuid.uuid4()))
                await eventually(lambda: _not_ready_because(client, "consumer", "stalled"))
        finally:
            await holder.close()
        await eventually(lambda: _at(runtime, 4))
        await eventually(lambda: _ready(client))


async def _metrics_with(client: httpx.AsyncClient, line: str) -> str | None:
    metrics = (await client.get("/metrics")).text
    return metrics if line in metrics else None


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/readyz")).status_code == 200


async def _not_ready_because(client: httpx.AsyncClient, check: str, reason: str) -> bool:
    response = await client.get("/readyz")
    return response.status_code == 503 and response.json()[check].startswith(reason)
