"""Portfolio SQL for partners and projects. Every write stores its row and its event in one
transaction; a project's ``version`` is its event sequence, so ``aggregate_seq`` = new version."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec

from services.portfolio.domain import (
    NewPartner,
    NewProject,
    NewUpdate,
    PartnerChanges,
    ProjectChanges,
    ProjectFilters,
    ProjectRecord,
    changed_fields,
)
from shared import outbox
from shared.events import (
    Actor,
    EventData,
    PartnerRegistered,
    PartnerSnapshot,
    PartnerUpdated,
    ProjectCreated,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    make_envelope,
)
from shared.identity import Identity
from shared.replies.portfolio import Partner, Update

if TYPE_CHECKING:
    from shared.db import Conn


class SlugTaken(Exception):
    pass


class UnknownPartner(Exception):
    pass


class Missing(Exception):
    """No such record, or the caller may not see it (the two must look the same)."""


class StaleVersion(Exception):
    pass


async def emit(
    conn: Conn, data: EventData, *, actor: Actor, aggregate_id: uuid.UUID, seq: int,
    partner_id: uuid.UUID | None,
) -> int:  # fmt: skip
    envelope = make_envelope(data, actor=actor, aggregate_id=aggregate_id, aggregate_seq=seq, partner_id=partner_id)
    return await outbox.append(conn, envelope)


# Who may see what. $1 = role, $2 = the caller's partner id. Staff see everything; a partner also
# sees its own organisation's partner-visible projects; everyone sees public ones.
VISIBLE = """(visibility = 'public' OR $1 IN ('admin', 'lead')
    OR ($1 = 'partner' AND visibility = 'partner' AND partner_id = $2))"""


# Partners ---------------------------------------------------------------------------------------


def partner_snapshot(row: asyncpg.Record) -> PartnerSnapshot:
    return msgspec.convert({k: row[k] for k in PartnerSnapshot.__struct_fields__}, PartnerSnapshot)


async def register_partner(conn: Conn, new: NewPartner, actor: Actor) -> tuple[Partner, int]:
    partner_id = uuid.uuid4()
    async with conn.transaction():
        try:
            row = await conn.fetchrow(
                """INSERT INTO partners (id, slug, name_en, name_cy, kind, website, active)
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
                partner_id, new.slug, new.name_en, new.name_cy, new.kind, new.website, new.active,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise SlugTaken(new.slug) from exc
        assert row is not None
        position = await emit(
            conn, PartnerRegistered(partner=partner_snapshot(row)), actor=actor, aggregate_id=partner_id,
            seq=1, partner_id=partner_id,
        )  # fmt: skip
    return _partner(row), position


async def update_partner(
    conn: Conn, partner_id: uuid.UUID, changes: PartnerChanges, version: int, actor: Actor
) -> tuple[Partner, int | None]:
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM partners WHERE id = $1 FOR UPDATE", partner_id)
        if row is None:
            raise Missing
        if row["version"] != version:
            raise StaleVersion
        changed = changed_fields(dict(row), changes)
        if not changed:
            return _partner(row), None
        assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(changed, start=2))
        row = await conn.fetchrow(
            f"UPDATE partners SET {assignments}, version = version + 1 WHERE id = $1 RETURNING *",
            partner_id, *changed.values(),
        )  # fmt: skip
        assert row is not None
        position = await emit(
            conn, PartnerUpdated(partner=partner_snapshot(row), changed=list(changed)), actor=actor,
            aggregate_id=partner_id, seq=row["version"], partner_id=partner_id,
        )  # fmt: skip
    return _partner(row), position


async def get_partner(conn: Conn, partner_id: uuid.UUID) -> Partner:
    row = await conn.fetchrow("SELECT * FROM partners WHERE id = $1", partner_id)
    if row is None:
        raise Missing
    return _partner(row)


async def list_partners(conn: Conn, *, include_inactive: bool) -> list[Partner]:
    rows = await conn.fetch("SELECT * FROM partners WHERE active OR $1 ORDER BY name_en", include_inactive)
    return [_partner(r) for r in rows]


def _partner(row: asyncpg.Record) -> Partner:
    return msgspec.convert({k: row[k] for k in Partner.__struct_fields__}, Partner)


# Projects ---------------------------------------------------------------------------------------


def project_snapshot(row: asyncpg.Record) -> ProjectSnapshot:
    return msgspec.convert({k: row[k] for k in ProjectSnapshot.__struct_fields__}, ProjectSnapshot)


async def create_project(conn: Conn, new: NewProject, actor: Actor) -> tuple[ProjectRecord, int]:
    """Insert the project and its ``portfolio.project.created`` event; returns (project, position)."""
    project_id = uuid.uuid4()
    lead = new.lead_id or (actor.id if actor.role == "lead" else None)
    async with conn.transaction():
        try:
            row = await conn.fetchrow(
                """
                INSERT INTO projects (id, slug, partner_id, title_en, title_cy, summary_en, summary_cy,
                                      lead_id, phase, health, health_reason, visibility, tags, start_date)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                RETURNING *
                """,
                project_id, new.slug, new.partner_id, new.title_en, new.title_cy, new.summary_en,
                new.summary_cy, lead, new.phase, new.health, new.health_reason, new.visibility,
                list(new.tags), new.start_date,
            )  # fmt: skip
        except asyncpg.UniqueViolationError as exc:
            raise SlugTaken(new.slug) from exc
        except asyncpg.ForeignKeyViolationError as exc:
            raise UnknownPartner from exc
        assert row is not None
        position = await emit(
            conn, ProjectCreated(project=project_snapshot(row)), actor=actor, aggregate_id=project_id,
            seq=1, partner_id=new.partner_id,
        )  # fmt: skip
    return _project(row), position


async def lock_project(conn: Conn, project_id: uuid.UUID, version: int | None) -> ProjectRecord:
    """Lock the row for a change; ``version`` is the caller's If-Match (None: not checked)."""
    row = await conn.fetchrow("SELECT * FROM projects WHERE id = $1 FOR UPDATE", project_id)
    if row is None:
        raise Missing
    if version is not None and row["version"] != version:
        raise StaleVersion
    return _project(row)


async def save_project(
    conn: Conn, project_id: uuid.UUID, fields: dict[str, Any], make_event: Any, actor: Actor
) -> tuple[ProjectRecord, int]:
    """Apply ``fields`` to a locked project, bump its version and emit ``make_event(snapshot)``."""
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(fields, start=2))
    separator = ", " if assignments else ""
    try:
        row = await conn.fetchrow(
            f"UPDATE projects SET {assignments}{separator}version = version + 1, updated_at = now() "
            "WHERE id = $1 RETURNING *",
            project_id, *fields.values(),
        )  # fmt: skip
    except asyncpg.ForeignKeyViolationError as exc:
        raise UnknownPartner from exc
    assert row is not None
    position = await emit(
        conn, make_event(project_snapshot(row)), actor=actor, aggregate_id=project_id, seq=row["version"],
        partner_id=row["partner_id"],
    )  # fmt: skip
    return _project(row), position


async def update_project(
    conn: Conn, project_id: uuid.UUID, changes: ProjectChanges, version: int, actor: Actor
) -> tuple[ProjectRecord, int | None]:
    async with conn.transaction():
        project = await lock_project(conn, project_id, version)
        changed = changed_fields(msgspec.structs.asdict(project.snapshot), changes)
        if not changed:
            return project, None
        return await save_project(
            conn, project_id, changed, lambda p: ProjectUpdated(project=p, changed=list(changed)), actor
        )


async def post_update(
    conn: Conn, project_id: uuid.UUID, new: NewUpdate, actor: Actor, today: dt.date
) -> tuple[Update, int]:
    update_id = uuid.uuid4()
    posted_on = new.posted_on or today
    async with conn.transaction():
        project = await lock_project(conn, project_id, None)
        fields: dict[str, Any] = {}
        if new.health is not None and new.health != project.snapshot.health:
            fields = {"health": new.health, "health_reason": new.health_reason}
        update = await conn.fetchrow(
            """INSERT INTO project_updates (id, project_id, posted_on, author_id, body_en, body_cy, health)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            update_id, project_id, posted_on, actor.id, new.body_en, new.body_cy, new.health,
        )  # fmt: skip
        _, position = await save_project(
            conn, project_id, fields,
            lambda p: ProjectUpdatePosted(
                project=p, update_id=update_id, posted_on=posted_on, body_en=new.body_en, body_cy=new.body_cy
            ),
            actor,
        )  # fmt: skip
    return msgspec.convert(dict(update or {}), Update), position


async def get_project(conn: Conn, project_id: uuid.UUID, viewer: Identity) -> ProjectRecord:
    row = await conn.fetchrow(
        f"SELECT * FROM projects WHERE id = $3 AND {VISIBLE}", viewer.role, viewer.partner_id, project_id
    )
    if row is None:
        raise Missing
    return _project(row)


def encode_cursor(created_at: dt.datetime, project_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{project_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    """Raises ValueError for a cursor we did not make."""
    created_at, _, project_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
    moment = dt.datetime.fromisoformat(created_at)
    if moment.tzinfo is None:
        raise ValueError("a cursor's time must have a time zone")
    try:  # in UTC here, as the driver would: a forged time near year 1 or 9999 must not overflow there
        moment = moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("cursor time out of range") from exc
    return moment, uuid.UUID(project_id)


async def list_projects(
    conn: Conn, viewer: Identity, filters: ProjectFilters, *, limit: int, cursor: str | None = None
) -> tuple[list[ProjectRecord], str | None]:
    """Newest first, keyset-paginated: a page never repeats or skips rows as others are added."""
    after = decode_cursor(cursor) if cursor else None
    rows = await conn.fetch(
        f"""
        SELECT * FROM projects
        WHERE {VISIBLE}
          AND ($3::uuid IS NULL OR partner_id = $3) AND ($4::text IS NULL OR phase = $4)
          AND ($5::text IS NULL OR state = $5) AND ($6::text IS NULL OR health = $6)
          AND ($7::text IS NULL OR $7 = ANY (tags)) AND ($8::text IS NULL OR lead_id = $8)
          AND ($9::timestamptz IS NULL OR (created_at, id) < ($9, $10))
        ORDER BY created_at DESC, id DESC
        LIMIT $11
        """,
        viewer.role, viewer.partner_id, filters.partner, filters.phase, filters.state, filters.health,
        filters.tag, filters.lead, after[0] if after else None, after[1] if after else None, limit + 1,
    )  # fmt: skip
    projects = [_project(r) for r in rows[:limit]]
    more = len(rows) > limit
    return projects, encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if more else None


async def list_updates(conn: Conn, project_id: uuid.UUID) -> list[Update]:
    rows = await conn.fetch(
        "SELECT * FROM project_updates WHERE project_id = $1 ORDER BY posted_on DESC, created_at DESC",
        project_id,
    )
    return [msgspec.convert({k: r[k] for k in Update.__struct_fields__}, Update) for r in rows]


async def history(conn: Conn, aggregate_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT aggregate_seq AS seq, type, occurred_at, actor_id, actor_role, data FROM events "
        "WHERE aggregate_id = $1 ORDER BY aggregate_seq",
        aggregate_id,
    )
    return rows


async def timelines(conn: Conn, viewer: Identity) -> list[asyncpg.Record]:
    """The phase history of every project the viewer may see: creation and phase changes only,
    without who made them (that is the audit trail's business), for charts."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""
        SELECT e.aggregate_id AS project_id, e.aggregate_seq AS seq, e.type, e.occurred_at,
               jsonb_build_object(
                   'kind', e.data -> 'kind', 'from_phase', e.data -> 'from_phase', 'to_phase', e.data -> 'to_phase',
                   'effective', e.data -> 'effective',
                   'project', jsonb_build_object('phase', e.data -> 'project' -> 'phase',
                                                 'start_date', e.data -> 'project' -> 'start_date')
               ) AS data
        FROM events e
        WHERE e.type IN ('portfolio.project.created', 'portfolio.project.phase_changed')
          AND e.aggregate_id IN (SELECT id FROM projects WHERE {VISIBLE})
        ORDER BY e.aggregate_id, e.aggregate_seq
        """,
        viewer.role, viewer.partner_id,
    )  # fmt: skip
    return rows


def _project(row: asyncpg.Record) -> ProjectRecord:
    return ProjectRecord(
        id=row["id"], snapshot=project_snapshot(row), version=row["version"], created_at=row["created_at"],
        updated_at=row["updated_at"],
    )  # fmt: skip
