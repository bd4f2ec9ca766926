"""The portfolio service: source of truth for partners and projects, and the outbox relay."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar
from litestar.openapi import OpenAPIConfig

from services.portfolio.api import ProjectsController
from shared.http import EXCEPTION_HANDLERS
from shared.outbox import Relay
from shared.service import OPERATIONS, Runtime, lifespan
from shared.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


async def run_relay(runtime: Runtime) -> None:
    relay = Relay(runtime.pool, runtime.dsn, runtime.js, runtime.settings, schema="portfolio")
    await relay.run(runtime.stop)


def create_app(settings: Settings) -> Litestar:
    return Litestar(
        route_handlers=[ProjectsController, *OPERATIONS],
        lifespan=[lifespan("portfolio", settings, MIGRATIONS, background=[run_relay])],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(title="CDPS portfolio", version="1.0.0", path="/api/v1/schema"),
    )
