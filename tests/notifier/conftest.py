"""The notifier in-process (in the test's own event loop), a real SMTP server we can make misbehave,
and helpers to publish events and wait for their emails."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import re
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from asgi_lifespan import LifespanManager
from litestar import Litestar

from cdps.embedded import free_port
from services.notifier.app import create_app
from services.notifier.config import ALL_JOBS, Options
from shared.events import Actor, EventData, encode, make_envelope
from shared.events import Envelope as EventEnvelope
from shared.service import Runtime
from shared.settings import Settings
from tests.helpers import asgi, auth, eventually

LEAD = Actor(id="lead-1", role="lead")
LINK_BASE = "http://notifier"


@dataclass
class Received:
    message: EmailMessage
    at: float
    """time.monotonic() when the server accepted it."""
    raw: bytes = b""
    """The message as it came over SMTP, headers as written."""

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        assert body is not None
        content: str = body.get_content()
        return content

    def html(self) -> str:
        body = self.message.get_body(preferencelist=("html",))
        assert body is not None
        content: str = body.get_content()
        return content


class Smtp:
    """A real SMTP server (aiosmtpd, in its own thread) that can be told to refuse, or be stopped.

    ``data_replies`` answers the next DATA commands (e.g. "451 ..."), then it accepts again;
    ``rcpt_replies`` answers RCPT for an address (e.g. "550 ..."); ``stop()``/``start()`` take it
    off the network and bring it back on the same port.
    """

    def __init__(self, credentials: tuple[str, str] | None = None):
        self.port = free_port()
        self.credentials = credentials
        self.received: list[Received] = []
        self.data_replies: deque[str] = deque()
        self.rcpt_replies: dict[str, str] = {}
        self.logins: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        user = f"{quote(self.credentials[0])}:{quote(self.credentials[1], safe='')}@" if self.credentials else ""
        return f"smtp://{user}127.0.0.1:{self.port}"

    def start(self) -> None:
        kwargs: dict[str, Any] = {}
        if self.credentials:
            kwargs = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == self.credentials
        if ok:
            self.logins.append(data.login.decode())
        return AuthResult(success=ok)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_replies:
            return self.data_replies.popleft()
        message: Any = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        self.received.append(Received(message, time.monotonic(), envelope.original_content or b""))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.message["To"] == address]


@pytest.fixture
def smtp() -> Any:
    server = Smtp()
    server.start()
    yield server
    server.stop()


def fast_options(**overrides: Any) -> Options:
    """Fast delays: tests poll, they never sleep a fixed time."""
    defaults: dict[str, Any] = dict(
        link_base=LINK_BASE, web_base="http://web.test", rate_per_second=500.0, retry_base_seconds=0.05,
        retry_cap_seconds=0.4, max_attempts=8, smtp_timeout_seconds=5.0, poll_seconds=0.05,
        housekeeping_seconds=3600.0,
    )  # fmt: skip
    return Options(**(defaults | overrides))


@dataclass
class Notifier:
    app: Litestar
    client: httpx.AsyncClient
    settings: Settings
    smtp: Smtp
    published: list[EventEnvelope] = field(default_factory=list)

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    @property
    def pool(self) -> asyncpg.Pool:
        return self.runtime.pool

    def as_(self, role: Any = "lead", **kwargs: Any) -> dict[str, str]:
        return auth(self.settings, role, **kwargs)

    async def publish(
        self, data: EventData, *, aggregate_id: uuid.UUID | None = None, seq: int = 1,
        partner_id: uuid.UUID | None = None, msg_id: str | None = None, envelope: EventEnvelope | None = None,
    ) -> EventEnvelope:  # fmt: skip
        envelope = envelope or make_envelope(
            data, actor=LEAD, aggregate_id=aggregate_id or uuid.uuid4(), aggregate_seq=seq, partner_id=partner_id
        )
        await self.runtime.js.publish(
            self.settings.subject_for(envelope.type), encode(envelope),
            headers={"Nats-Msg-Id": msg_id or str(envelope.id)},
        )  # fmt: skip
        self.published.append(envelope)
        return envelope

    async def applied(self) -> None:
        """Wait until the consumer has applied everything in the stream so far."""
        last = (await self.runtime.js.stream_info(self.settings.stream_name)).state.last_seq

        async def caught_up() -> bool:
            position = await self.pool.fetchval("SELECT stream_seq FROM consumer_state WHERE consumer = 'notifier'")
            return position is not None and position >= last

        await eventually(caught_up)

    async def settled(self) -> None:
        """Wait until nothing is left to send (every delivery sent, failed or cancelled)."""

        async def nothing_pending() -> bool:
            pending: int = await self.pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'")
            return pending == 0

        await eventually(nothing_pending)

    async def deliveries(self, **where: Any) -> list[dict[str, Any]]:
        clauses = " AND ".join(f"{column} = ${i}" for i, column in enumerate(where, 1)) or "true"
        rows = await self.pool.fetch(f"SELECT * FROM deliveries WHERE {clauses} ORDER BY created_at", *where.values())
        return [dict(r) for r in rows]

    async def follow(self, email_address: str, role: Any = "lead", partner_id: uuid.UUID | None = None,
                     **body: Any) -> dict[str, Any]:  # fmt: skip
        """A confirmed subscription made from a signed-in account, to the account's own address."""
        response = await self.client.post(
            "/api/v1/me/subscriptions", json={"email": email_address, **body},
            headers=self.as_(role, partner_id=partner_id, email=email_address),
        )  # fmt: skip
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def subscribe_and_confirm(self, email_address: str, **body: Any) -> None:
        """The public double opt-in, start to finish."""
        response = await self.client.post("/api/v1/subscriptions", json={"email": email_address, **body})
        assert response.status_code == 202, response.text
        confirmation = await eventually(lambda: first(self.smtp.to(email_address)))
        page = await self.client.get(confirm_link(confirmation))
        assert page.status_code == 200, page.text


async def first(items: list[Received]) -> Received | None:
    return items[0] if items else None


def confirm_link(received: Received) -> str:
    match = re.search(r"http://notifier/subscriptions/confirm\?token=\S+", received.text())
    assert match, received.text()
    return match[0]


@contextlib.asynccontextmanager
async def running(settings: Settings, smtp: Smtp, **options: Any) -> AsyncIterator[Notifier]:
    app = create_app(msgspec.structs.replace(settings, smtp_url=smtp.url), fast_options(**options))
    async with (
        LifespanManager(asgi(app), startup_timeout=30, shutdown_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url=LINK_BASE) as client,
    ):
        yield Notifier(app=app, client=client, settings=app.state.runtime.settings, smtp=smtp)


@pytest.fixture
async def notifier(settings: Settings, smtp: Smtp) -> AsyncIterator[Notifier]:
    """Every job running: consumer, sender, sign-in responder, weeknotes, relay, housekeeping."""
    async with running(settings, smtp, jobs=ALL_JOBS) as started:
        yield started


@pytest.fixture
async def sending(settings: Settings, smtp: Smtp) -> AsyncIterator[Notifier]:
    """No event consumer: for what the API and the sender do alone (and it stops at once, where a
    consumer finishes its pending fetch first)."""
    async with running(settings, smtp, jobs=("sender", "signin")) as started:
        yield started


@pytest.fixture
def start(settings: Settings, smtp: Smtp) -> Callable[..., contextlib.AbstractAsyncContextManager[Notifier]]:
    """Start notifier processes by hand (several replicas, or a restart), each with chosen options."""

    def starter(**options: Any) -> contextlib.AbstractAsyncContextManager[Notifier]:
        return running(settings, smtp, **options)

    return starter


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
