"""Portfolio SQL for translations: the texts written in one language only, and filling one in.

Text people write is kept in two columns, ``<field>_en`` and ``<field>_cy`` (``shared/bilingual.py``),
so "written in one language only" is ``(x_en = '') <> (x_cy = '')``: no JSON to unpack, no detection.
A phase change's reason and gate reason are the exception: they are kept only in its event (the
project's history), so each now is the newest ``portfolio.project.phase_reason_translated`` (or
``portfolio.project.gate_reason_translated``) naming it, or its own. An assessment's and an action's
texts are in ``assessment_texts.py``.
No rules and no events here: ``commands.translate`` decides and emits.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal, get_args

import asyncpg
import msgspec

from services.portfolio import assessment_texts
from shared import bilingual
from shared.bilingual import Bilingual
from shared.events import ProjectGateReasonTranslated, ProjectPhaseChanged, ProjectPhaseReasonTranslated, upcast
from shared.replies.portfolio import MissingText, Update

if TYPE_CHECKING:
    from shared.db import Conn

_PROJECT_TEXTS = ("title", "summary", "health_reason")
"""A project's own texts people wrote (their column names are put into SQL: only these)."""


def _one_language(field: str) -> str:
    return f"((btrim({field}_en) = '') <> (btrim({field}_cy) = ''))"


async def missing(conn: Conn) -> list[MissingText]:
    """Every text of a project or an update that exists in one language only, oldest first."""
    parts = [
        f"""SELECT 'project' AS kind, p.id, '{field}' AS field, p.{field}_en AS en, p.{field}_cy AS cy,
                   p.id AS project_id, p.slug, p.title_en, p.title_cy, p.partner_id, p.updated_at AS since
            FROM projects p WHERE {_one_language(f"p.{field}")}"""
        for field in _PROJECT_TEXTS
    ]
    parts.append(
        f"""SELECT 'update' AS kind, u.id, 'body' AS field, u.body_en AS en, u.body_cy AS cy,
                   p.id AS project_id, p.slug, p.title_en, p.title_cy, p.partner_id, u.created_at AS since
            FROM project_updates u JOIN projects p ON p.id = u.project_id WHERE {_one_language("u.body")}"""
    )
    rows = await conn.fetch(" UNION ALL ".join(parts) + " ORDER BY since, kind, field, id")
    found = [_missing(r) for r in rows]
    for field in get_args(PhaseText):
        found += [_missing_reason(r, field, text, text.missing)
                  for r, text in await _phase_reasons(conn, None, field) if text.missing]  # fmt: skip
    found += await _support_texts(conn)
    found += await assessment_texts.missing(conn)
    return sorted(found, key=lambda text: (text.since, text.kind, text.field, text.id))


def _missing(r: asyncpg.Record) -> MissingText:
    return MissingText(
        kind=r["kind"], id=r["id"], field=r["field"], text=Bilingual(en=r["en"], cy=r["cy"]),
        missing="cy" if r["en"].strip() else "en", project_id=r["project_id"], project_slug=r["slug"],
        project_title=Bilingual(en=r["title_en"], cy=r["title_cy"]), partner_id=r["partner_id"],
        since=r["since"],
    )  # fmt: skip


PhaseText = Literal["reason", "gate_override_reason"]
_TRANSLATIONS: dict[str, str] = {"reason": ProjectPhaseReasonTranslated.type,
                                 "gate_override_reason": ProjectGateReasonTranslated.type}  # fmt: skip
"""The event that translates each of a phase change's texts (its data holds the text by the field's name)."""


def _phase_changes(field: PhaseText) -> str:
    return f"""
    SELECT e.id, e.aggregate_id, e.aggregate_seq, e.version, e.data, e.occurred_at,
           p.slug, p.title_en, p.title_cy, p.partner_id,
           (SELECT t.data -> '{field}' FROM events t
            WHERE t.aggregate_id = e.aggregate_id AND t.type = '{_TRANSLATIONS[field]}'
              AND t.data ->> 'phase_change_id' = e.id::text
            ORDER BY t.aggregate_seq DESC LIMIT 1) AS translated
    FROM events e JOIN projects p ON p.id = e.aggregate_id
    WHERE e.type = '{ProjectPhaseChanged.type}' AND ($1::uuid IS NULL OR e.id = $1)
      AND e.data ->> '{field}' IS NOT NULL"""


async def _phase_reasons(
    conn: Conn, event_id: uuid.UUID | None = None, field: PhaseText = "reason"
) -> list[tuple[asyncpg.Record, Bilingual]]:
    """Every phase change that gave ``field`` (its reason, or its reason to pass the gate), with the
    text as it is now (its newest translation, or its own); one phase change's when ``event_id`` is given."""
    rows = await conn.fetch(_phase_changes(field), event_id)
    texts = [(r, bilingual.read(r["translated"] or _own_text(r, field))) for r in rows]
    return [(r, text) for r, text in texts if not text.blank]


def _own_text(r: asyncpg.Record, field: PhaseText) -> object:
    """The text the phase change gave (read forward: one string until version 3)."""
    return upcast(ProjectPhaseChanged.type, r["version"], r["data"])[1][field]


def _missing_reason(r: asyncpg.Record, field: PhaseText, reason: Bilingual, missing: bilingual.Lang) -> MissingText:
    return MissingText(
        kind="phase_change", id=r["id"], field=field, text=reason, missing=missing, project_id=r["aggregate_id"],
        project_slug=r["slug"], project_title=Bilingual(en=r["title_en"], cy=r["title_cy"]),
        partner_id=r["partner_id"], since=r["occurred_at"],
    )  # fmt: skip


async def phase_change(
    conn: Conn, event_id: uuid.UUID, field: PhaseText = "reason"
) -> tuple[uuid.UUID, int, Bilingual] | None:
    """A phase change that gave ``field``: its project, its place in the project's history, and the
    text as it is now (None: no such phase change, or it gave no such text)."""
    for r, text in await _phase_reasons(conn, event_id, field):
        return r["aggregate_id"], r["aggregate_seq"], text
    return None


async def _support_texts(conn: Conn) -> list[MissingText]:
    rows = await conn.fetch(
        f"SELECT * FROM support_requests WHERE {_one_language('need')} OR {_one_language('reason')} ORDER BY created_at"
    )
    found = []
    for r in rows:
        for field in ("need", "reason"):
            text = bilingual.from_row(r, field)
            if text.missing is not None:
                found.append(MissingText(
                    kind="support_request", id=r["id"], field=field, text=text, missing=text.missing,
                    project_id=None, project_slug="", project_title=bilingual.EMPTY, partner_id=None,
                    since=r["created_at"], organisation=r["organisation"],
                ))  # fmt: skip
    return found


async def project_of_update(conn: Conn, update_id: uuid.UUID) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.fetchval("SELECT project_id FROM project_updates WHERE id = $1", update_id)
    return found


async def set_update_body(conn: Conn, update_id: uuid.UUID, lang: bilingual.Lang, text: str) -> Update:
    column = "body_cy" if lang == "cy" else "body_en"
    row: asyncpg.Record | None = await conn.fetchrow(
        f"UPDATE project_updates SET {column} = $2 WHERE id = $1 RETURNING *", update_id, text
    )
    assert row is not None  # the caller has found the update, and holds its project's row lock
    return msgspec.convert({k: row[k] for k in Update.__struct_fields__}, Update)
