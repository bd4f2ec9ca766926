"""The webhooks service: tells other systems what changed, by signed HTTP POSTs (Standard Webhooks).

Its own service, beside the notifier rather than inside it: it calls addresses that admins type in
(so its network reach, timeouts and failures are its own, and a slow receiver never holds up an
email), it has its own schema (endpoints, deliveries), its own durable consumer of the stream (a
webhook backlog never counts as the notifier's lag) and its own readiness.

Background jobs (each can be switched off per process with ``Options.jobs``): the event consumer
records one delivery per (event, endpoint) before acking; the sender sends them; the alerts job
emails every active admin (asked of the web) when an endpoint was disabled.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from services.webhooks.alerts import run_alerts
from services.webhooks.config import Options
from services.webhooks.consumer import CONSUMER, HANDLER, floor_keeper
from services.webhooks.routes import ROUTES
from services.webhooks.sender import run_sender
from shared import db
from shared.consumer import EventConsumer
from shared.http import EXCEPTION_HANDLERS, JsonRequest
from shared.idempotency import housekeeping_job
from shared.inputs import check_input
from shared.requests import REQUEST_CONTEXT, version_before_connection
from shared.service import OPERATIONS, Job, Runtime, lifespan
from shared.settings import Settings
from shared.supervision import Health

MIGRATIONS = db.Migrations(Path(__file__).parent / "migrations", shared=("consumer", "idempotency"))


def background_jobs(options: Options) -> list[Job]:
    async def consumer(runtime: Runtime, health: Health) -> None:
        await EventConsumer(
            name=CONSUMER, pool=runtime.pool, js=runtime.js, settings=runtime.settings, handler=HANDLER,
            health=health, on_acked=floor_keeper(runtime.pool),
        ).run(runtime.stop)  # fmt: skip

    async def sender(runtime: Runtime, health: Health) -> None:
        await run_sender(runtime, options, health)

    async def alerts(runtime: Runtime, health: Health) -> None:
        await run_alerts(runtime, options.from_address, options.public_url, health, options.poll_seconds * 30)

    jobs = {"consumer": Job("consumer", consumer, uses_stream=True), "sender": Job("sender", sender),
            "alerts": Job("alerts", alerts)}  # fmt: skip
    return [jobs[name] for name in options.jobs] + [housekeeping_job()]


def create_app(settings: Settings, options: Options | None = None) -> Litestar:
    options = options or Options.from_settings(settings)
    return Litestar(
        route_handlers=[*ROUTES, *OPERATIONS],
        state=State({"webhooks": options}),
        dependencies=REQUEST_CONTEXT,
        on_app_init=[version_before_connection],
        lifespan=[lifespan("webhooks", settings, MIGRATIONS, background=background_jobs(options))],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,  # every record is rendered by shared/logs.py
        request_class=JsonRequest,
        before_request=check_input,
        openapi_config=OpenAPIConfig(title="CDPS webhooks", version="1.0.0", path="/api/v1/schema"),
    )
