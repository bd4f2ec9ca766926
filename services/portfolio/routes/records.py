"""Engagements, support requests (the public form and staff triage), people, and CSV import."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from litestar import Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from services.portfolio import commands, importer, records
from services.portfolio.domain import (
    EngagementChanges,
    EngagementEnding,
    NewEngagement,
    NewPerson,
    NewSupportRequest,
    Triage,
)
from services.portfolio.routes.common import recorded, written
from shared.events import Actor
from shared.http import ApiError, FieldError, Invalid, Unauthorised
from shared.idempotency import idempotent
from shared.replies.portfolio import Engagement, ImportResult, LeadName, Person, SupportReceipt, SupportRequest
from shared.requests import OPTIONAL_VERSION, Caller, Connection, ExpectedVersion, OptionalVersion, staff_only


@idempotent
@post("/api/v1/engagements", tags=["engagements"], guards=[staff_only])
async def record_engagement(data: JSONBody[NewEngagement], identity: Caller, conn: Connection) -> Response[Engagement]:
    engagement, position = await commands.record_engagement(conn, identity.actor, data)
    return written(engagement, version=1, position=position, status=201,
                   location=f"/api/v1/engagements/{engagement.id}")  # fmt: skip


@get("/api/v1/engagements/{engagement_id:uuid}", tags=["engagements"])
async def get_engagement(
    engagement_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
) -> Response[Engagement]:
    """Staff read any engagement, a partner its own organisation's (404 for anyone else)."""
    engagement = await records.get_engagement(conn, engagement_id, identity)
    return written(engagement, version=engagement.version, position=None)


@patch("/api/v1/engagements/{engagement_id:uuid}", tags=["engagements"], guards=[staff_only])
async def edit_engagement(
    engagement_id: FromPath[uuid.UUID], data: JSONBody[EngagementChanges], identity: Caller, conn: Connection,
    expected_version: ExpectedVersion,
) -> Response[Engagement]:  # fmt: skip
    """Change its kind, summary, start, project or contacts, under If-Match."""
    engagement, position = await commands.edit_engagement(conn, identity.actor, engagement_id, data, expected_version)
    return written(engagement, version=engagement.version, position=position)


@idempotent
@post("/api/v1/engagements/{engagement_id:uuid}/end", tags=["engagements"], status_code=200, guards=[staff_only])
async def end_engagement(
    engagement_id: FromPath[uuid.UUID], data: JSONBody[EngagementEnding], identity: Caller, conn: Connection,
    expected_version: ExpectedVersion,
) -> Response[Engagement]:  # fmt: skip
    """End it on a day, once, under If-Match."""
    engagement, position = await commands.end_engagement(conn, identity.actor, engagement_id, data, expected_version)
    return written(engagement, version=engagement.version, position=position)


@get("/api/v1/engagements", tags=["engagements"])
async def list_engagements(
    identity: Caller, conn: Connection, partner: FromQuery[uuid.UUID | None] = None
) -> list[Engagement]:
    return await records.list_engagements(conn, identity, partner)


@idempotent
@post("/api/v1/support-requests", tags=["support"])
async def request_support(
    data: JSONBody[NewSupportRequest], identity: Caller, conn: Connection
) -> Response[SupportReceipt]:
    """The public form: anyone may ask for help. The answer reveals nothing but a reference."""
    actor = identity.actor if identity.role != "public" else Actor(id="public", role="public")
    support, position = await commands.request_support(conn, actor, data)
    return recorded(SupportReceipt(id=support.id), position=position, status=201)


@get("/api/v1/support-requests", tags=["support"], guards=[staff_only])
async def list_support_requests(
    conn: Connection, status: FromQuery[Literal["new", "accepted", "declined"] | None] = None
) -> list[SupportRequest]:
    return await records.list_support_requests(conn, status)


@get("/api/v1/support-requests/mine", tags=["support"])
async def my_support_requests(identity: Caller, conn: Connection) -> list[SupportRequest]:
    """The caller's own requests, with their status and the reason given at triage: those sent from
    their account, and those sent signed out from the address their account was verified with."""
    if identity.role == "public":
        raise Unauthorised()
    return await records.support_requests_of(conn, identity.sub, identity.email or "")


@idempotent
@post(
    "/api/v1/support-requests/{request_id:uuid}/triage", tags=["support"], status_code=200, guards=[staff_only],
    dependencies={"expected_version": OPTIONAL_VERSION},
)  # fmt: skip
async def triage(
    request_id: FromPath[uuid.UUID], data: JSONBody[Triage], identity: Caller, conn: Connection,
    expected_version: OptionalVersion,
) -> Response[SupportRequest]:  # fmt: skip
    support, position = await commands.triage(conn, identity.actor, request_id, data, expected_version)
    return written(support, version=support.version, position=position)


class NeedLanguage(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    need_language: Literal["cy", "en"]


@idempotent
@post("/api/v1/support-requests/{request_id:uuid}/need-language", tags=["support"], guards=[staff_only])
async def correct_need_language(
    request_id: FromPath[uuid.UUID], data: JSONBody[NeedLanguage], identity: Caller, conn: Connection
) -> Response[SupportRequest]:
    """Staff say which language the need is written in, where it was told wrong from its text."""
    support, position = await commands.correct_need_language(conn, identity.actor, request_id, data.need_language)
    return written(support, version=support.version, position=position)


@idempotent
@post("/api/v1/people", tags=["people"], guards=[staff_only])
async def add_person(data: JSONBody[NewPerson], identity: Caller, conn: Connection) -> Response[Person]:
    person, position = await commands.add_person(conn, identity.actor, data)
    return written(person, version=1, position=position, status=201)


@get("/api/v1/people", tags=["people"], guards=[staff_only])
async def list_people(conn: Connection) -> list[Person]:
    return await records.list_people(conn)


@get("/api/v1/people/leads", tags=["people"])
async def lead_names(identity: Caller, conn: Connection) -> list[LeadName]:
    """Who each delivery lead is, by the id projects name in ``lead_id`` (and events in ``actor_id``):
    their names only, for anyone signed in, partners included, so pages never show a bare id."""
    if identity.role == "public":
        raise Unauthorised()
    return await records.lead_names(conn)


class ImportRejected(ApiError):
    status = 422


@idempotent
@post("/api/v1/import/{kind:str}", tags=["import"], status_code=200, guards=[staff_only])
async def import_csv(
    kind: FromPath[Literal["partners", "projects"]],
    request: Request[Any, Any, Any],
    identity: Caller,
    conn: Connection,
) -> ImportResult:
    """Create partners or projects from a CSV body (UTF-8). All or nothing: any bad row and nothing is written."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid([FieldError("body", "The file is not UTF-8 text", "Nid yw'r ffeil yn destun UTF-8")]) from None
    try:
        count = await importer.import_rows(conn, kind, text, identity.actor)
    except importer.Rejected as rejected:
        raise ImportRejected(
            rejected.message_en,
            rejected.message_cy,
            [FieldError(f"line {e.line}: {e.field}", e.message_en, e.message_cy) for e in rejected.errors],
        ) from None
    return ImportResult(created=count)
