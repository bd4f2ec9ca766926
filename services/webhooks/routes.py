"""The webhooks API, for admins: register, edit, rotate and remove endpoints; read each one's
delivery log and send a delivery again. Every refused body is one 422 naming each bad field."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET, Meta, UnsetType

from services.webhooks import store
from services.webhooks.config import Options
from services.webhooks.domain import PATTERN, known_pattern, new_secret, url_problems
from services.webhooks.sender import Refused, checked_address
from services.webhooks.store import Delivery, DeliveryDetail, Endpoint, EndpointWithSecret, Status
from shared.http import FieldError, Forbidden, NotFound, Stale, Unauthorised
from shared.idempotency import idempotent
from shared.inputs import FIELD_CHECKS
from shared.requests import Caller, Connection, ExpectedVersion, etag, identity_of

Url = Annotated[str, Meta(max_length=2000, pattern=r"^https?://[^\s\x00/$.?#][^\s\x00]*$")]
EventPattern = Annotated[str, Meta(min_length=1, max_length=100, pattern=PATTERN)]
EventPatterns = Annotated[list[EventPattern], Meta(min_length=1, max_length=50)]
Description = Annotated[str, Meta(max_length=500)]


class NewEndpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    url: Url
    """https://…; http:// only on this machine, where the installation allows private addresses."""
    event_types: EventPatterns
    """Event types, or prefixes with a wildcard: ``portfolio.project.*``; ``*`` for every event."""
    partner_id: uuid.UUID | None = None
    """Only this partner's events."""
    description: Description = ""
    enabled: bool = True
    internal: bool = False
    """May receive staff-only events (engagements, support requests, internal projects)."""


class EndpointChanges(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    url: Url | UnsetType = UNSET
    event_types: EventPatterns | UnsetType = UNSET
    partner_id: uuid.UUID | UnsetType | None = UNSET
    description: Description | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    internal: bool | UnsetType = UNSET


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: admins only (an endpoint can be told of every change, staff-only ones included)."""
    identity = identity_of(connection)
    if identity.role == "public":
        raise Unauthorised()
    if identity.role != "admin":
        raise Forbidden()


def options_of(state: State) -> Options:
    options: Options = state.webhooks
    return options


# Who registers an endpoint on this machine in development needs to know what allows it.
PRIVATE_HINT = (
    " (CDPS_WEBHOOKS_ALLOW_PRIVATE=true allows it, for development only)",
    " (mae CDPS_WEBHOOKS_ALLOW_PRIVATE=true yn ei ganiatáu, wrth ddatblygu yn unig)",
)


async def field_checks(request: Request[Any, Any, Any], raw: Mapping[str, Any]) -> list[FieldError]:
    """What the body's types cannot say, checked with them (``shared/inputs.py``) so one 422 names
    every bad field: a URL that may not be called (its addresses are looked up now, and again at
    every send), an event type that matches nothing in the catalogue."""
    options = options_of(request.app.state)
    errors: list[FieldError] = []
    url = raw.get("url")
    if isinstance(url, str):
        errors += [FieldError("url", en, cy) for en, cy in url_problems(url, allow_private=options.allow_private)]
        if not errors:
            try:
                await checked_address(url, allow_private=options.allow_private, within=3.0)
            except Refused as exc:
                en, cy = PRIVATE_HINT if exc.private else ("", "")
                errors.append(FieldError(
                    "url", f"The URL cannot be used: {exc}{en}",
                    f"Ni ellir defnyddio'r URL: {exc.cy}{cy}",
                ))  # fmt: skip
    patterns = raw.get("event_types")
    for i, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if isinstance(pattern, str) and not known_pattern(pattern):
            errors.append(FieldError(
                f"event_types[{i}]", f"“{pattern}” matches no event type in the event catalogue",
                f"Nid yw “{pattern}” yn cyfateb i unrhyw fath o ddigwyddiad yn y catalog digwyddiadau",
            ))  # fmt: skip
    return errors


CHECKED = {FIELD_CHECKS: field_checks}


def _with_etag(endpoint: Endpoint, status: int = 200) -> Response[Endpoint]:
    return Response(endpoint, status_code=status, headers={"ETag": etag(endpoint.version)})


@get("/api/v1/webhooks", tags=["webhooks"], guards=[admin_only])
async def list_endpoints(conn: Connection) -> list[Endpoint]:
    """Every endpoint, newest first (never its secret)."""
    return await store.list_endpoints(conn)


@idempotent
@post("/api/v1/webhooks", status_code=201, tags=["webhooks"], guards=[admin_only], opt=CHECKED)
async def register(data: JSONBody[NewEndpoint], conn: Connection, identity: Caller) -> EndpointWithSecret:
    """Register an endpoint (its fields checked first: :func:`field_checks`). The answer holds its
    signing secret: the only time it is shown."""
    return await store.add_endpoint(
        conn, url=data.url, description=data.description, event_types=list(data.event_types),
        partner_id=data.partner_id, internal=data.internal, enabled=data.enabled, secret=new_secret(),
        created_by=identity.sub,
    )  # fmt: skip


@get("/api/v1/webhooks/{endpoint_id:uuid}", tags=["webhooks"], guards=[admin_only])
async def endpoint(endpoint_id: FromPath[uuid.UUID], conn: Connection) -> Response[Endpoint]:
    found = await store.get_endpoint(conn, endpoint_id)
    if found is None:
        raise NotFound("webhook endpoint", "pwynt terfyn gwe-fachyn")
    return _with_etag(found)


@patch("/api/v1/webhooks/{endpoint_id:uuid}", tags=["webhooks"], guards=[admin_only], opt=CHECKED)
async def change(
    endpoint_id: FromPath[uuid.UUID], data: JSONBody[EndpointChanges], conn: Connection,
    expected_version: ExpectedVersion,
) -> Response[Endpoint]:  # fmt: skip
    """Change what an endpoint gets, or enable or disable it (If-Match: its ETag). Enabling it again
    clears why it was disabled and sends what waited for it."""
    changes: dict[str, Any] = {
        name: list(value) if isinstance(value, list) else value
        for name in EndpointChanges.__struct_fields__
        if (value := getattr(data, name)) is not UNSET
    }
    if changes.get("enabled") is True:
        changes |= {"disabled_reason_en": "", "disabled_reason_cy": "", "failing_since": None}
    async with conn.transaction():
        found = await store.get_endpoint(conn, endpoint_id, lock=True)
        if found is None:
            raise NotFound("webhook endpoint", "pwynt terfyn gwe-fachyn")
        if found.version != expected_version:
            raise Stale()
        changed = await store.update_endpoint(conn, endpoint_id, changes)
        if changes.get("enabled") is True:
            await conn.execute("SELECT pg_notify($1, '')", store.CHANNEL)
    return _with_etag(changed)


@idempotent
@post("/api/v1/webhooks/{endpoint_id:uuid}/rotate", status_code=200, tags=["webhooks"], guards=[admin_only])
async def rotate(endpoint_id: FromPath[uuid.UUID], conn: Connection, state: State) -> EndpointWithSecret:
    """A new signing secret, shown this once. The old one keeps signing too for 24 hours (each
    delivery then carries both signatures), so the receiver can change over without losing any."""
    secret = new_secret()
    async with conn.transaction():
        if await store.get_endpoint(conn, endpoint_id, lock=True) is None:
            raise NotFound("webhook endpoint", "pwynt terfyn gwe-fachyn")
        await store.rotate_secret(conn, endpoint_id, secret, options_of(state).keep_previous_secret)
        found = await store.get_endpoint(conn, endpoint_id)
    assert found is not None
    return msgspec.convert(msgspec.to_builtins(found) | {"secret": secret}, EndpointWithSecret)


@delete("/api/v1/webhooks/{endpoint_id:uuid}", tags=["webhooks"], guards=[admin_only])
async def remove(endpoint_id: FromPath[uuid.UUID], conn: Connection) -> None:
    """Remove an endpoint and its delivery log."""
    if not await store.delete_endpoint(conn, endpoint_id):
        raise NotFound("webhook endpoint", "pwynt terfyn gwe-fachyn")


@get("/api/v1/webhooks/{endpoint_id:uuid}/deliveries", tags=["webhooks"], guards=[admin_only])
async def deliveries(
    endpoint_id: FromPath[uuid.UUID], conn: Connection,
    status: Annotated[Status | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> list[Delivery]:  # fmt: skip
    """The endpoint's delivery log, newest first."""
    if await store.get_endpoint(conn, endpoint_id) is None:
        raise NotFound("webhook endpoint", "pwynt terfyn gwe-fachyn")
    return await store.list_deliveries(conn, endpoint_id, status=status, limit=limit)


@get("/api/v1/webhooks/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}", tags=["webhooks"], guards=[admin_only])
async def delivery(
    endpoint_id: FromPath[uuid.UUID], delivery_id: FromPath[uuid.UUID], conn: Connection
) -> DeliveryDetail:
    found = await store.get_delivery(conn, endpoint_id, delivery_id)
    if found is None:
        raise NotFound("delivery", "danfoniad")
    return found


@idempotent
@post("/api/v1/webhooks/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/send-again", status_code=200,
      tags=["webhooks"], guards=[admin_only])  # fmt: skip
async def send_again(
    endpoint_id: FromPath[uuid.UUID], delivery_id: FromPath[uuid.UUID], conn: Connection
) -> DeliveryDetail:
    """Send a delivery again (with the same webhook-id, so a receiver that has it already can tell),
    with a fresh day of retries."""
    async with conn.transaction():
        if not await store.send_again(conn, endpoint_id, delivery_id):
            raise NotFound("delivery", "danfoniad")
    found = await store.get_delivery(conn, endpoint_id, delivery_id)
    assert found is not None
    return found


ROUTES = [list_endpoints, register, endpoint, change, rotate, remove, deliveries, delivery, send_again]
