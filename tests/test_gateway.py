"""The API gateway reaches every resource the services serve under /api/v1, and passes on what a script needs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar
from structlog.testing import capture_logs

from cdps.embedded import free_port
from services.notifier.app import create_app as notifier_app
from services.portfolio.app import create_app as portfolio_app
from services.search.app import create_app as search_app
from shared.http import RETRY_AFTER_SECONDS
from shared.settings import Settings
from tests.helpers import asgi
from web import accounts
from web.app import create_app as web_app
from web.gateway import OWNERS, PREFIX


def resources(app: Litestar) -> set[str]:
    """The first segment after /api/v1/ of every route the app serves, its OpenAPI document aside."""
    return {route.path.removeprefix(PREFIX).split("/")[0] for route in app.routes if route.path.startswith(PREFIX)} - {
        "schema"
    }


@pytest.mark.parametrize("service", ["portfolio", "search", "notifier"])
def test_every_resource_a_service_serves_is_forwarded_to_it_by_the_gateway(service: str, tmp_path: Path) -> None:
    # Building an app connects to nothing: its servers are reached only when its lifespan starts.
    settings = Settings(secret_key="gateway-" + "x" * 32, data_dir=tmp_path)
    app = {"portfolio": portfolio_app, "search": search_app, "notifier": notifier_app}[service](settings)
    assert {resource: OWNERS.get(resource) for resource in resources(app)} == dict.fromkeys(resources(app), service)


@pytest.fixture
async def gateway(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str], Litestar]]:
    """The web with an API token, its services nowhere (until a test gives it an upstream)."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    app = web_app(msgspec.structs.replace(settings, portfolio_url=nowhere, search_url=nowhere, notifier_url=nowhere))
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://web") as client,
    ):
        async with app.state.runtime.pool.acquire() as conn:
            account = await accounts.add_account(conn, email="script@cdps.example", role="lead")
            _, secret = await accounts.create_api_token(conn, account, "script")
        yield client, {"Authorization": f"Bearer {secret}"}, app


async def test_a_script_told_a_service_is_unavailable_is_told_when_to_try_again(
    gateway: tuple[httpx.AsyncClient, dict[str, str], Litestar],
) -> None:
    client, token, app = gateway
    unreachable = await client.get("/api/v1/projects", headers=token)
    assert unreachable.status_code == 503 and unreachable.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    # A service whose PostgreSQL is down answers 503 with its own Retry-After, which must reach the script.
    outage = httpx.MockTransport(lambda request: httpx.Response(503, headers={"Retry-After": "7"}, json={}))
    async with httpx.AsyncClient(transport=outage) as upstream:
        app.state.http = upstream
        answered = await client.get("/api/v1/projects", headers=token)
    assert answered.status_code == 503 and answered.headers["retry-after"] == "7"


async def test_a_search_through_the_gateway_says_whether_the_index_had_caught_up(
    gateway: tuple[httpx.AsyncClient, dict[str, str], Litestar],
) -> None:
    # search?after=<id>:<seq> waits a bounded time for a write; the script must learn if it ran out.
    client, token, app = gateway
    behind = httpx.MockTransport(lambda request: httpx.Response(200, headers={"X-Index-Caught-Up": "false"}, json={}))
    async with httpx.AsyncClient(transport=behind) as upstream:
        app.state.http = upstream
        answered = await client.get("/api/v1/search", params={"q": "forms", "after": "x:1"}, headers=token)
    assert answered.headers["x-index-caught-up"] == "false"


async def test_a_service_the_web_cannot_reach_is_named_in_the_log_with_why(
    gateway: tuple[httpx.AsyncClient, dict[str, str], Litestar],
) -> None:
    """The person gets a 503; the operator reads which service, which page and why (refused or timed out)."""
    client, token, _ = gateway
    with capture_logs() as logs:
        api = await client.get("/api/v1/projects", headers=token)
        page = await client.get("/subscriptions/manage", params={"token": "t"})

    assert (api.status_code, page.status_code) == (503, 503)
    unavailable = [
        (e["service"], e["path"], e["error"].split(":")[0]) for e in logs if e["event"] == "service unavailable"
    ]
    assert unavailable == [("portfolio", "/api/v1/projects", "ConnectError"),
                           ("notifier", "/subscriptions/manage", "ConnectError")]  # fmt: skip
