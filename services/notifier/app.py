"""The notifier service: turns events into emails and sends them.

Background jobs (each can be switched off per process with ``Options.jobs``): the event consumer
records deliveries; the sender sends them; the sign-in responder answers core NATS requests; the
weeknotes job publishes each week's weeknote and makes the weekly digests with it; the daily-digests
job makes the daily ones at the installation's hour; the relay sends
weeknotes.published to the stream; housekeeping deletes what has expired (unconfirmed sign-ups,
idempotency keys).
"""

from __future__ import annotations

import functools
from pathlib import Path

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig

from services.notifier.compose import Composer
from services.notifier.config import Options
from services.notifier.consumer import CONSUMER, apply_batch
from services.notifier.contacts import account_lookup, lookup
from services.notifier.digest import digests_with_weeknote, run_daily_digests
from services.notifier.housekeeping import run_housekeeping
from services.notifier.links import Links
from services.notifier.rendering import Templates
from services.notifier.routes import deliveries, pages, subscriptions
from services.notifier.routes.common import DEPENDENCIES, Parts
from services.notifier.sender import run_sender
from services.notifier.signin import run_signin_responder
from services.notifier.weeknotes.api import ROUTES as WEEKNOTES_ROUTES
from services.notifier.weeknotes.scheduler import run_scheduler
from shared import db
from shared.consumer import EventConsumer
from shared.http import EXCEPTION_HANDLERS, JsonRequest
from shared.inputs import check_input
from shared.outbox import Relay
from shared.requests import REQUEST_CONTEXT, version_before_connection
from shared.service import OPERATIONS, Job, Runtime, lifespan
from shared.settings import Settings
from shared.supervision import Health

MIGRATIONS = db.Migrations(Path(__file__).parent / "migrations", shared=("outbox", "consumer", "idempotency"))
ROUTES = [
    subscriptions.subscribe, subscriptions.follow, subscriptions.my_subscriptions, subscriptions.unfollow,
    subscriptions.change_following,
    pages.confirm, pages.ask_to_unsubscribe, pages.unsubscribe, pages.manage, pages.change,
    deliveries.delivery_log, deliveries.delivery, deliveries.retry_delivery, *WEEKNOTES_ROUTES, *OPERATIONS,
]  # fmt: skip


def background_jobs(notifier: Parts) -> list[Job]:
    options, composer = notifier.options, notifier.composer

    async def consumer(runtime: Runtime, health: Health) -> None:
        await EventConsumer(
            name=CONSUMER,
            pool=runtime.pool,
            js=runtime.js,
            settings=runtime.settings,
            handler=functools.partial(
                apply_batch,
                contacts=lookup(runtime.nc, runtime.settings),
                accounts=account_lookup(runtime.nc, runtime.settings),
                hold_for_welsh=runtime.settings.welsh_before_publishing == "required",
            ),
            health=health,
        ).run(runtime.stop)

    async def sender(runtime: Runtime, health: Health) -> None:
        await run_sender(runtime, options, composer, health)

    async def signin(runtime: Runtime, health: Health) -> None:
        await run_signin_responder(runtime, options, composer)

    async def housekeeping(runtime: Runtime, health: Health) -> None:
        await run_housekeeping(runtime, options, health)

    async def weeknotes(runtime: Runtime, health: Health) -> None:
        schedule = options.weeknotes_schedule
        digests = digests_with_weeknote(runtime.pool, schedule)
        await run_scheduler(runtime.pool, runtime.stop, schedule=schedule, web_base=runtime.settings.public_url,
                            on_published=digests, health=health,
                            hold_for_welsh=runtime.settings.welsh_before_publishing == "required")  # fmt: skip

    async def daily_digests(runtime: Runtime, health: Health) -> None:
        await run_daily_digests(runtime.pool, runtime.stop, hour=options.daily_digest_hour, health=health)

    async def relay(runtime: Runtime, health: Health) -> None:
        # weeknotes.published goes out through the notifier's outbox
        relay = Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, schema="notifier", health=health)
        await relay.run(runtime.stop)

    jobs = {"consumer": Job("consumer", consumer, uses_stream=True), "sender": Job("sender", sender),
            "signin": Job("signin", signin), "housekeeping": Job("housekeeping", housekeeping),
            "weeknotes": Job("weeknotes", weeknotes), "daily_digests": Job("daily_digests", daily_digests),
            "relay": Job("relay", relay, uses_stream=True)}  # fmt: skip
    return [jobs[name] for name in options.jobs]


def create_app(settings: Settings, options: Options | None = None) -> Litestar:
    """Fails at once (ConfigError naming the file and placeholder) if a template is broken."""
    options = options or Options.from_settings(settings)
    templates = Templates(options.templates)
    links = Links(link_base=options.link_base, web_base=options.web_base, secret=settings.secret_key)
    notifier = Parts(
        options=options, templates=templates, links=links,
        composer=Composer(templates, links, confirm_lifetime=options.confirm_lifetime),
    )  # fmt: skip
    return Litestar(
        route_handlers=ROUTES,
        state=State({"notifier": notifier}),
        dependencies={**REQUEST_CONTEXT, **DEPENDENCIES},
        on_app_init=[version_before_connection],
        lifespan=[lifespan("notifier", settings, MIGRATIONS, background=background_jobs(notifier))],
        exception_handlers=EXCEPTION_HANDLERS,
        logging_config=None,  # every record is rendered by shared/logs.py
        request_class=JsonRequest,
        before_request=check_input,
        openapi_config=OpenAPIConfig(title="CDPS notifier", version="1.0.0", path="/api/v1/schema"),
    )
