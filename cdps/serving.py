"""`cdps serve NAME`: one service under uvicorn, after checking that its servers answer."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import Callable

import nats.errors
import uvicorn
from litestar import Litestar

from cdps.embedded import port_is_free
from cdps.services import service
from shared import bus, db
from shared.service import STREAM_AT_START_SECONDS, STREAM_USERS, require
from shared.settings import ConfigError, ServiceName, Settings


async def preflight(settings: Settings, *, stream: bool = True) -> None:
    """Reach PostgreSQL and NATS before serving, so a bad URL is one clear line, not a traceback;
    likewise a stream the NATS cluster cannot keep with the replicas asked for. A stream that is
    only unavailable for now (its cluster electing a leader) does not stop the start."""
    conn = await db.connect(require(settings.database_url, "DATABASE_URL"))
    await conn.close()
    nc = await bus.connect(require(settings.nats_url, "NATS_URL"), name="cdps-preflight")
    try:
        if stream:
            with contextlib.suppress(TimeoutError, nats.errors.Error):
                await asyncio.wait_for(bus.ensure_stream(nc.jetstream(), settings), STREAM_AT_START_SECONDS)
    finally:
        await nc.close()


class Server(uvicorn.Server):
    """uvicorn's server, which first tells the app that it stops (``app.state.before_shutdown``):
    it waits for open responses before the app's own shutdown, and a live-status stream would
    otherwise hold every stop for the whole graceful timeout."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        app = self.config.app
        before: Callable[[], None] | None = app.state.get("before_shutdown") if isinstance(app, Litestar) else None
        if before is not None:
            before()
        await super().shutdown(sockets)


def app_for(name: ServiceName, settings: Settings) -> Litestar:
    """The service's app, made without pydantic. Litestar loads its pydantic plugins whenever the
    package can be imported, and the development install has it (the tests' OpenAPI validator
    needs it): 11 MB in each service process, for models no service has. The image installs no
    pydantic; in development it is then as absent as there."""
    sys.modules.setdefault("pydantic", None)  # type: ignore[arg-type]  # None: "not installed"
    return service(name).create_app(settings)


def serve(name: ServiceName, settings: Settings) -> None:
    served = service(name)
    port = served.port(settings)
    if not port_is_free(settings.host, port):
        variable = served.port_variable
        raise ConfigError(f"port {port} ({variable}) is in use: stop what listens there or set {variable}")
    asyncio.run(preflight(settings, stream=name in STREAM_USERS))
    app = app_for(name, settings)
    config = uvicorn.Config(
        app, host=settings.host, port=port, log_config=None, access_log=False,
        lifespan="on", timeout_graceful_shutdown=15,
        # Only named proxies may set the client address (rate limits key on it).
        proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or None,
    )  # fmt: skip
    server = Server(config)
    # A background task that cannot go on ends the service (shared.service.lifespan): stop serving,
    # and exit non-zero so that a supervisor starts a fresh process.
    app.state.end_process = lambda: setattr(server, "should_exit", True)
    server.run()
    runtime = app.state.get("runtime")
    if runtime is not None and runtime.ended is not None:
        raise ConfigError(f"{name} stopped: {runtime.ended}")
