"""Portfolio SQL for translations: the texts written in one language only, and filling one in.

Text people write is kept in two columns, ``<field>_en`` and ``<field>_cy`` (``shared/bilingual.py``),
so "written in one language only" is ``(x_en = '') <> (x_cy = '')``: no JSON to unpack, no detection.
No rules and no events here: ``commands.translate`` decides and emits.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from shared import bilingual
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
    return [_missing(r) for r in rows]


def _missing(r: asyncpg.Record) -> MissingText:
    return MissingText(
        kind=r["kind"], id=r["id"], field=r["field"], text=bilingual.Bilingual(en=r["en"], cy=r["cy"]),
        missing="cy" if r["en"].strip() else "en", project_id=r["project_id"], project_slug=r["slug"],
        project_title=bilingual.Bilingual(en=r["title_en"], cy=r["title_cy"]), partner_id=r["partner_id"],
        since=r["since"],
    )  # fmt: skip


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
