"""The web service in-process, with a stand-in for the notifier's sign-in-link responder on real NATS."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from shared.service import Runtime
from shared.settings import Settings
from tests.helpers import asgi
from web.app import create_app

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


class Web:
    def __init__(self, client: httpx.AsyncClient, app: Litestar, settings: Settings):
        self.client = client
        self.app = app
        self.settings = settings
        self.links: list[dict[str, Any]] = []
        self.responder: Subscription | None = None
        """The stand-in for the notifier's responder (unsubscribe it to have the notifier away)."""

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def csrf(self, path: str = "/signin") -> str:
        page = await self.client.get(path)
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        return match[1]

    async def ask_for_link(self, email: str, *, going_to: str = "", **headers: str) -> httpx.Response:
        token = await self.csrf()
        form = {"email": email, "_csrf_token": token} | ({"next": going_to} if going_to else {})
        return await self.client.post("/signin", data=form, headers=headers)

    async def use_link(self, link: str) -> httpx.Response:
        """Open an emailed sign-in link and press its button, as the person does."""
        path = "/" + link.split("://", 1)[1].split("/", 1)[1]
        opened = await self.client.get(path)
        token = CSRF_INPUT.search(opened.text)  # a link that no longer works shows no button
        return await self.client.post(path, data={"_csrf_token": token[1] if token else await self.csrf()})


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[Web]:
    async with serving(settings) as started:
        yield started


@pytest.fixture
async def web_over_https(settings: Settings) -> AsyncIterator[Web]:
    """The web as it runs behind an HTTPS proxy: its public URL is https, requests come as plain HTTP."""
    async with serving(msgspec.structs.replace(settings, public_url="https://portfolio.cdps.example")) as started:
        yield started


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Web]:
    app = create_app(settings)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(asgi(app)), base_url="http://web", follow_redirects=False
        ) as client,
    ):
        web = Web(client, app, settings)

        async def reply(msg: Msg) -> None:  # what the notifier does, minus the email
            web.links.append(msgspec.json.decode(msg.data))
            await msg.respond(b'{"ok": true}')

        web.responder = await web.runtime.nc.subscribe(settings.subject_for("auth.signin_link"), cb=reply)
        yield web
        if web.responder is not None:
            await web.responder.unsubscribe()
