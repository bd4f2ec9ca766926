"""The notifier service: turns events into emails and sends them."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from services.notifier.api import add_subscriber, delivery_log
from services.notifier.consumer import CONSUMER, apply_event
from services.notifier.sender import run_sender
from shared.consumer import EventConsumer
from shared.http import EXCEPTION_HANDLERS
from shared.service import OPERATIONS, Runtime, lifespan
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


async def run_consumer(runtime: Runtime) -> None:
    consumer = EventConsumer(
        name=CONSUMER, pool=runtime.pool, js=runtime.js, settings=runtime.settings, handler=apply_event
    )
    await consumer.run(runtime.stop)


def create_app(settings: Settings) -> Litestar:
    return Litestar(
        route_handlers=[add_subscriber, delivery_log, *OPERATIONS],
        lifespan=[lifespan("notifier", settings, MIGRATIONS, background=[run_consumer, run_sender])],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="CDPS notifier", version="1.0.0", path="/api/v1/schema"),
    )
