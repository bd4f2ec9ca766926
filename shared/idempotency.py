"""``Idempotency-Key`` on the API's POSTs (and the PATCHes that opt in): a client that lost the
answer sends the request again and gets the first answer, with nothing written twice.

A handler opts in with :func:`idempotent` (above its ``@post`` or ``@patch``). A PATCH sent at a
version (``If-Match``) and sent again with its key gets the first answer, not a 412 for the version
the first one moved on (a correction form sent twice). A request that carries the header
is then run inside one transaction on one pooled connection, which the handler's ``conn`` (see
``shared/requests.py``) is: the key is claimed first (a row in the service's ``idempotency_keys``,
``shared/schema.sql`` part ``idempotency``), then the handler runs (a command's own transaction is
a savepoint inside this one), and a 2xx answer is stored with the key before the transaction
commits. So the write, its event and the stored answer commit together or not at all.

- The same key with the same request (method, path, query and body; a JSON body by its value) within
  :data:`KEEP_FOR`: the stored status, headers and body again, with ``Idempotent-Replayed: true``.
- The same key with another request: 422 naming the header, and nothing is done.
- A repeat that arrives while the first is still running waits on the key's row (the claim is a
  unique insert) and then answers from what the first stored: the two never both write.
- An answer that is not a 2xx is not kept: nothing was changed, so a retry is simply run again.

Keys belong to the caller (role and subject of the identity token), as Stripe's belong to an
account; the housekeeping jobs delete them once expired (:func:`forget_expired`). This follows the
IETF draft "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import OpenAPIType, Operation, Parameter, Schema
from litestar.types import ASGIApp, HTTPRequestEvent, HTTPScope, Message, Receive, ReceiveMessage, Scope, Send

from shared.http import FieldError, Invalid
from shared.logs import get_logger
from shared.requests import HELD_CONNECTION, identity_of
from shared.service import Job, Runtime
from shared.supervision import Health, repeat

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

HEADER = "Idempotency-Key"
KEEP_FOR = dt.timedelta(hours=24)
HOUSEKEEPING_SECONDS = 300.0
# Visible ASCII without the quote, optionally quoted (the draft's form is a structured-field string).
_KEY = re.compile(r'^"?([!#-~]{1,255})"?$')
_KEY_PATTERN = '^"?[!#-~]{1,255}"?$'
REPLAYED = (b"idempotent-replayed", b"true")
METHODS = frozenset({"POST", "PATCH"})
"""The methods whose handlers may opt in (GET, PUT and DELETE are idempotent already)."""

DESCRIPTION = (
    "Any text of up to 255 visible ASCII characters (a UUID, say) that names this request. Sent again "
    "with the same request within 24 hours, it gets the first answer (status, headers, body) and "
    "nothing is written twice; sent with a different request, it gets a 422. Only successful (2xx) "
    "answers are kept."
)


@dataclass
class IdempotentOperation(Operation):
    """An OpenAPI operation that documents the optional ``Idempotency-Key`` header."""

    def __post_init__(self) -> None:
        header = Parameter(
            name=HEADER, param_in="header", required=False, description=DESCRIPTION,
            schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=257, pattern=_KEY_PATTERN),
        )  # fmt: skip
        self.parameters = [*(self.parameters or []), header]


def idempotent(handler: HTTPRouteHandler) -> HTTPRouteHandler:
    """Make a POST or PATCH handler honour ``Idempotency-Key`` (and document it). Put it above
    ``@post`` or ``@patch``.

    The handler must write through its ``conn`` dependency only, so that its writes share the
    key's transaction.
    """
    handler.middleware = [*(handler.middleware or []), IdempotencyMiddleware]
    handler.operation_class = IdempotentOperation
    return handler


def key_in(raw: str) -> str:
    match = _KEY.match(raw.strip())
    if match is None:
        raise Invalid([FieldError(
            HEADER, "Send up to 255 visible ASCII characters (a UUID, say) as the Idempotency-Key header",
            "Anfonwch hyd at 255 o nodau ASCII gweladwy (UUID, er enghraifft) yn y pennawd Idempotency-Key",
        )])  # fmt: skip
    return match[1]


class KeyReused(Invalid):
    def __init__(self) -> None:
        super().__init__([FieldError(
            HEADER,
            "This Idempotency-Key was already used for a different request: use a new key for a new request",
            "Defnyddiwyd yr Idempotency-Key hwn eisoes ar gyfer cais gwahanol: defnyddiwch allwedd newydd "
            "ar gyfer cais newydd",
        )])  # fmt: skip


@dataclass
class Answer:
    """The ASGI messages of one response, held back until the transaction has committed."""

    messages: list[Message] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def status(self) -> int:
        for message in self.messages:
            if message["type"] == "http.response.start":
                return int(message["status"])
        return 500

    def stored(self) -> tuple[int, list[list[str]], bytes]:
        start = next(m for m in self.messages if m["type"] == "http.response.start")
        headers = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in start.get("headers", [])]
        body = b"".join(m.get("body", b"") for m in self.messages if m["type"] == "http.response.body")
        return self.status, headers, body


async def replay(send: Send, status: int, headers: list[list[str]], body: bytes) -> None:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers]
    await send({"type": "http.response.start", "status": status, "headers": [*raw, REPLAYED]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def read_body(receive: Receive, limit: int | None) -> tuple[bytes, bool]:
    """The request's body, and whether it was all read (False past ``limit``: left for Litestar's 413)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if limit is not None and size > limit:
            return b"".join(chunks), False


def replaying(body: bytes, receive: Receive, *, complete: bool) -> Receive:
    """A ``receive`` that hands the already-read body to the app, then whatever follows."""
    pending = [body]

    async def again() -> ReceiveMessage:
        if pending:
            message: HTTPRequestEvent = {"type": "http.request", "body": pending.pop(), "more_body": not complete}
            return message
        return await receive()

    return again


def fingerprint(scope: HTTPScope, body: bytes) -> bytes:
    """What makes two requests the same: method, path, query and body. A JSON body counts by its
    value, not its bytes, so a client that encodes it again (other spacing, keys in another
    order) is still sending the same request."""
    digest = hashlib.sha256()
    for part in (scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), canonical(body)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def canonical(body: bytes) -> bytes:
    try:
        return msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return body  # not JSON (a CSV import, say), or JSON the handler will refuse: its bytes


async def claim(conn: Conn, caller: str, key: str, print_: bytes) -> bool:
    """Take the key for this request (True), or find it taken (False). A key that has expired but
    is not yet deleted is taken afresh. Waits while another transaction holds the same key."""
    claimed: bool | None = await conn.fetchval(
        """INSERT INTO idempotency_keys (caller, key, fingerprint, expires_at) VALUES ($1, $2, $3, now() + $4)
           ON CONFLICT (caller, key) DO UPDATE
               SET fingerprint = EXCLUDED.fingerprint, expires_at = EXCLUDED.expires_at, created_at = now(),
                   status = NULL, headers = NULL, body = NULL
               WHERE idempotency_keys.expires_at <= now()
           RETURNING true""",
        caller, key, print_, KEEP_FOR,
    )  # fmt: skip
    return bool(claimed)


async def forget_expired(conn: Conn) -> int:
    result = await conn.execute("DELETE FROM idempotency_keys WHERE expires_at <= now()")
    return int(result.split()[-1])


class IdempotencyMiddleware:
    """Route middleware that :func:`idempotent` adds (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = _header(scope)
        if scope["type"] != ScopeType.HTTP or scope["method"] not in METHODS or raw is None:
            await self.app(scope, receive, send)
            return
        key = key_in(raw)
        handler: Any = scope["route_handler"]
        body, complete = await read_body(receive, handler.resolve_request_max_body_size())
        if not complete:  # too big (Litestar refuses it) or abandoned: nothing to keep
            await self.app(scope, replaying(body, receive, complete=False), send)
            return
        identity = identity_of(ASGIConnection(scope))
        caller = f"{identity.role}:{identity.sub}"
        print_ = fingerprint(scope, body)
        runtime: Runtime = scope["litestar_app"].state.runtime
        answer = Answer()
        async with runtime.pool.acquire() as conn, conn.transaction():
            if not await claim(conn, caller, key, print_):
                stored = await conn.fetchrow(
                    "SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE caller = $1 AND key = $2",
                    caller, key,
                )  # fmt: skip
                if stored is None or stored["fingerprint"] != print_:
                    raise KeyReused()
                await replay(send, stored["status"], stored["headers"], stored["body"])
                return
            scope["state"][HELD_CONNECTION] = conn
            try:
                await self.app(scope, replaying(body, receive, complete=True), answer.send)
            finally:
                del scope["state"][HELD_CONNECTION]
            await keep(conn, caller, key, answer)
        for message in answer.messages:  # committed: now the client may hear of it
            await send(message)


async def keep(conn: Conn, caller: str, key: str, answer: Answer) -> None:
    """Store a 2xx answer with its key; any other answer releases the key (nothing was changed)."""
    if not 200 <= answer.status < 300:
        await conn.execute("DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2", caller, key)
        return
    status, headers, body = answer.stored()
    await conn.execute(
        "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE caller = $1 AND key = $2",
        caller, key, status, headers, body,
    )  # fmt: skip


def _header(scope: Scope) -> str | None:
    wanted = HEADER.lower().encode()
    for name, value in scope.get("headers", []):
        if name.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


def housekeeping_job(every: float = HOUSEKEEPING_SECONDS) -> Job:
    """For a service with no housekeeping of its own: delete expired keys every ``every`` seconds."""

    async def run(runtime: Runtime, health: Health) -> None:
        async def sweep() -> None:
            async with runtime.pool.acquire() as conn:
                forgotten = await forget_expired(conn)
            if forgotten:
                log.info("expired idempotency keys deleted", count=forgotten)

        await repeat(sweep, health, runtime.stop, every)

    return Job("housekeeping", run)
