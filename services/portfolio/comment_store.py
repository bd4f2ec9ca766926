"""Portfolio SQL for a project's conversation: plain statements, no rules, no events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import asyncpg

from services.portfolio.store import Missing
from shared.bilingual import Bilingual
from shared.replies.portfolio import Comment

if TYPE_CHECKING:
    from shared.db import Conn


async def insert(
    conn: Conn, comment_id: uuid.UUID, project_id: uuid.UUID, author_id: str, author_role: str, internal: bool,
    body_en: str, body_cy: str, edit_window: dt.timedelta,
) -> Comment:  # fmt: skip
    row = await conn.fetchrow(
        """INSERT INTO comments (id, project_id, author_id, author_role, internal, body_en, body_cy)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        comment_id, project_id, author_id, author_role, internal, body_en, body_cy,
    )  # fmt: skip
    return reply(row, edit_window)


async def of_project(
    conn: Conn, project_id: uuid.UUID, with_internal: bool, edit_window: dt.timedelta
) -> list[Comment]:
    """The thread, oldest first; staff-only notes only when asked for (staff)."""
    rows = await conn.fetch(
        "SELECT * FROM comments WHERE project_id = $1 AND (NOT internal OR $2) ORDER BY created_at, id",
        project_id, with_internal,
    )  # fmt: skip
    return [reply(r, edit_window) for r in rows]


async def lock(conn: Conn, comment_id: uuid.UUID, edit_window: dt.timedelta) -> Comment:
    row = await conn.fetchrow("SELECT * FROM comments WHERE id = $1 FOR UPDATE", comment_id)
    if row is None:
        raise Missing()
    return reply(row, edit_window)


async def edit(conn: Conn, comment_id: uuid.UUID, body_en: str, body_cy: str, edit_window: dt.timedelta) -> Comment:
    row = await conn.fetchrow(
        """UPDATE comments SET body_en = $2, body_cy = $3, edited_at = now(), version = version + 1
           WHERE id = $1 RETURNING *""",
        comment_id, body_en, body_cy,
    )  # fmt: skip
    return reply(row, edit_window)


async def delete(conn: Conn, comment_id: uuid.UUID, edit_window: dt.timedelta) -> Comment:
    """The text goes; the row stays, marked deleted, so the thread keeps its shape."""
    row = await conn.fetchrow(
        """UPDATE comments SET body_en = '', body_cy = '', deleted_at = now(), version = version + 1
           WHERE id = $1 RETURNING *""",
        comment_id,
    )  # fmt: skip
    return reply(row, edit_window)


def reply(row: asyncpg.Record | None, edit_window: dt.timedelta) -> Comment:
    assert row is not None  # RETURNING always returns the row
    return Comment(
        id=row["id"], project_id=row["project_id"], author_id=row["author_id"], author_role=row["author_role"],
        internal=row["internal"], body=Bilingual(en=row["body_en"], cy=row["body_cy"]), created_at=row["created_at"],
        edited_at=row["edited_at"], deleted_at=row["deleted_at"], version=row["version"],
        editable_until=row["created_at"] + edit_window,
    )  # fmt: skip
