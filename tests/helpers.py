"""Small helpers the specifications share."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from email.message import EmailMessage
from typing import Any, TypeAlias, TypeVar, cast

from litestar import Litestar
from nats.js import JetStreamContext

from shared.bilingual import EMPTY
from shared.events import Actor, Envelope, ProjectCreated, ProjectSnapshot, Role, decode, make_envelope
from shared.identity import Identity, sign
from shared.settings import Settings

T = TypeVar("T")

# How long a service process started by a test may take to answer ready. Generous: on a machine
# loaded to 20 on two cores (CI beside other work) one takes a minute just to import and start.
SERVICE_START_SECONDS = 180.0

Scope: TypeAlias = MutableMapping[str, Any]
ASGIApp: TypeAlias = Callable[
    [Scope, Callable[[], Awaitable[Scope]], Callable[[Scope], Awaitable[None]]], Awaitable[None]
]


def asgi(app: Litestar) -> ASGIApp:
    """The app as httpx's ASGITransport and asgi-lifespan's LifespanManager type an ASGI app. It is
    one: Litestar only types its scope and messages as TypedDicts, which their plain mappings are not."""
    return cast(ASGIApp, app)


SITE = "https://portfolio.example.gov.wales"
"""The site's public address, for what links to it (weeknotes) when no web service runs."""


async def stream_events(js: JetStreamContext, settings: Settings) -> list[Envelope]:
    """Every event stored in this test's stream, in stream order."""
    info = await js.stream_info(settings.stream_name)
    events: list[Envelope] = []
    if info.state.messages == 0:
        return events
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await js.get_msg(settings.stream_name, seq)
        assert msg.data is not None
        events.append(decode(msg.data))
    return events


def token(
    settings: Settings,
    role: Role = "lead",
    partner_id: uuid.UUID | None = None,
    sub: str = "",
    email: str | None = None,
) -> str:
    identity = Identity(sub=sub or f"{role}-{uuid.uuid4().hex[:6]}", role=role, partner_id=partner_id, email=email)
    return sign(identity, settings.secret_key)


def auth(settings: Settings, role: Role = "lead", **kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(settings, role, **kwargs)}"}  # type: ignore[arg-type]


async def callbacks_run() -> None:
    """Once every callback already scheduled on the loop has run (asyncpg hands each logged query to
    its query loggers with ``call_soon``, in order): a future resolved by a callback scheduled after
    them, not a guessed number of yields."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 10.0) -> T:
    """Poll until `check` returns something truthy; fail with the last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value {value!r})")
        await asyncio.sleep(0.05)


def plain_text(message: EmailMessage) -> str:
    """The plain-text part of an email, as a reader's mail program shows it."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, message
    text: str = body.get_content()
    return text


def snapshot(**overrides: Any) -> ProjectSnapshot:
    """A project snapshot for events made by hand in tests."""
    fields: dict[str, Any] = {
        "slug": "tax-returns", "partner_id": None, "title_en": "Digital tax returns", "title_cy": "Ffurflenni treth",
        "summary_en": "", "summary_cy": "", "lead_id": "lead-1", "phase": "discovery", "state": "active",
        "health": "green", "health_reason": EMPTY, "tags": [], "visibility": "public", "start_date": None,
    }  # fmt: skip
    fields.update(overrides)
    return ProjectSnapshot(**fields)


def project_created(aggregate_id: uuid.UUID, seq: int = 1, **overrides: Any) -> Envelope:
    return make_envelope(
        ProjectCreated(project=snapshot(**overrides)), actor=Actor(id="lead-1", role="lead"),
        aggregate_id=aggregate_id, aggregate_seq=seq, partner_id=overrides.get("partner_id"),
    )  # fmt: skip
