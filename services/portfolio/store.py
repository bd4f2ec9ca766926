"""Portfolio SQL. Every write stores its row and its event in the same transaction."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio.domain import NewProject, Project
from shared import outbox
from shared.events import Actor, ProjectCreated, make_envelope

if TYPE_CHECKING:
    from shared.db import Conn


class SlugTaken(Exception):
    pass


async def create_project(conn: Conn, new: NewProject, actor: Actor) -> tuple[Project, int]:
    """Insert the project and its ``portfolio.project.created`` event; returns (project, position)."""
    project_id = uuid.uuid4()
    async with conn.transaction():
        try:
            row = await conn.fetchrow(
                """
                INSERT INTO projects (id, slug, partner_id, title_en, title_cy, summary_en, summary_cy,
                                      lead_id, phase, health, visibility, tags, start_date)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                RETURNING *
                """,
                project_id, new.slug, new.partner_id, new.title_en, new.title_cy, new.summary_en,
                new.summary_cy, actor.id if actor.role == "lead" else None, new.phase, new.health,
                new.visibility, list(new.tags), new.start_date,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise SlugTaken(new.slug) from exc
        event = ProjectCreated(
            slug=new.slug, title_en=new.title_en, title_cy=new.title_cy, summary_en=new.summary_en,
            summary_cy=new.summary_cy, partner_id=new.partner_id, phase=new.phase, health=new.health,
            visibility=new.visibility, tags=list(new.tags),
        )  # fmt: skip
        position = await outbox.append(
            conn,
            make_envelope(
                event, actor=actor, aggregate_id=project_id, aggregate_seq=1, partner_id=new.partner_id
            ),
        )
    return _project(row), position


async def list_projects(conn: Conn, *, limit: int) -> list[Project]:
    rows = await conn.fetch("SELECT * FROM projects ORDER BY created_at DESC, id LIMIT $1", limit)
    return [_project(r) for r in rows]


def _project(row: asyncpg.Record | None) -> Project:
    assert row is not None
    return msgspec.convert(dict(row), Project)
