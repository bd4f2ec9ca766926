"""Portfolio SQL for assessments: plain, parameterised statements, one function each; no rules, no events."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio.assessments import ActionRecord, AssessmentRecord
from services.portfolio.store import VISIBLE, Missing
from shared import bilingual
from shared.bilingual import Bilingual
from shared.events import ActionSnapshot, AssessmentSnapshot, GateOutcome
from shared.identity import Identity

if TYPE_CHECKING:
    from shared.db import Conn


_COLUMNS = frozenset(AssessmentSnapshot.__struct_fields__) - {"project_id", "from_phase", "to_phase", "kind"}
_SELECT = "SELECT a.*, p.partner_id FROM assessments a JOIN projects p ON p.id = a.project_id"


async def insert(
    conn: Conn, assessment_id: uuid.UUID, snapshot: AssessmentSnapshot, created_by: str
) -> AssessmentRecord:
    values = msgspec.to_builtins(snapshot)
    await conn.execute(
        """INSERT INTO assessments (id, project_id, from_phase, to_phase, kind, held_on, standards_version, panel,
                                    ratings, summary_en, summary_cy, status, outcome, panel_outcome, override_reason_en,
                                    override_reason_cy, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)""",
        assessment_id, snapshot.project_id, snapshot.from_phase, snapshot.to_phase, snapshot.kind, snapshot.held_on,
        snapshot.standards_version, values["panel"], values["ratings"], snapshot.summary_en, snapshot.summary_cy,
        snapshot.status, snapshot.outcome, snapshot.panel_outcome, snapshot.override_reason.en,
        snapshot.override_reason.cy, created_by,
    )  # fmt: skip
    return await _one(conn, f"{_SELECT} WHERE a.id = $1", assessment_id)


async def lock(conn: Conn, assessment_id: uuid.UUID) -> AssessmentRecord:
    """The assessment, its row locked until the transaction ends (changes to one assessment queue here)."""
    return await _one(conn, f"{_SELECT} WHERE a.id = $1 FOR UPDATE OF a", assessment_id)


async def update(
    conn: Conn, assessment_id: uuid.UUID, fields: Mapping[str, object], *, publishing: bool = False
) -> AssessmentRecord:
    """Set ``fields`` and count one more version (publishing also stamps the time)."""
    unknown = fields.keys() - _COLUMNS
    if unknown:
        raise ValueError(f"not a column a change may set: {sorted(unknown)}")
    columns: dict[str, object] = {}
    for name, value in fields.items():
        if isinstance(value, Bilingual):  # the override reason: two columns (shared/bilingual.py)
            columns |= dict(zip(bilingual.columns(name), (value.en, value.cy), strict=True))
        else:
            columns[name] = msgspec.to_builtins(value) if name in ("panel", "ratings") else value
    values = list(columns.values())
    assignments = "".join(f"{name} = ${i}, " for i, name in enumerate(columns, start=2))
    stamp = "published_at = now(), " if publishing else ""
    await conn.execute(
        f"UPDATE assessments SET {assignments}{stamp}version = version + 1, updated_at = now() WHERE id = $1",
        assessment_id, *values,
    )  # fmt: skip
    return await _one(conn, f"{_SELECT} WHERE a.id = $1", assessment_id)


async def get(conn: Conn, assessment_id: uuid.UUID, viewer: Identity) -> AssessmentRecord:
    """The assessment if the viewer may see its project and it is published, theirs or they are staff."""
    return await _one(
        conn, f"{_SELECT} WHERE a.id = $3 AND {_visible('p')} AND {_READABLE}", viewer.role, viewer.partner_id,
        assessment_id,
    )  # fmt: skip


async def listed(
    conn: Conn, viewer: Identity, *, project_id: uuid.UUID | None = None, status: str | None = None
) -> list[AssessmentRecord]:
    """The assessments the viewer may read, newest first, of one project or all."""
    rows = await conn.fetch(
        f"""{_SELECT} WHERE {_visible('p')} AND {_READABLE}
              AND ($3::uuid IS NULL OR a.project_id = $3) AND ($4::text IS NULL OR a.status = $4)
            ORDER BY a.held_on DESC, a.created_at DESC""",
        viewer.role, viewer.partner_id, project_id, status,
    )  # fmt: skip
    return [_record(r) for r in rows]


async def newest_published(conn: Conn, project_id: uuid.UUID, to_phase: str) -> tuple[uuid.UUID, GateOutcome] | None:
    """The id and outcome of the project's newest published assessment of the gate into ``to_phase``."""
    row = await conn.fetchrow(
        """SELECT id, outcome FROM assessments WHERE project_id = $1 AND to_phase = $2 AND status = 'published'
           ORDER BY published_at DESC LIMIT 1""",
        project_id, to_phase,
    )  # fmt: skip
    return None if row is None else (row["id"], row["outcome"])


def _visible(alias: str) -> str:
    """The projects' visibility rule (store.VISIBLE), on the joined project's columns."""
    return VISIBLE.replace("visibility", f"{alias}.visibility").replace("partner_id", f"{alias}.partner_id")


# $1 = role, $2 = partner id: staff read all; a partner its own project's drafts of self-assessment
# too; everyone else what is published.
_READABLE = """(a.status = 'published' OR $1 IN ('admin', 'lead')
    OR ($1 = 'partner' AND p.partner_id = $2 AND a.kind = 'self_assessment'))"""


async def _one(conn: Conn, query: str, *args: object) -> AssessmentRecord:
    row = await conn.fetchrow(query, *args)
    if row is None:
        raise Missing()
    return _record(row)


def snapshot_of(row: asyncpg.Record) -> AssessmentSnapshot:
    """The snapshot an ``assessments`` row holds."""
    fields = {k: row[k] for k in AssessmentSnapshot.__struct_fields__ if k != "override_reason"}
    reason = bilingual.from_row(row, "override_reason")
    return msgspec.convert(fields | {"override_reason": {"en": reason.en, "cy": reason.cy}}, AssessmentSnapshot)


def _record(row: asyncpg.Record) -> AssessmentRecord:
    return AssessmentRecord(
        id=row["id"], snapshot=snapshot_of(row), partner_id=row["partner_id"], version=row["version"],
        created_by=row["created_by"], created_at=row["created_at"], updated_at=row["updated_at"],
        published_at=row["published_at"],
    )  # fmt: skip


# Actions ------------------------------------------------------------------------------------------


async def insert_action(conn: Conn, action_id: uuid.UUID, action: ActionSnapshot) -> ActionRecord:
    row = await conn.fetchrow(
        """INSERT INTO assessment_actions (id, assessment_id, project_id, standard, text_en, text_cy, owner, due_on)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *""",
        action_id, action.assessment_id, action.project_id, action.standard, action.text_en, action.text_cy,
        action.owner, action.due_on,
    )  # fmt: skip
    return _action(row)


async def lock_action(conn: Conn, action_id: uuid.UUID) -> ActionRecord:
    row = await conn.fetchrow("SELECT * FROM assessment_actions WHERE id = $1 FOR UPDATE", action_id)
    if row is None:
        raise Missing()
    return _action(row)


async def close_action(conn: Conn, action_id: uuid.UUID, state: str, reason: Bilingual) -> ActionRecord:
    row = await conn.fetchrow(
        """UPDATE assessment_actions SET state = $2, reason_en = $3, reason_cy = $4, closed_at = now(),
                                         version = version + 1
           WHERE id = $1 RETURNING *""",
        action_id, state, reason.en, reason.cy,
    )  # fmt: skip
    return _action(row)


_ACTION_TEXTS = frozenset({"text_en", "text_cy", "reason_en", "reason_cy"})


async def set_action_text(conn: Conn, action_id: uuid.UUID, column: str, text: str) -> ActionRecord:
    """One language of an action's text or dropped reason (a translation), one more version."""
    if column not in _ACTION_TEXTS:  # the column's name is put into the SQL: only these
        raise ValueError(f"not an action's text: {column}")
    row = await conn.fetchrow(
        f"UPDATE assessment_actions SET {column} = $2, version = version + 1 WHERE id = $1 RETURNING *", action_id, text
    )
    return _action(row)


async def actions(
    conn: Conn, viewer: Identity, *, assessment_id: uuid.UUID | None = None, state: str | None = None
) -> list[ActionRecord]:
    """Actions of the assessments the viewer may read in full (staff: all; a partner: its own
    projects' published ones; the public: none), soonest due first."""
    rows = await conn.fetch(
        """SELECT t.* FROM assessment_actions t JOIN assessments a ON a.id = t.assessment_id
                                                JOIN projects p ON p.id = t.project_id
           WHERE ($1 IN ('admin', 'lead') OR ($1 = 'partner' AND p.partner_id = $2))
             AND ($3::uuid IS NULL OR t.assessment_id = $3) AND ($4::text IS NULL OR t.state = $4)
           ORDER BY t.due_on, t.created_at""",
        viewer.role, viewer.partner_id, assessment_id, state,
    )  # fmt: skip
    return [_action(r) for r in rows]


def _action(row: asyncpg.Record | None) -> ActionRecord:
    if row is None:
        raise Missing()
    fields = {k: row[k] for k in ActionSnapshot.__struct_fields__ if k != "reason"}
    reason = bilingual.from_row(row, "reason")
    snapshot = msgspec.convert(fields | {"reason": {"en": reason.en, "cy": reason.cy}}, ActionSnapshot)
    return ActionRecord(id=row["id"], snapshot=snapshot, version=row["version"], created_at=row["created_at"],
                        closed_at=row["closed_at"])  # fmt: skip
