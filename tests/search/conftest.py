"""The search service in-process, consuming this test's own stream."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar

from services.search.app import create_app
from shared.events import Actor, Envelope, EventData, Role, encode, make_envelope
from shared.service import Runtime
from shared.settings import Settings
from tests.helpers import asgi, auth

LEAD = Actor(id="lead-1", role="lead")


class Search:
    def __init__(self, client: httpx.AsyncClient, app: Litestar, settings: Settings):
        self.client = client
        self.app = app
        self.settings = settings

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    def as_(self, role: Role, partner_id: uuid.UUID | None = None) -> dict[str, str]:
        return auth(self.settings, role, partner_id=partner_id)

    async def publish(
        self, data: EventData, *, aggregate_id: uuid.UUID | None = None, seq: int = 1,
        partner_id: uuid.UUID | None = None, msg_id: str | None = None,
    ) -> Envelope:  # fmt: skip
        envelope = make_envelope(
            data, actor=LEAD, aggregate_id=aggregate_id or uuid.uuid4(), aggregate_seq=seq, partner_id=partner_id
        )
        await self.runtime.js.publish(
            self.settings.subject_for(envelope.type),
            encode(envelope),
            headers={"Nats-Msg-Id": msg_id or str(envelope.id)},
        )
        return envelope

    async def query(
        self, headers: dict[str, str] | None = None, after: Envelope | None = None, **params: Any
    ) -> dict[str, Any]:
        if after is not None:
            params["after"] = f"{after.aggregate_id}:{after.aggregate_seq}"
        response = await self.client.get("/api/v1/search", params=params, headers=headers or {})
        assert response.status_code == 200, response.text
        if after is not None:
            assert response.headers["x-index-caught-up"] == "true"
        body: dict[str, Any] = response.json()
        return body

    async def titles(
        self, headers: dict[str, str] | None = None, after: Envelope | None = None, **params: Any
    ) -> list[str]:
        return [hit["title_en"] for hit in (await self.query(headers, after, **params))["items"]]


@pytest.fixture
async def search(settings: Settings) -> AsyncIterator[Search]:
    app = create_app(settings)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://search") as client,
    ):
        yield Search(client, app, settings)
