"""The API gateway reaches every resource the services serve under /api/v1."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar

from services.notifier.app import create_app as notifier_app
from services.portfolio.app import create_app as portfolio_app
from services.search.app import create_app as search_app
from shared.settings import Settings
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
