"""Portfolio SQL for engagements, support requests and people: plain statements, no rules, no events."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal

import asyncpg
import msgspec

from services.portfolio.domain import NewEngagement, NewPerson, NewSupportRequest, TriageOutcome
from services.portfolio.store import Missing, UnknownPartner
from shared import bilingual
from shared.bilingual import Bilingual, Lang
from shared.http import Conflict, FieldError, Invalid
from shared.identity import Identity
from shared.replies.portfolio import Engagement, LeadName, Person, SupportRequest

if TYPE_CHECKING:
    from shared.db import Conn


class EmailTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Someone already has that email address", "Mae gan rywun y cyfeiriad e-bost hwnnw eisoes",
            [FieldError("email", "This email address is already used",
                        "Mae'r cyfeiriad e-bost hwn yn cael ei ddefnyddio")],
        )  # fmt: skip


class UnknownProject(Invalid):
    def __init__(self) -> None:
        super().__init__(
            [FieldError("project_id", "There is no project with this id", "Nid oes prosiect gyda'r id hwn")]
        )


async def project_partner(conn: Conn, project_id: uuid.UUID) -> uuid.UUID | None:
    """The project's partner (None for none, or no such project), the row share-locked so its
    partner cannot change before the engagement that names it is written."""
    partner: uuid.UUID | None = await conn.fetchval(
        "SELECT partner_id FROM projects WHERE id = $1 FOR SHARE", project_id
    )
    return partner


async def insert_engagement(conn: Conn, engagement_id: uuid.UUID, new: NewEngagement) -> Engagement:
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
            raise UnknownProject() from None
        raise UnknownPartner() from None
    return _engagement(row)


async def get_engagement(conn: Conn, engagement_id: uuid.UUID, viewer: Identity) -> Engagement:
    """One engagement, to staff and to its own partner's users (404 for anyone else)."""
    row = await conn.fetchrow(
        """SELECT * FROM engagements
           WHERE id = $1 AND ($2 IN ('admin', 'lead') OR ($2 = 'partner' AND partner_id = $3))""",
        engagement_id, viewer.role, viewer.partner_id,
    )  # fmt: skip
    if row is None:
        raise Missing()
    return _engagement(row)


async def lock_engagement(conn: Conn, engagement_id: uuid.UUID) -> Engagement:
    """The engagement, its row locked until the transaction ends."""
    row = await conn.fetchrow("SELECT * FROM engagements WHERE id = $1 FOR UPDATE", engagement_id)
    if row is None:
        raise Missing()
    return _engagement(row)


ENGAGEMENT_COLUMNS = frozenset({"kind", "summary_en", "summary_cy", "started_on", "ended_on", "project_id", "contacts"})


async def update_engagement(conn: Conn, engagement_id: uuid.UUID, fields: dict[str, object]) -> Engagement:
    """Set the given columns (names from ENGAGEMENT_COLUMNS only) and count a version."""
    assert fields and set(fields) <= ENGAGEMENT_COLUMNS
    names = sorted(fields)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(names, start=2))
    values = [list(v) if isinstance(v, list) else v for v in (fields[n] for n in names)]
    try:
        row = await conn.fetchrow(
            f"UPDATE engagements SET {sets}, version = version + 1 WHERE id = $1 RETURNING *",
            engagement_id, *values,
        )  # fmt: skip
    except asyncpg.ForeignKeyViolationError:
        raise UnknownProject() from None
    return _engagement(row)


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


async def insert_support_request(
    conn: Conn, request_id: uuid.UUID, new: NewSupportRequest, need: Bilingual, requester_id: str | None
) -> SupportRequest:
    row = await conn.fetchrow(
        """INSERT INTO support_requests (id, organisation, contact_name, contact_email, language, need_en, need_cy,
                                         urgency, requester_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *""",
        request_id, new.organisation, new.contact_name, new.contact_email, new.language, need.en, need.cy,
        new.urgency, requester_id,
    )  # fmt: skip
    return _support(row)


async def support_requests_of(conn: Conn, requester_id: str, email: str) -> list[SupportRequest]:
    """What one person asked for: sent from their account, or signed out from their (verified) address."""
    rows = await conn.fetch(
        """SELECT * FROM support_requests WHERE requester_id = $1 OR ($2 <> '' AND contact_email = $2)
           ORDER BY created_at DESC, id""",
        requester_id, email.strip().lower(),
    )  # fmt: skip
    return [_support(r) for r in rows]


async def lock_support_request(conn: Conn, request_id: uuid.UUID) -> SupportRequest:
    """The request, its row locked until the transaction ends."""
    row = await conn.fetchrow("SELECT * FROM support_requests WHERE id = $1 FOR UPDATE", request_id)
    if row is None:
        raise Missing()
    return _support(row)


async def set_triage(
    conn: Conn, request_id: uuid.UUID, outcome: TriageOutcome, reason: Bilingual, engagement_id: uuid.UUID | None
) -> SupportRequest:
    row = await conn.fetchrow(
        """UPDATE support_requests SET status = $2, reason_en = $3, reason_cy = $4, engagement_id = $5,
                  version = version + 1
           WHERE id = $1 RETURNING *""",
        request_id, outcome, reason.en, reason.cy, engagement_id,
    )  # fmt: skip
    return _support(row)


async def set_need(conn: Conn, request_id: uuid.UUID, need: Bilingual) -> SupportRequest:
    row = await conn.fetchrow(
        """UPDATE support_requests SET need_en = $2, need_cy = $3, version = version + 1 WHERE id = $1 RETURNING *""",
        request_id, need.en, need.cy,
    )  # fmt: skip
    return _support(row)


async def set_support_text(
    conn: Conn, request_id: uuid.UUID, field: Literal["need", "reason"], lang: Lang, text: str
) -> SupportRequest:
    """One language of a request's need or triage reason (a translation filled in): a new version."""
    column = {("need", "en"): "need_en", ("need", "cy"): "need_cy", ("reason", "en"): "reason_en",
              ("reason", "cy"): "reason_cy"}[field, lang]  # fmt: skip
    row = await conn.fetchrow(
        f"UPDATE support_requests SET {column} = $2, version = version + 1 WHERE id = $1 RETURNING *", request_id, text
    )
    return _support(row)


async def list_support_requests(conn: Conn, status: str | None) -> list[SupportRequest]:
    rows = await conn.fetch(
        "SELECT * FROM support_requests WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC",
        status,
    )
    return [_support(r) for r in rows]


async def insert_person(conn: Conn, person_id: uuid.UUID, new: NewPerson) -> Person:
    try:
        row = await conn.fetchrow(
            """INSERT INTO people (id, name, email, kind, partner_id, language)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
            person_id, new.name, new.email, new.kind, new.partner_id, new.language,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise EmailTaken() from None
    except asyncpg.ForeignKeyViolationError:
        raise UnknownPartner() from None
    return _person(row)


async def list_people(conn: Conn) -> list[Person]:
    return [_person(r) for r in await conn.fetch("SELECT * FROM people ORDER BY name")]


async def lead_names(conn: Conn) -> list[LeadName]:
    rows = await conn.fetch("SELECT id, name FROM people WHERE kind = 'lead' ORDER BY name")
    return [LeadName(id=str(r["id"]), name=r["name"]) for r in rows]


# Each is given a row just written or read: RETURNING always returns one.


def _engagement(row: asyncpg.Record | None) -> Engagement:
    assert row is not None
    return msgspec.convert({k: row[k] for k in Engagement.__struct_fields__}, Engagement)


def _support(row: asyncpg.Record | None) -> SupportRequest:
    assert row is not None
    texts = ("need", "reason")  # text people wrote: two columns each (shared/bilingual.py)
    values = {k: bilingual.from_row(row, k) if k in texts else row[k] for k in SupportRequest.__struct_fields__}
    return msgspec.convert(values, SupportRequest)


def _person(row: asyncpg.Record | None) -> Person:
    assert row is not None
    return msgspec.convert({k: row[k] for k in Person.__struct_fields__}, Person)
