"""Engagements, support requests (the public form and staff triage), people, and CSV import."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from services.portfolio import importer, records
from services.portfolio.domain import (
    Engagement,
    NewEngagement,
    NewPerson,
    NewSupportRequest,
    Person,
    SupportRequest,
    Triage,
    engagement_errors,
)
from services.portfolio.routes.common import if_match, runtime, written
from shared.events import Actor
from shared.http import ApiError, FieldError, Invalid, caller, require_staff


@post("/api/v1/engagements", tags=["engagements"])
async def record_engagement(
    data: JSONBody[NewEngagement], request: Request[Any, Any, Any], state: State
) -> Response[Engagement]:
    identity = caller(request)
    require_staff(identity)
    if errors := engagement_errors(data):
        raise Invalid(errors)
    async with runtime(state).pool.acquire() as conn:
        engagement, position = await records.record_engagement(conn, data, identity.actor)
    return written(engagement, version=1, position=position, status=201)


@get("/api/v1/engagements", tags=["engagements"])
async def list_engagements(
    request: Request[Any, Any, Any], state: State, partner: FromQuery[uuid.UUID | None] = None
) -> list[Engagement]:
    async with runtime(state).pool.acquire() as conn:
        return await records.list_engagements(conn, caller(request), partner)


@post("/api/v1/support-requests", tags=["support"])
async def request_support(
    data: JSONBody[NewSupportRequest], request: Request[Any, Any, Any], state: State
) -> Response[dict[str, str]]:
    """The public form: anyone may ask for help. The answer reveals nothing but a reference."""
    identity = caller(request)
    actor = identity.actor if identity.role != "public" else Actor(id="public", role="public")
    async with runtime(state).pool.acquire() as conn:
        support, position = await records.request_support(conn, data, actor)
    return Response({"id": str(support.id)}, status_code=201, headers={"X-Event-Position": str(position)})


@get("/api/v1/support-requests", tags=["support"])
async def list_support_requests(
    request: Request[Any, Any, Any],
    state: State,
    status: FromQuery[Literal["new", "accepted", "declined"] | None] = None,
) -> list[SupportRequest]:
    require_staff(caller(request))
    async with runtime(state).pool.acquire() as conn:
        return await records.list_support_requests(conn, status)


@post("/api/v1/support-requests/{request_id:uuid}/triage", tags=["support"], status_code=200)
async def triage(
    request_id: FromPath[uuid.UUID], data: JSONBody[Triage], request: Request[Any, Any, Any], state: State
) -> Response[SupportRequest]:
    identity = caller(request)
    require_staff(identity)
    if data.outcome == "accepted" and data.engagement is None:
        raise Invalid([FieldError("engagement", "Describe the engagement this request becomes",
                                  "Disgrifiwch yr ymgysylltiad y mae'r cais hwn yn ei droi'n")])  # fmt: skip
    if data.engagement is not None and (errors := engagement_errors(data.engagement, "engagement.")):
        raise Invalid(errors)
    if data.outcome == "declined" and not data.reason.strip():
        raise Invalid([FieldError("reason", "Say why the request is declined",
                                  "Dywedwch pam mae'r cais yn cael ei wrthod")])  # fmt: skip
    async with runtime(state).pool.acquire() as conn:
        support, position = await records.triage(
            conn, request_id, data, if_match(request, required=False), identity.actor
        )
    return written(support, version=2, position=position)


@post("/api/v1/people", tags=["people"])
async def add_person(data: JSONBody[NewPerson], request: Request[Any, Any, Any], state: State) -> Response[Person]:
    identity = caller(request)
    require_staff(identity)
    if data.kind == "partner_contact" and data.partner_id is None:
        raise Invalid([FieldError("partner_id", "A partner contact belongs to a partner",
                                  "Mae cyswllt partner yn perthyn i bartner")])  # fmt: skip
    async with runtime(state).pool.acquire() as conn:
        person, position = await records.add_person(conn, data, identity.actor)
    return written(person, version=1, position=position, status=201)


@get("/api/v1/people", tags=["people"])
async def list_people(request: Request[Any, Any, Any], state: State) -> list[Person]:
    require_staff(caller(request))
    async with runtime(state).pool.acquire() as conn:
        return await records.list_people(conn)


class ImportResult(msgspec.Struct):
    created: int


class ImportRejected(ApiError):
    status = 422


@post("/api/v1/import/{kind:str}", tags=["import"], status_code=200)
async def import_csv(
    kind: FromPath[Literal["partners", "projects"]],
    request: Request[Any, Any, Any],
    state: State,
) -> ImportResult:
    """Create partners or projects from a CSV body (UTF-8). All or nothing: any bad row and nothing is written."""
    identity = caller(request)
    require_staff(identity)
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid([FieldError("body", "The file is not UTF-8 text", "Nid yw'r ffeil yn destun UTF-8")]) from None
    try:
        count = await importer.import_rows(runtime(state).pool, kind, text, identity.actor)
    except importer.Rejected as rejected:
        raise ImportRejected(
            rejected.message_en,
            rejected.message_cy,
            [FieldError(f"line {e.line}: {e.field}", e.message_en, e.message_cy) for e in rejected.errors],
        ) from None
    return ImportResult(created=count)
