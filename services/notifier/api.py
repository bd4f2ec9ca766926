"""Notifier API: subscriptions and the delivery log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from shared.http import caller, require_staff
from shared.service import Runtime

Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class NewSubscription(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    language: Literal["cy", "en", "both"] = "both"


class Subscription(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    language: str
    scope: str
    confirmed: bool


class Delivery(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    recipient: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


@post("/api/v1/subscriptions", tags=["subscriptions"])
async def add_subscriber(
    data: JSONBody[NewSubscription], request: Request[Any, Any, Any], state: State
) -> Response[Subscription]:
    """Staff add a confirmed follower of the whole portfolio."""
    require_staff(caller(request))
    runtime: Runtime = state.runtime
    row = await runtime.pool.fetchrow(
        """INSERT INTO subscriptions (id, email, language, confirmed) VALUES ($1, $2, $3, true)
           ON CONFLICT (email, scope) DO UPDATE SET language = EXCLUDED.language, confirmed = true
           RETURNING id, email, language, scope, confirmed""",
        uuid.uuid4(), data.email.lower(), data.language,
    )  # fmt: skip
    return Response(msgspec.convert(dict(row or {}), Subscription), status_code=201)


@get("/api/v1/deliveries", tags=["deliveries"])
async def delivery_log(request: Request[Any, Any, Any], state: State) -> list[Delivery]:
    require_staff(caller(request))
    runtime: Runtime = state.runtime
    rows = await runtime.pool.fetch(
        "SELECT id, event_id, event_type, recipient, subject, status, attempts, last_error, created_at,"
        " sent_at FROM deliveries ORDER BY created_at DESC LIMIT 200"
    )
    return [msgspec.convert(dict(r), Delivery) for r in rows]
