"""SQL for milestones (parameterised, asyncpg)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from services.portfolio.store import VISIBLE, Missing
from shared.events import MilestoneSnapshot
from shared.identity import Identity

if TYPE_CHECKING:
    from shared.db import Conn

Stored = tuple[uuid.UUID, MilestoneSnapshot, int]
"""A milestone's id, what its events carry, and its version."""
_COLUMNS = "id, version, project_id, title_en, title_cy, target_on, precision, done, done_on, gate"


def _row(row: asyncpg.Record | None) -> Stored:
    if row is None:
        raise Missing()
    snapshot = msgspec.convert({k: row[k] for k in MilestoneSnapshot.__struct_fields__}, MilestoneSnapshot)
    return row["id"], snapshot, row["version"]


async def insert(conn: Conn, milestone_id: uuid.UUID, snapshot: MilestoneSnapshot) -> int:
    version: int = await conn.fetchval(
        """INSERT INTO milestones (id, project_id, title_en, title_cy, target_on, precision, gate)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version""",
        milestone_id, snapshot.project_id, snapshot.title_en, snapshot.title_cy, snapshot.target_on,
        snapshot.precision, snapshot.gate,
    )  # fmt: skip
    return version


async def lock(conn: Conn, project_id: uuid.UUID, milestone_id: uuid.UUID) -> Stored:
    """The project's milestone, locked for a change (Missing: 404)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM milestones WHERE id = $1 AND project_id = $2 FOR UPDATE", milestone_id, project_id
    )
    return _row(row)


async def update(conn: Conn, milestone_id: uuid.UUID, fields: dict[str, Any]) -> Stored:
    """Set ``fields`` (column names are the snapshot's, never user input) and the next version."""
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, 2))
    row = await conn.fetchrow(
        f"UPDATE milestones SET {assignments}, version = version + 1 WHERE id = $1 RETURNING {_COLUMNS}",
        milestone_id, *fields.values(),
    )  # fmt: skip
    return _row(row)


async def delete(conn: Conn, milestone_id: uuid.UUID) -> None:
    await conn.execute("DELETE FROM milestones WHERE id = $1", milestone_id)


async def visible(conn: Conn, viewer: Identity) -> list[Stored]:
    """Every milestone of every project the viewer may see (for the roadmap), in target order."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM milestones WHERE project_id IN (SELECT id FROM projects WHERE {VISIBLE})
            ORDER BY target_on, created_at""",
        viewer.role, viewer.partner_id,
    )  # fmt: skip
    return [_row(r) for r in rows]


async def of_project(conn: Conn, project_id: uuid.UUID) -> list[Stored]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM milestones WHERE project_id = $1 ORDER BY target_on, created_at", project_id
    )
    return [_row(r) for r in rows]
