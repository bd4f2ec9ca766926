"""Portfolio SQL for engagements, support requests and people (each write with its event)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio.domain import NewEngagement, NewPerson, NewSupportRequest, Triage
from services.portfolio.store import Missing, StaleVersion, UnknownPartner, emit
from shared.events import Actor, EngagementRecorded, PersonAdded, SupportRequested, SupportTriaged
from shared.identity import Identity
from shared.replies.portfolio import Engagement, Person, SupportRequest

if TYPE_CHECKING:
    from shared.db import Conn


class EmailTaken(Exception):
    pass


class AlreadyTriaged(Exception):
    pass


class UnknownProject(Exception):
    pass


async def record_engagement(conn: Conn, new: NewEngagement, actor: Actor) -> tuple[Engagement, int]:
    engagement_id = uuid.uuid4()
    async with conn.transaction():
        try:
            row = await conn.fetchrow(
                """INSERT INTO engagements (id, partner_id, project_id, kind, summary_en, summary_cy,
                                            started_on, ended_on, contacts)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *""",
                engagement_id, new.partner_id, new.project_id, new.kind, new.summary_en, new.summary_cy,
                new.started_on, new.ended_on, list(new.contacts),
            )  # fmt: skip
        except asyncpg.ForeignKeyViolationError as exc:
            if exc.constraint_name == "engagements_project_id_fkey":
                raise UnknownProject from exc
            raise UnknownPartner from exc
        event = EngagementRecorded(
            partner_id=new.partner_id, project_id=new.project_id, kind=new.kind, summary_en=new.summary_en,
            summary_cy=new.summary_cy, started_on=new.started_on, ended_on=new.ended_on,
        )  # fmt: skip
        position = await emit(conn, event, actor=actor, aggregate_id=engagement_id, seq=1, partner_id=new.partner_id)
    return _engagement(row), position


async def list_engagements(conn: Conn, viewer: Identity, partner: uuid.UUID | None) -> list[Engagement]:
    """Staff see every engagement; a partner sees its own organisation's; the public none."""
    rows = await conn.fetch(
        """SELECT * FROM engagements
           WHERE ($1 IN ('admin', 'lead') OR ($1 = 'partner' AND partner_id = $2))
             AND ($3::uuid IS NULL OR partner_id = $3)
           ORDER BY started_on DESC, id""",
        viewer.role, viewer.partner_id, partner,
    )  # fmt: skip
    return [_engagement(r) for r in rows]


async def request_support(conn: Conn, new: NewSupportRequest, actor: Actor) -> tuple[SupportRequest, int]:
    request_id = uuid.uuid4()
    async with conn.transaction():
        row = await conn.fetchrow(
            """INSERT INTO support_requests (id, organisation, contact_name, contact_email, language,
                                             need, urgency)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            request_id, new.organisation, new.contact_name, new.contact_email.lower(), new.language,
            new.need, new.urgency,
        )  # fmt: skip
        event = SupportRequested(
            organisation=new.organisation, contact_name=new.contact_name,
            contact_email=new.contact_email.lower(), language=new.language, need=new.need, urgency=new.urgency,
        )  # fmt: skip
        position = await emit(conn, event, actor=actor, aggregate_id=request_id, seq=1, partner_id=None)
    return _support(row), position


async def triage(
    conn: Conn, request_id: uuid.UUID, decision: Triage, version: int | None, actor: Actor
) -> tuple[SupportRequest, int]:
    """Accept (recording the engagement in the same transaction) or decline with a reason."""
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM support_requests WHERE id = $1 FOR UPDATE", request_id)
        if row is None:
            raise Missing
        if version is not None and row["version"] != version:
            raise StaleVersion
        if row["status"] != "new":
            raise AlreadyTriaged
        engagement_id = None
        if decision.outcome == "accepted" and decision.engagement is not None:
            engagement, _ = await record_engagement(conn, decision.engagement, actor)
            engagement_id = engagement.id
        row = await conn.fetchrow(
            """UPDATE support_requests SET status = $2, reason = $3, engagement_id = $4,
                      version = version + 1 WHERE id = $1 RETURNING *""",
            request_id, decision.outcome, decision.reason, engagement_id,
        )  # fmt: skip
        assert row is not None
        event = SupportTriaged(outcome=decision.outcome, reason=decision.reason, engagement_id=engagement_id)
        position = await emit(conn, event, actor=actor, aggregate_id=request_id, seq=row["version"], partner_id=None)
    return _support(row), position


async def list_support_requests(conn: Conn, status: str | None) -> list[SupportRequest]:
    rows = await conn.fetch(
        "SELECT * FROM support_requests WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC",
        status,
    )
    return [_support(r) for r in rows]


async def add_person(conn: Conn, new: NewPerson, actor: Actor) -> tuple[Person, int]:
    person_id = uuid.uuid4()
    async with conn.transaction():
        try:
            row = await conn.fetchrow(
                """INSERT INTO people (id, name, email, kind, partner_id, language)
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
                person_id, new.name, new.email.lower(), new.kind, new.partner_id, new.language,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise EmailTaken from exc
        except asyncpg.ForeignKeyViolationError as exc:
            raise UnknownPartner from exc
        event = PersonAdded(name=new.name, kind=new.kind, partner_id=new.partner_id, language=new.language)
        position = await emit(conn, event, actor=actor, aggregate_id=person_id, seq=1, partner_id=new.partner_id)
    return _person(row), position


async def list_people(conn: Conn) -> list[Person]:
    return [_person(r) for r in await conn.fetch("SELECT * FROM people ORDER BY name")]


def _engagement(row: asyncpg.Record | None) -> Engagement:
    assert row is not None
    return msgspec.convert({k: row[k] for k in Engagement.__struct_fields__}, Engagement)


def _support(row: asyncpg.Record | None) -> SupportRequest:
    assert row is not None
    return msgspec.convert({k: row[k] for k in SupportRequest.__struct_fields__}, SupportRequest)


def _person(row: asyncpg.Record | None) -> Person:
    assert row is not None
    return msgspec.convert({k: row[k] for k in Person.__struct_fields__}, Person)
