"""The web front end: server-rendered pages (Jinja2, GOV.UK Frontend) enhanced by htmx."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from shared.service import OPERATIONS, lifespan
from shared.settings import Settings
from web import auth
from web.gateway import gateway, subscription_pages
from web.i18n import LANGUAGES, gettext_functions, language_of, template_engine

HERE = Path(__file__).parent
ASSETS = HERE / "node_modules"
MIGRATIONS = HERE / "migrations"

PHASES = {
    "en": {"discovery": "Discovery", "alpha": "Alpha", "beta": "Beta", "live": "Live", "retired": "Retired"},
    "cy": {
        "discovery": "Darganfod",
        "alpha": "Alffa",
        "beta": "Beta",
        "live": "Byw",
        "retired": "Wedi ymddeol",
    },
}
HEALTH = {
    "en": {"green": "Green", "amber": "Amber", "red": "Red"},
    "cy": {"green": "Gwyrdd", "amber": "Ambr", "red": "Coch"},
}
UNAVAILABLE = {
    "en": "The {what} service is not available at the moment. Try again in a few minutes.",
    "cy": "Nid yw'r gwasanaeth {what} ar gael ar hyn o bryd. Rhowch gynnig arall ymhen ychydig funudau.",
}


async def _page(request: Request[Any, Any, Any], name: str, **context: Any) -> Template:
    lang = language_of(request)
    account = await auth.account_of(request)
    response = Template(
        template_name=name, context={"lang": lang, "account": account, **gettext_functions(lang), **context}
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@get("/")
async def home(request: Request[Any, Any, Any], state: State) -> Template:
    lang = language_of(request)
    projects: list[dict[str, Any]] = []
    error = None
    try:
        response = await state.http.get(
            f"{state.settings.portfolio_url}/api/v1/projects", params={"limit": 100},
            headers=await auth.service_headers(request),
        )  # fmt: skip
        response.raise_for_status()
        projects = response.json()["items"]
    except httpx.HTTPError:
        error = UNAVAILABLE[lang].format(what="portfolio" if lang == "en" else "portffolio")
    return await _page(
        request, "home.html", projects=projects, projects_error=error, q="",
        phase_names=PHASES[lang], health_names=HEALTH[lang],
    )  # fmt: skip


@get("/search")
async def search(request: Request[Any, Any, Any], state: State, q: FromQuery[str] = "") -> Template:
    lang = language_of(request)
    hits: list[dict[str, Any]] = []
    total = 0
    error = None
    if q.strip():
        try:
            response = await state.http.get(
                f"{state.settings.search_url}/api/v1/search", params={"q": q[:200], "limit": 20},
                headers=await auth.service_headers(request),
            )  # fmt: skip
            response.raise_for_status()
            body = response.json()
            hits, total = body["items"], body["total"]
        except httpx.HTTPError:
            error = UNAVAILABLE[lang].format(what="search" if lang == "en" else "chwilio")
    name = "partials/results.html" if request.headers.get("hx-request") else "search.html"
    return await _page(request, name, q=q, hits=hits, total=total, error=error)


def create_app(settings: Settings) -> Litestar:
    @contextlib.asynccontextmanager
    async def http_client(app: Litestar) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=5) as client:
            app.state.http = client
            yield

    return Litestar(
        route_handlers=[
            home,
            search,
            gateway,
            subscription_pages,
            *auth.ROUTES,
            *OPERATIONS,
            create_static_files_router(
                path="/static/govuk",
                directories=[ASSETS / "govuk-frontend/dist/govuk"],
                include_in_schema=False,
                cache_control=None,
            ),
            create_static_files_router(
                path="/assets",
                directories=[ASSETS / "govuk-frontend/dist/govuk/assets"],
                include_in_schema=False,
            ),
            create_static_files_router(
                path="/static/htmx", directories=[ASSETS / "htmx.org/dist"], include_in_schema=False
            ),
        ],
        lifespan=[lifespan("web", settings, MIGRATIONS), http_client],
        csrf_config=auth.csrf_config(settings.secret_key),
        middleware=[auth.SecurityHeaders()],
        state=State({"settings": settings}),
        template_config=TemplateConfig(instance=template_engine()),
    )
