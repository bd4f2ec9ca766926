"""What every service has in common: its runtime (pool, NATS), lifespan, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import nats.errors
from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared import bus, db
from shared.logs import get_logger
from shared.settings import ConfigError, ServiceName, Settings

log = get_logger(__name__)


@dataclass
class Runtime:
    """The connections a running service holds; stored on ``app.state.runtime``."""

    name: ServiceName
    settings: Settings
    dsn: str
    pool: asyncpg.Pool
    nc: NATS
    js: JetStreamContext
    stop: asyncio.Event = field(default_factory=asyncio.Event)


BackgroundTask = Callable[[Runtime], Coroutine[Any, Any, None]]


def require(value: str | None, variable: str) -> str:
    if not value:
        raise ConfigError(f"{variable} is not set: run `cdps run` for the embedded servers, or set {variable}")
    return value


# Per-service PostgreSQL settings. Search: every query is planned for its own words (a generic
# plan cannot know whether a word matches ten documents or fifty thousand), and the matches of a
# broad query are counted in memory rather than spilled to a temporary file (measured by make bench).
DATABASE_SETTINGS: dict[str, dict[str, str]] = {
    # No parallel workers: a search is a few small ordered scans, and its ranking reads the tiers of
    # a UNION ALL in order (a parallel append would not).
    "search": {"plan_cache_mode": "force_custom_plan", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"},
}


async def start_runtime(name: ServiceName, settings: Settings, migrations: db.Migrations | None) -> Runtime:
    dsn = require(settings.database_url, "DATABASE_URL")
    nats_url = require(settings.nats_url, "NATS_URL")
    if migrations is not None:
        await db.migrate(dsn, name, migrations)
    pool = await db.create_pool(dsn, name, server_settings=DATABASE_SETTINGS.get(name))
    await pool.execute("SELECT 1")  # fail fast with the clear message if the pool cannot connect
    nc = await bus.connect(nats_url, name=f"cdps-{name}")
    js = nc.jetstream()
    await bus.ensure_stream(js, settings)
    return Runtime(name=name, settings=settings, dsn=dsn, pool=pool, nc=nc, js=js)


async def stop_runtime(runtime: Runtime, tasks: Sequence[asyncio.Task[None]]) -> None:
    """Finish in-flight work, then drain NATS and close the pool."""
    runtime.stop.set()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            try:
                await asyncio.wait_for(task, timeout=10)
            except TimeoutError:
                log.warning("background task did not stop in time; cancelled")
    try:
        await asyncio.wait_for(runtime.nc.drain(), timeout=5)
    except (TimeoutError, nats.errors.Error):
        await runtime.nc.close()
    await runtime.pool.close()


def lifespan(
    name: ServiceName,
    settings: Settings,
    migrations: db.Migrations | None,
    background: Sequence[BackgroundTask] = (),
) -> Callable[[Litestar], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def run(app: Litestar) -> AsyncIterator[None]:
        runtime = await start_runtime(name, settings, migrations)
        app.state.runtime = runtime
        tasks = [asyncio.create_task(job(runtime), name=f"{name}-{i}") for i, job in enumerate(background)]
        log.info("service started", port=settings.port_of(name))
        try:
            yield
        finally:
            await stop_runtime(runtime, tasks)
            log.info("service stopped")

    return run


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@get("/readyz", include_in_schema=False)
async def readyz(state: State) -> Response[dict[str, str]]:
    """Ready to serve: PostgreSQL answers and NATS is connected."""
    runtime: Runtime = state.runtime
    checks = {"database": "ok", "nats": "ok" if runtime.nc.is_connected else "disconnected"}
    try:
        await asyncio.wait_for(runtime.pool.fetchval("SELECT 1"), timeout=2)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        checks["database"] = exc.__class__.__name__
    ok = all(v == "ok" for v in checks.values())
    return Response(checks, status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE)


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


OPERATIONS = [healthz, readyz, metrics]
