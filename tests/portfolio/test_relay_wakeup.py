"""The API's writes wake the outbox relay after they commit, with no NOTIFY in their own
transactions: PostgreSQL makes notifying transactions commit one at a time (shared/wakeup.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from services.portfolio.app import MIGRATIONS, create_app
from shared.outbox import NOTIFY_CHANNEL
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings
from shared.wakeup import RING, Doorbell
from tests.helpers import asgi, eventually, stream_events
from tests.portfolio.conftest import Api

SENTINEL = "sentinel"


@pytest.fixture
async def slow_poll_api(settings: Settings) -> AsyncIterator[Api]:
    """The service with a relay that polls only every 30 s: anything sooner was a wake-up."""
    slow = msgspec.structs.replace(settings, relay_poll_seconds=30.0)
    app = create_app(slow)
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://portfolio") as client,
    ):
        yield Api(client, app, slow)


class Listener:
    """The payloads of every NOTIFY on the relays' channel, in commit order."""

    def __init__(self, conn: asyncpg.Connection):
        self.conn = conn
        self.payloads: list[str] = []

    def heard(self, *args: object) -> None:
        self.payloads.append(str(args[-1]))

    async def all_delivered(self) -> list[str]:
        """Everything committed so far: a NOTIFY of our own, committed now, arrives after all of it."""
        await self.conn.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, SENTINEL)

        async def arrived() -> bool:
            return SENTINEL in self.payloads

        await eventually(arrived)
        return self.payloads[: self.payloads.index(SENTINEL)]


@pytest.fixture
async def listener(settings: Settings) -> AsyncIterator[Listener]:
    assert settings.database_url
    conn = await asyncpg.connect(settings.database_url)
    heard = Listener(conn)
    await conn.add_listener(NOTIFY_CHANNEL, heard.heard)
    yield heard
    await conn.close()


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("portfolio", settings, MIGRATIONS)
    yield runtime
    await stop_runtime(runtime, [])


async def test_writes_through_the_api_send_no_notify_of_their_own_and_are_published_at_once(
    slow_poll_api: Api, listener: Listener
) -> None:
    api = slow_poll_api
    created = await api.project()
    project_id, version = created.json()["id"], created.headers["etag"]
    retried = {**api.as_("lead"), "If-Match": version, "Idempotency-Key": str(uuid.uuid4())}
    changed = await api.client.post(
        f"/api/v1/projects/{project_id}/phase",
        json={"kind": "advance", "effective": dt.datetime.now(dt.UTC).date().isoformat()},
        headers=retried,
    )
    assert changed.status_code == 200, changed.text

    async def both_published() -> bool:
        return len(await stream_events(api.runtime.js, api.settings)) == 2

    await eventually(both_published, timeout=5)  # far below the 30 s poll: the relay was woken
    assert "" not in await listener.all_delivered()  # a writer's NOTIFY is empty; the doorbell's says "ring"


async def test_the_doorbell_wakes_other_processes_until_its_own_waiter_does_the_work(
    runtime: Runtime, listener: Listener
) -> None:
    doorbell = Doorbell(runtime.pool, NOTIFY_CHANNEL)
    doorbell.ring()
    await doorbell.close()
    assert await listener.all_delivered() == [RING]
    assert doorbell.rung.is_set()

    listener.payloads.clear()
    doorbell.others_work = False
    doorbell.ring()
    await doorbell.close()
    assert await listener.all_delivered() == []
