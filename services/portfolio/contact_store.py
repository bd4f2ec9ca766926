"""SQL for a partner's contacts (people of kind ``partner_contact``): plain statements, no rules, no events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio.records import EmailTaken
from services.portfolio.store import Missing, UnknownPartner
from shared.replies.portfolio import Contact, EmailContact

if TYPE_CHECKING:
    from shared.db import Conn

# The columns a change may set: names are put into SQL, so only these are accepted.
COLUMNS = frozenset(("name", "role", "email", "language", "project_emails"))
_CONTACT = "kind = 'partner_contact' AND partner_id = $1"


def _contact(row: asyncpg.Record | None) -> Contact:
    if row is None:
        raise Missing()
    return msgspec.convert({k: row[k] for k in Contact.__struct_fields__}, Contact)


async def insert(
    conn: Conn, contact_id: uuid.UUID, partner_id: uuid.UUID, name: str, role: str, email: str, language: str,
    project_emails: bool,
) -> Contact:  # fmt: skip
    try:
        row = await conn.fetchrow(
            """INSERT INTO people (id, name, email, kind, partner_id, language, role, project_emails)
               VALUES ($1, $2, $3, 'partner_contact', $4, $5, $6, $7) RETURNING *""",
            contact_id, name, email, partner_id, language, role, project_emails,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise EmailTaken() from None
    except asyncpg.ForeignKeyViolationError:
        raise UnknownPartner() from None
    return _contact(row)


async def lock_partner(conn: Conn, partner_id: uuid.UUID) -> None:
    """Share-lock the partner (404 if there is none), so it exists when its contact is written."""
    if await conn.fetchval("SELECT 1 FROM partners WHERE id = $1 FOR SHARE", partner_id) is None:
        raise Missing()


async def lock(conn: Conn, partner_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    """The partner's contact, its row locked until the transaction ends (404: no such contact of this partner)."""
    row = await conn.fetchrow(f"SELECT * FROM people WHERE {_CONTACT} AND id = $2 FOR UPDATE", partner_id, contact_id)
    return _contact(row)


async def update(conn: Conn, contact_id: uuid.UUID, fields: Mapping[str, object]) -> Contact:
    """Set ``fields`` and count one more version."""
    unknown = fields.keys() - COLUMNS
    if unknown:
        raise ValueError(f"not a column a change may set: {sorted(unknown)}")
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=2))
    try:
        row = await conn.fetchrow(
            f"UPDATE people SET {assignments}version = version + 1 WHERE id = $1 RETURNING *",
            contact_id, *fields.values(),
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise EmailTaken() from None
    return _contact(row)


async def delete(conn: Conn, contact_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM people WHERE id = $1", contact_id)


async def list_for(conn: Conn, partner_id: uuid.UUID) -> list[Contact]:
    rows = await conn.fetch(f"SELECT * FROM people WHERE {_CONTACT} ORDER BY name, id", partner_id)
    return [_contact(r) for r in rows]


async def get(conn: Conn, partner_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    row = await conn.fetchrow(f"SELECT * FROM people WHERE {_CONTACT} AND id = $2", partner_id, contact_id)
    return _contact(row)


async def emailable(conn: Conn, partner_id: uuid.UUID) -> list[EmailContact]:
    """The partner's contacts who get its project emails, with their addresses and languages."""
    rows = await conn.fetch(
        f"SELECT id, name, email, language FROM people WHERE {_CONTACT} AND project_emails ORDER BY name, id",
        partner_id,
    )
    return [msgspec.convert(dict(r), EmailContact) for r in rows]
