"""Funding records: the commands (transaction, locks, rules, event) and their SQL. Staff record and
correct them; staff see every record, a partner its own projects', the public only what staff publish."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio import funding_rules, store
from services.portfolio.domain import ProjectRecord
from services.portfolio.funding_rules import FundingChanges, NewFunding
from shared import outbox
from shared.events import Actor, EventData, FundingChanged, FundingRecorded, FundingSnapshot, make_envelope
from shared.http import Invalid, Stale
from shared.identity import Identity
from shared.replies.portfolio import Funding

if TYPE_CHECKING:
    from shared.db import Conn

_COLUMNS = "f.id, f.version, f.project_id, f.source, f.amount_pence, f.starts_on, f.ends_on, f.kind, f.published"
# $1 = role, $2 = the caller's partner id.
VISIBLE = """($1 IN ('admin', 'lead')
    OR ($1 = 'partner' AND p.partner_id = $2 AND p.visibility IN ('public', 'partner'))
    OR (f.published AND p.visibility = 'public'))"""
Stored = tuple[uuid.UUID, FundingSnapshot, int]


def _row(row: asyncpg.Record | None) -> Stored:
    if row is None:
        raise store.Missing()
    snapshot = msgspec.convert({k: row[k] for k in FundingSnapshot.__struct_fields__}, FundingSnapshot)
    return row["id"], snapshot, row["version"]


async def _event(conn: Conn, actor: Actor, data: EventData, funding_id: uuid.UUID, version: int,
                 project: ProjectRecord) -> int:  # fmt: skip
    return await outbox.append(conn, make_envelope(data, actor=actor, aggregate_id=funding_id, aggregate_seq=version,
                                                   partner_id=project.snapshot.partner_id))  # fmt: skip


async def record(conn: Conn, actor: Actor, project_id: uuid.UUID, new: NewFunding) -> tuple[Funding, int]:
    errors = funding_rules.errors_of(new.amount, new.starts, new.ends)
    if errors:
        raise Invalid(errors)
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        snapshot = funding_rules.snapshot_of(project_id, new)
        funding_id = uuid.uuid4()
        await conn.execute(
            """INSERT INTO funding_records (id, project_id, source, amount_pence, starts_on, ends_on, kind, published)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            funding_id, project_id, snapshot.source, snapshot.amount_pence, snapshot.starts_on, snapshot.ends_on,
            snapshot.kind, snapshot.published,
        )  # fmt: skip
        event = FundingRecorded(funding=snapshot, for_project=project.snapshot)
        position = await _event(conn, actor, event, funding_id, 1, project)
    return funding_rules.reply(funding_id, snapshot, 1), position


async def change(
    conn: Conn, actor: Actor, project_id: uuid.UUID, funding_id: uuid.UUID, changes: FundingChanges,
    expected_version: int | None,
) -> tuple[Funding, int | None]:  # fmt: skip
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, current, version = _row(await conn.fetchrow(
            f"SELECT {_COLUMNS} FROM funding_records f WHERE f.id = $1 AND f.project_id = $2 FOR UPDATE",
            funding_id, project_id))  # fmt: skip
        if expected_version is not None and version != expected_version:
            raise Stale()
        errors = funding_rules.errors_of(changes.amount, changes.starts, changes.ends, current)
        if errors:
            raise Invalid(errors)
        changed = funding_rules.changed_fields(current, changes)
        if not changed:
            return funding_rules.reply(funding_id, current, version), None
        assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(changed, 2))
        _, snapshot, version = _row(await conn.fetchrow(
            f"UPDATE funding_records f SET {assignments}version = version + 1 WHERE id = $1 RETURNING {_COLUMNS}",
            funding_id, *changed.values()))  # fmt: skip
        event = FundingChanged(funding=snapshot, changed=sorted(changed), for_project=project.snapshot)
        position = await _event(conn, actor, event, funding_id, version, project)
    return funding_rules.reply(funding_id, snapshot, version), position


async def of_project(conn: Conn, project_id: uuid.UUID, viewer: Identity) -> list[Funding]:
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM funding_records f JOIN projects p ON p.id = f.project_id
            WHERE f.project_id = $3 AND {VISIBLE} ORDER BY f.starts_on, f.created_at""",
        viewer.role, viewer.partner_id, project_id,
    )  # fmt: skip
    return [funding_rules.reply(*_row(r)) for r in rows]


async def visible(conn: Conn, viewer: Identity) -> list[Funding]:
    """The records the totals count: a partner's are its own projects' only. Another partner's
    published record stays on that project's page, but counted here it would make a partner's
    "what we are funded" totals include money that is not theirs."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM funding_records f JOIN projects p ON p.id = f.project_id
            WHERE {VISIBLE} AND ($1 <> 'partner' OR p.partner_id = $2) ORDER BY f.starts_on, f.created_at""",
        viewer.role, viewer.partner_id,
    )  # fmt: skip
    return [funding_rules.reply(*_row(r)) for r in rows]
