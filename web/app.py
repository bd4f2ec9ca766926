"""The web front end: server-rendered pages (Jinja2, GOV.UK Frontend) enhanced by htmx.

This module only assembles the app; the pages live in ``web/pages/``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar, Request
from litestar.datastructures import CacheControlHeader, State
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from shared import db
from shared.inputs import check_input
from shared.service import OPERATIONS, Job, lifespan
from shared.settings import Settings
from web import account_lookup, accounts_api, auth, feeds, live, pages, weeknotes
from web.boardcache import BoardCache
from web.context import DEPENDENCIES
from web.gateway import gateway, subscription_pages
from web.housekeeping import run_housekeeping
from web.i18n import template_engine

HERE = Path(__file__).parent
ASSETS = HERE / "node_modules"
MIGRATIONS = db.Migrations(HERE / "migrations")
# Static URLs carry a fingerprint of the files (web.i18n.asset), so they may be kept for a long time.
STATIC_CACHE = CacheControlHeader(max_age=7 * 24 * 3600, public=True)
# Fonts and images named by GOV.UK Frontend's stylesheet (their names carry GOV.UK's own hash).
ASSETS_CACHE = CacheControlHeader(max_age=30 * 24 * 3600, public=True)


def static_routers() -> list[object]:
    def router(path: str, directory: Path, cache: CacheControlHeader) -> object:
        return create_static_files_router(path=path, directories=[directory], include_in_schema=False,
                                          cache_control=cache)  # fmt: skip

    return [
        router("/static/govuk", ASSETS / "govuk-frontend/dist/govuk", STATIC_CACHE),
        router("/static/htmx", ASSETS / "htmx.org/dist", STATIC_CACHE),
        router("/static/htmx-sse", ASSETS / "htmx-ext-sse/dist", STATIC_CACHE),
        router("/static/app", HERE / "static", STATIC_CACHE),
        router("/assets", ASSETS / "govuk-frontend/dist/govuk/assets", ASSETS_CACHE),
    ]


HOUSEKEEPING = Job("housekeeping", lambda runtime, _health: run_housekeeping(runtime))
ACCOUNT_LOOKUP = Job("accounts", account_lookup.run_responder)
"""The notifier asks who is on the other side of a conversation (web/account_lookup.py)."""


async def before_request(request: Request[Any, Any, Any]) -> None:
    live.remember_position(request)
    await check_input(request)


def create_app(settings: Settings) -> Litestar:
    @contextlib.asynccontextmanager
    async def http_client(app: Litestar) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=5) as client:
            app.state.http = client
            yield

    listener = live.Listener()
    board_cache = BoardCache()
    board_cache.attach(listener)
    return Litestar(
        route_handlers=[
            *pages.ROUTES,
            *weeknotes.ROUTES,
            *feeds.ROUTES,
            *live.ROUTES,
            accounts_api.ROUTER,
            gateway,
            subscription_pages,
            *auth.ROUTES,
            *OPERATIONS,
            *static_routers(),  # type: ignore[list-item]
        ],
        lifespan=[
            lifespan("web", settings, MIGRATIONS, background=[HOUSEKEEPING, Job("live", listener.run), ACCOUNT_LOOKUP]),
            http_client,
        ],
        csrf_config=auth.csrf_config(settings),
        dependencies=DEPENDENCIES,
        middleware=[auth.SecurityHeaders()],
        exception_handlers=pages.EXCEPTION_HANDLERS,
        logging_config=None,  # every record is rendered by shared/logs.py
        before_request=before_request,
        # before_shutdown: the server stops; open live streams end first (cdps serve calls it).
        state=State(
            {"settings": settings, "live": listener, "board_cache": board_cache, "before_shutdown": listener.close}
        ),
        template_config=TemplateConfig(instance=template_engine()),
    )
