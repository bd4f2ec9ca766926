"""A service that is down shows a clear message on the part of the page it affects, never a blank page.

The web runs in-process here, pointed at addresses where nothing listens.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from cdps.embedded import free_port
from shared.settings import Settings
from tests.helpers import asgi
from web import accounts
from web.app import create_app


@pytest.fixture
async def offline(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    nowhere = f"http://127.0.0.1:{free_port()}"
    app = create_app(msgspec.structs.replace(settings, portfolio_url=nowhere, search_url=nowhere, notifier_url=nowhere))
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://web") as client,
    ):
        async with app.state.runtime.pool.acquire() as conn:
            admin = await accounts.add_account(conn, email="admin@cdps.example", role="admin")
            client.cookies.set("cdps_session", await accounts.start_session(conn, admin))
        yield client


async def test_each_page_says_which_service_is_unavailable_in_the_page_language(offline: httpx.AsyncClient) -> None:
    home = await offline.get("/", params={"lang": "en"})
    assert home.status_code == 200
    assert "The portfolio service is not available at the moment." in home.text
    assert "Search the portfolio" in home.text  # the rest of the page still works
    search = await offline.get("/search", params={"q": "data", "lang": "cy"})
    assert search.status_code == 200 and "Nid yw'r gwasanaeth chwilio ar gael" in html.unescape(search.text)
    project = await offline.get("/projects/00000000-0000-0000-0000-000000000001", params={"lang": "en"})
    assert project.status_code == 503 and "Sorry, the service is unavailable" in project.text
    assert "The portfolio service is not available" in project.text
    emails = await offline.get("/admin/deliveries", params={"lang": "en"})
    assert emails.status_code == 200 and "The email service is not available" in emails.text
    accounts_page = await offline.get("/admin/accounts", params={"lang": "en"})
    assert accounts_page.status_code == 200 and "admin@cdps.example" in accounts_page.text
    assert "The portfolio service is not available" in accounts_page.text  # only the partner list is missing


@pytest.fixture
async def confused(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web with services that answer nonsense, so a page fails in a way nobody planned for."""
    app = create_app(settings)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://web") as client,
    ):
        nonsense = httpx.MockTransport(lambda request: httpx.Response(200, json={"items": 5}))
        async with httpx.AsyncClient(transport=nonsense) as upstream:
            app.state.http = upstream
            yield client


async def test_an_unexpected_failure_shows_a_friendly_page_in_the_visitors_language(
    confused: httpx.AsyncClient,
) -> None:
    welsh = await confused.get("/", params={"lang": "cy"})
    assert welsh.status_code == 500
    assert "Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth" in html.unescape(welsh.text)
    assert "Traceback" not in welsh.text and "TypeError" not in welsh.text
    english = await confused.get("/", params={"lang": "en"})
    assert "Sorry, there is a problem with the service" in english.text
