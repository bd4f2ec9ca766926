"""The webhooks service in-process (in the test's own event loop), a real HTTP receiver on loopback
that can be told how to answer, and helpers to publish events and register endpoints."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar

from cdps.embedded import free_port
from services.webhooks.app import create_app
from services.webhooks.config import Options
from shared.events import Actor, EventData, encode, make_envelope
from shared.events import Envelope as EventEnvelope
from shared.service import Runtime
from shared.settings import Settings
from tests.helpers import asgi, auth, eventually

LEAD = Actor(id="lead-1", role="lead")


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    """What the receiver answered."""
    at: float = field(default_factory=time.monotonic)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def event(self) -> dict[str, Any]:
        decoded: dict[str, Any] = msgspec.json.decode(self.body)
        return decoded


class Receiver:
    """A real HTTP server on 127.0.0.1 (its own thread) that keeps every request it gets.

    ``answers`` are the statuses of the next requests (then 200); ``hold`` makes the next request
    wait, once it has been recorded, until ``release()`` (to kill the sender while it waits).
    """

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.answers: deque[int] = deque()
        self.held = threading.Event()
        self._hold_next = False
        self._release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    status = receiver.answers.popleft() if receiver.answers else 200
                    hold, receiver._hold_next = receiver._hold_next, False
                    receiver.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()},
                                                     body, status))  # fmt: skip
                if hold:
                    receiver.held.set()
                    receiver._release.wait(60)
                answer = b'{"ok": true}' if status < 300 else b"nope " * 2000
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    if 300 <= status < 400:  # somewhere a sender must never be led
                        self.send_header("location", receiver.url("/elsewhere"))
                    self.send_header("content-length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hold_next(self) -> None:
        self._hold_next = True

    def release(self) -> None:
        self._release.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        self.server.shutdown()
        self.server.server_close()

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def accepted(self, path: str = "/hook") -> list[Request]:
        return [r for r in self.to(path) if 200 <= r.status < 300]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


def fast_options(**overrides: Any) -> Options:
    """Fast delays: tests poll, they never sleep a fixed time."""
    defaults: dict[str, Any] = dict(allow_private=True, timeout_seconds=5.0, retry_base_seconds=0.05,
                                    retry_cap_seconds=0.4, rate_per_second=1000.0, poll_seconds=0.1)  # fmt: skip
    return Options(**(defaults | overrides))


@dataclass
class Webhooks:
    app: Litestar
    client: httpx.AsyncClient
    settings: Settings
    admin: dict[str, str] = field(default_factory=dict)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    async def publish(self, data: EventData, *, aggregate_id: uuid.UUID | None = None, seq: int = 1,
                      partner_id: uuid.UUID | None = None) -> EventEnvelope:  # fmt: skip
        envelope = make_envelope(
            data, actor=LEAD, aggregate_id=aggregate_id or uuid.uuid4(), aggregate_seq=seq, partner_id=partner_id
        )
        await self.runtime.js.publish(self.settings.subject_for(envelope.type), encode(envelope),
                                      headers={"Nats-Msg-Id": str(envelope.id)})  # fmt: skip
        return envelope

    async def register(self, url: str, event_types: list[str] | None = None, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/api/v1/webhooks", json={"url": url, "event_types": event_types or ["*"], **body}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        registered: dict[str, Any] = response.json()
        return registered

    async def applied(self) -> None:
        """Wait until the consumer has applied everything in the stream so far."""
        last = (await self.runtime.js.stream_info(self.settings.stream_name)).state.last_seq

        async def caught_up() -> bool:
            position = await self.pool.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = 'webhooks'")
            return position is not None and position >= last

        await eventually(caught_up, timeout=20)

    async def settled(self) -> None:
        """Wait until no delivery waits (each delivered or given up on)."""

        async def nothing_pending() -> bool:
            pending: int = await self.pool.fetchval(
                "SELECT count(*) FROM deliveries d JOIN endpoints e ON e.id = d.endpoint_id "
                "WHERE d.status = 'pending' AND e.enabled"
            )
            return pending == 0

        await eventually(nothing_pending, timeout=20)

    async def deliveries(self, endpoint_id: str) -> list[dict[str, Any]]:
        rows = await self.pool.fetch("SELECT * FROM deliveries WHERE endpoint_id = $1 ORDER BY stream_seq, position",
                                     uuid.UUID(endpoint_id))  # fmt: skip
        return [dict(r) for r in rows]


@contextlib.asynccontextmanager
async def running(settings: Settings, **options: Any) -> AsyncIterator[Webhooks]:
    app = create_app(settings, fast_options(**options))
    async with (
        LifespanManager(asgi(app), startup_timeout=30, shutdown_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://webhooks") as client,
    ):
        yield Webhooks(app=app, client=client, settings=app.state.runtime.settings,
                       admin=auth(settings, "admin", email="admin@cdps.example"))  # fmt: skip


@pytest.fixture
async def webhooks(settings: Settings) -> AsyncIterator[Webhooks]:
    async with running(settings) as started:
        yield started


ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Served:
    """`cdps serve webhooks` as a real process: started again after a kill, on the same port."""

    env: dict[str, str]
    port: int
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    async def start(self) -> str:
        with (self.logs / f"webhooks-{len(self.processes)}.log").open("wb") as log:
            self.processes.append(subprocess.Popen([sys.executable, "-m", "cdps", "serve", "webhooks"], env=self.env,
                                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))  # fmt: skip
        url = f"http://127.0.0.1:{self.port}"

        async def ready() -> bool:
            try:
                async with httpx.AsyncClient(timeout=2) as client:
                    return (await client.get(f"{url}/readyz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(ready, timeout=90)
        return url


@pytest.fixture
def served(settings: Settings, tmp_path: Path) -> Iterator[Served]:
    port = free_port()
    env = dict(
        os.environ, DATABASE_URL=settings.database_url or "", NATS_URL=settings.nats_url or "",
        CDPS_NAMESPACE=settings.namespace, CDPS_SECRET_KEY=settings.secret_key, CDPS_DATA_DIR=str(tmp_path),
        CDPS_LOG_FORMAT="json", CDPS_WEBHOOKS_PORT=str(port), CDPS_WEBHOOKS_ALLOW_PRIVATE="true",
        CDPS_WEBHOOK_TIMEOUT_SECONDS="2", CDPS_WEBHOOK_RETRY_SECONDS="0.2", CDPS_ACK_WAIT_SECONDS="5",
    )  # fmt: skip
    server = Served(env, port, tmp_path)
    yield server
    for process in server.processes:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
