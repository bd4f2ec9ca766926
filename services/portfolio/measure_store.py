"""SQL for measures and their monthly values (parameterised, asyncpg)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import asyncpg

from services.portfolio.store import Missing
from shared.bilingual import Bilingual
from shared.events import MeasureSnapshot, MonthValue
from shared.http import Conflict, FieldError
from shared.identity import Identity

if TYPE_CHECKING:
    from shared.db import Conn

Stored = tuple[uuid.UUID, MeasureSnapshot, int]
"""A measure's id, what its events carry, and its version."""
_COLUMNS = (
    "m.id, m.version, m.project_id, m.catalogue, m.name_en, m.name_cy, m.unit, m.direction, m.target, m.published"
)

# Who may see a measure. $1 = role, $2 = the caller's partner id. Staff see every measure; a partner,
# those of its own organisation's projects it may see; everyone, the published measures of public projects.
# Nobody sees a removed measure (it is kept, with its values, for history).
VISIBLE = """m.removed_at IS NULL AND ($1 IN ('admin', 'lead')
    OR ($1 = 'partner' AND p.partner_id = $2 AND p.visibility IN ('public', 'partner'))
    OR (m.published AND p.visibility = 'public'))"""


class AlreadyTracked(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "The project already tracks this measure", "Mae'r prosiect yn olrhain y mesur hwn eisoes",
            [FieldError("catalogue", "The project already tracks this measure",
                        "Mae'r prosiect yn olrhain y mesur hwn eisoes")],
        )  # fmt: skip


def _row(row: asyncpg.Record | None) -> Stored:
    if row is None:
        raise Missing()
    snapshot = MeasureSnapshot(
        project_id=row["project_id"], catalogue=row["catalogue"], name=Bilingual(en=row["name_en"], cy=row["name_cy"]),
        unit=row["unit"], direction=row["direction"], target=row["target"], published=row["published"],
    )  # fmt: skip
    return row["id"], snapshot, row["version"]


async def insert(conn: Conn, measure_id: uuid.UUID, snapshot: MeasureSnapshot) -> int:
    try:
        version: int = await conn.fetchval(
            """INSERT INTO measures (id, project_id, catalogue, name_en, name_cy, unit, direction, target, published)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING version""",
            measure_id, snapshot.project_id, snapshot.catalogue, snapshot.name.en, snapshot.name.cy, snapshot.unit,
            snapshot.direction, snapshot.target, snapshot.published,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise AlreadyTracked() from None
    return version


async def lock(conn: Conn, project_id: uuid.UUID, measure_id: uuid.UUID) -> Stored:
    """The project's measure, locked for a change (Missing: 404)."""
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM measures m WHERE m.id = $1 AND m.project_id = $2 AND m.removed_at IS NULL FOR UPDATE",
        measure_id, project_id,
    )  # fmt: skip
    return _row(row)


async def update(conn: Conn, measure_id: uuid.UUID, fields: dict[str, Any]) -> Stored:
    """Set ``fields`` (a snapshot's, never user input: ``name`` is its two columns) and the next version."""
    columns: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "name":
            columns |= {"name_en": value.en, "name_cy": value.cy}
        else:
            columns[name] = value
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(columns, 2))
    row = await conn.fetchrow(
        f"UPDATE measures m SET {assignments}version = version + 1 WHERE id = $1 RETURNING {_COLUMNS}",
        measure_id, *columns.values(),
    )  # fmt: skip
    return _row(row)


async def remove(conn: Conn, measure_id: uuid.UUID, reason: Bilingual) -> int:
    """Mark the measure removed (its row and values stay), at the next version."""
    version: int = await conn.fetchval(
        """UPDATE measures SET removed_at = now(), removed_reason_en = $2, removed_reason_cy = $3,
               version = version + 1 WHERE id = $1 RETURNING version""",
        measure_id, reason.en, reason.cy,
    )  # fmt: skip
    return version


async def bump(conn: Conn, measure_id: uuid.UUID) -> int:
    """One more version (values were recorded)."""
    version: int = await conn.fetchval("UPDATE measures SET version = version + 1 WHERE id = $1 RETURNING version",
                                       measure_id)  # fmt: skip
    return version


async def values(conn: Conn, measure_id: uuid.UUID) -> list[MonthValue]:
    rows = await conn.fetch("SELECT month, value FROM measure_values WHERE measure_id = $1 ORDER BY month", measure_id)
    return [MonthValue(month=r["month"], value=r["value"]) for r in rows]


async def record(conn: Conn, measure_id: uuid.UUID, given: Sequence[MonthValue], recorded_by: str) -> None:
    await conn.executemany(
        """INSERT INTO measure_values (measure_id, month, value, recorded_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (measure_id, month) DO UPDATE
           SET value = excluded.value, recorded_by = excluded.recorded_by, recorded_at = now()""",
        [(measure_id, v.month, v.value, recorded_by) for v in given],
    )  # fmt: skip


async def _with_values(conn: Conn, rows: list[asyncpg.Record]) -> list[tuple[Stored, list[MonthValue]]]:
    stored = [_row(r) for r in rows]
    found = await conn.fetch(
        "SELECT measure_id, month, value FROM measure_values WHERE measure_id = ANY ($1::uuid[]) ORDER BY month",
        [s[0] for s in stored],
    )
    by_measure: dict[uuid.UUID, list[MonthValue]] = {}
    for r in found:
        by_measure.setdefault(r["measure_id"], []).append(MonthValue(month=r["month"], value=r["value"]))
    return [(s, by_measure.get(s[0], [])) for s in stored]


async def of_project(conn: Conn, project_id: uuid.UUID, viewer: Identity) -> list[tuple[Stored, list[MonthValue]]]:
    """The project's measures the viewer may see, in the order they were defined, each with its values."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM measures m JOIN projects p ON p.id = m.project_id
            WHERE m.project_id = $3 AND {VISIBLE} ORDER BY m.created_at, m.id""",
        viewer.role, viewer.partner_id, project_id,
    )  # fmt: skip
    return await _with_values(conn, list(rows))


async def visible(conn: Conn, viewer: Identity) -> list[tuple[Stored, list[MonthValue]]]:
    """Every measure the viewer may see, each with its values (for the portfolio and performance pages)."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM measures m JOIN projects p ON p.id = m.project_id
            WHERE {VISIBLE} ORDER BY p.title_en, m.created_at, m.id""",
        viewer.role, viewer.partner_id,
    )  # fmt: skip
    return await _with_values(conn, list(rows))


async def of_project_for_import(conn: Conn, project_id: uuid.UUID) -> list[Stored]:
    """Every measure of the project, locked (an import records values of several at once)."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM measures m WHERE m.project_id = $1 AND m.removed_at IS NULL
            ORDER BY m.created_at, m.id FOR UPDATE""",
        project_id,
    )
    return [_row(r) for r in rows]
