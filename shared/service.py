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
from shared.outbox import NOTIFY_CHANNEL
from shared.settings import ConfigError, ServiceName, Settings
from shared.supervision import DEPENDENCY_ERRORS, Health, supervise
from shared.wakeup import Doorbell

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
    tasks: dict[str, Health] = field(default_factory=dict)
    """The health of each background task, by name."""
    uses_stream: bool = True
    stream_ensured: bool = False
    ended: str | None = None
    """Why a background task ended the service, once one has."""
    _stream_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    doorbell: Doorbell = field(init=False)
    """Wakes the outbox relays after the API's writes have committed (``shared/wakeup.py``)."""

    def __post_init__(self) -> None:
        self.doorbell = Doorbell(self.pool, NOTIFY_CHANNEL)

    async def ensure_stream(self) -> None:
        """Create or update the stream once per process (every replica does it at start)."""
        async with self._stream_lock:
            if not self.stream_ensured:
                await bus.ensure_stream(self.js, self.settings)
                self.stream_ensured = True


@dataclass(frozen=True)
class Job:
    """A background task of a service: ``run`` gets the runtime and the task's health record."""

    name: str
    run: Callable[[Runtime, Health], Coroutine[Any, Any, None]]
    uses_stream: bool = False
    """Waits for the stream to be created or updated before it starts (the relay, the consumers)."""
    once: bool = False
    """A start-up job: returning is its success (any other job returning ends the service)."""


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

STREAM_USERS: frozenset[ServiceName] = frozenset({"portfolio", "search", "notifier", "webhooks"})
"""The services that publish to or consume from the stream (the web uses NATS request/reply only)."""
STREAM_AT_START_SECONDS = 5.0
"""How long start-up waits for the stream. A cluster that is electing a leader, or has lost the
majority of its servers, does not stop a service from starting: it starts not ready, and its jobs
keep trying until the stream is there."""


async def start_runtime(
    name: ServiceName, settings: Settings, migrations: db.Migrations | None, *, stream: bool = True
) -> Runtime:
    dsn = require(settings.database_url, "DATABASE_URL")
    nats_url = require(settings.nats_url, "NATS_URL")
    if migrations is not None:
        await db.migrate(dsn, name, migrations)
    pool = await db.create_pool(dsn, name, server_settings=DATABASE_SETTINGS.get(name))
    await pool.execute("SELECT 1")  # fail fast with the clear message if the pool cannot connect
    nc = await bus.connect(nats_url, name=f"cdps-{name}")
    runtime = Runtime(name=name, settings=settings, dsn=dsn, pool=pool, nc=nc, js=nc.jetstream(), uses_stream=stream)
    if stream:
        try:
            await asyncio.wait_for(runtime.ensure_stream(), STREAM_AT_START_SECONDS)
        except (TimeoutError, nats.errors.Error) as exc:  # a ConfigError (replicas) does stop the start
            log.warning("stream not available yet; starting not ready", error=f"{exc.__class__.__name__}: {exc}")
    return runtime


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
    await runtime.doorbell.close()
    await runtime.pool.close()


def start_job(runtime: Runtime, job: Job, end: Callable[[str], None]) -> asyncio.Task[None]:
    health = runtime.tasks[job.name] = Health(job.name)

    async def attempt() -> None:
        if job.uses_stream:
            await runtime.ensure_stream()
        await job.run(runtime, health)

    task = supervise(attempt, health, runtime.stop, end, once=job.once)
    return asyncio.create_task(task, name=f"{runtime.name}-{job.name}")


def lifespan(
    name: ServiceName,
    settings: Settings,
    migrations: db.Migrations | None,
    background: Sequence[Job] = (),
) -> Callable[[Litestar], contextlib.AbstractAsyncContextManager[None]]:
    """Start the runtime and the background jobs; stop them in order.

    A job that ends (see ``supervise``) ends the service: ``/healthz`` and ``/readyz`` answer 503
    from then on, and ``app.state.end_process`` is called if the server running the app set it
    (``cdps serve`` does: the process exits with status 1, and its supervisor starts a new one).
    """

    @contextlib.asynccontextmanager
    async def run(app: Litestar) -> AsyncIterator[None]:
        runtime = await start_runtime(name, settings, migrations, stream=name in STREAM_USERS)
        app.state.runtime = runtime

        def end(reason: str) -> None:
            if runtime.ended is None:
                runtime.ended = reason
                log.critical("service ending: a background task cannot go on", reason=reason)
                runtime.stop.set()
                end_process: Callable[[], None] | None = app.state.get("end_process")
                if end_process is not None:
                    end_process()

        tasks = [start_job(runtime, job, end) for job in background]
        log.info("service started")
        try:
            yield
        finally:
            await stop_runtime(runtime, tasks)
            log.info("service stopped")

    return run


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz(state: State) -> Response[dict[str, str]]:
    """The process is up and answering, and no background task has ended (then it must be restarted)."""
    runtime: Runtime | None = state.get("runtime")
    if runtime is not None and runtime.ended is not None:
        return Response({"status": "ended", "reason": runtime.ended}, status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response({"status": "ok"}, status_code=HTTP_200_OK)


@get("/readyz", include_in_schema=False)
async def readyz(state: State) -> Response[dict[str, str]]:
    """Ready to do its work: PostgreSQL answers, NATS is connected, the stream can be read, and
    every background task is working (not failing, not stalled with work waiting)."""
    runtime: Runtime = state.runtime
    checks = {"database": "ok", "nats": "ok" if runtime.nc.is_connected else "disconnected"}
    try:
        await asyncio.wait_for(runtime.pool.fetchval("SELECT 1"), timeout=2)
    except DEPENDENCY_ERRORS as exc:
        checks["database"] = exc.__class__.__name__
    if runtime.uses_stream:
        checks["stream"] = await _stream_check(runtime)
    for name, health in runtime.tasks.items():
        checks[name] = _task_check(health, runtime.settings.stalled_after_seconds)
    if runtime.ended is not None:
        checks["ended"] = runtime.ended
    ok = runtime.ended is None and all(v == "ok" for v in checks.values())
    return Response(checks, status_code=HTTP_200_OK if ok else HTTP_503_SERVICE_UNAVAILABLE)


async def _stream_check(runtime: Runtime) -> str:
    if not runtime.stream_ensured:
        return "not created yet"
    try:
        await asyncio.wait_for(runtime.js.stream_info(runtime.settings.stream_name), 2)
    except (TimeoutError, nats.errors.Error) as exc:
        return f"unavailable ({exc.__class__.__name__})"
    return "ok"


def _task_check(health: Health, stalled_after: float) -> str:
    if health.failing:
        return f"failing: {health.last_error}"
    if health.waiting and health.seconds_since_progress > stalled_after:
        return f"stalled: {health.waiting} waiting, no progress for {health.seconds_since_progress:.0f} s"
    return "ok"


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics() -> Response[bytes]:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


OPERATIONS = [healthz, readyz, metrics]
