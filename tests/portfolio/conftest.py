"""The portfolio service in-process (its real lifespan: PostgreSQL, NATS and the relay)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar

from services.portfolio.app import create_app
from shared.events import Role
from shared.service import Runtime
from shared.settings import Settings
from tests.helpers import asgi, auth


class Api:
    """A client of the portfolio API that can act as any role."""

    def __init__(self, client: httpx.AsyncClient, app: Litestar, settings: Settings):
        self.client = client
        self.app = app
        self.settings = settings

    def as_(self, role: Role, partner_id: uuid.UUID | None = None, sub: str = "") -> dict[str, str]:
        return auth(self.settings, role, partner_id=partner_id, sub=sub)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def events(self, event_type: str | None = None) -> list[Any]:
        return list(
            await self.runtime.pool.fetch(
                "SELECT * FROM events WHERE $1::text IS NULL OR type = $1 ORDER BY position", event_type
            )
        )

    async def partner(self, slug: str = "", **fields: Any) -> dict[str, Any]:
        body = {"slug": slug or f"p-{uuid.uuid4().hex[:8]}", "name_en": "Cardiff Council",
                "name_cy": "Cyngor Caerdydd", "kind": "local_authority", **fields}  # fmt: skip
        response = await self.client.post("/api/v1/partners", json=body, headers=self.as_("lead"))
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def project(self, **fields: Any) -> httpx.Response:
        body = {"slug": f"proj-{uuid.uuid4().hex[:8]}", "title_en": "Booking appointments",
                "title_cy": "Trefnu apwyntiadau", **fields}  # fmt: skip
        response = await self.client.post("/api/v1/projects", json=body, headers=self.as_("lead"))
        assert response.status_code == 201, response.text
        return response


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://portfolio") as client,
    ):
        yield Api(client, app, settings)
