"""Portfolio SQL for partners and projects: plain, parameterised statements, one function each.

No rules here: the commands (``commands.py``) decide and make the events; these functions read
and write rows (``write_project`` writes a change and the event the command made in one
statement). A constraint the database enforces comes back as the bilingual error that names the
field (``SlugTaken``, ``UnknownPartner``), so every caller reports it the same way.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

import asyncpg
import msgspec

from services.portfolio.domain import NewPartner, NewProject, NewUpdate, ProjectFilters, ProjectRecord
from shared import bilingual, outbox
from shared.bilingual import Bilingual
from shared.events import Envelope, ProjectSnapshot
from shared.http import Conflict, FieldError, Invalid, NotFound
from shared.identity import Identity
from shared.replies.portfolio import Partner, RoadmapPlacement, Update

if TYPE_CHECKING:
    from shared.db import Conn


class Missing(NotFound):
    """No such record, or the caller may not see it (the two must look the same)."""


class SlugTaken(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "That slug is already used", "Mae'r slug hwnnw'n cael ei ddefnyddio eisoes",
            [FieldError("slug", "This slug is already used", "Mae'r slug hwn yn cael ei ddefnyddio eisoes")],
        )  # fmt: skip


class UnknownPartner(Invalid):
    def __init__(self) -> None:
        super().__init__(
            [FieldError("partner_id", "There is no partner with this id", "Nid oes partner gyda'r id hwn")]
        )


# Who may see what. $1 = role, $2 = the caller's partner id. Staff see everything; a partner also
# sees its own organisation's partner-visible projects; everyone sees public ones.
VISIBLE = """(visibility = 'public' OR $1 IN ('admin', 'lead')
    OR ($1 = 'partner' AND visibility = 'partner' AND partner_id = $2))"""

# The columns a change may set: names are put into SQL, so only these are accepted.
PARTNER_COLUMNS = frozenset(("name_en", "name_cy", "kind", "website", "active"))
PROJECT_BILINGUAL = frozenset(("health_reason",))
"""The project's fields that are text people wrote: two columns each (``shared.bilingual``)."""
PROJECT_COLUMNS = frozenset(ProjectSnapshot.__struct_fields__) - {"slug"} - PROJECT_BILINGUAL | {
    column for field in PROJECT_BILINGUAL for column in bilingual.columns(field)
}


def _columns(fields: Mapping[str, object]) -> dict[str, object]:
    """The fields to set as columns: a ``Bilingual`` value goes into its two."""
    columns: dict[str, object] = {}
    for name, value in fields.items():
        if isinstance(value, Bilingual):
            en, cy = bilingual.columns(name)
            columns |= {en: value.en, cy: value.cy}
        else:
            columns[name] = value
    return columns


def _assignments(fields: Mapping[str, object], allowed: frozenset[str], first: int = 2) -> str:
    """``a = $2, b = $3, `` for the fields to set (by default $1 is the row's id)."""
    unknown = fields.keys() - allowed
    if unknown:
        raise ValueError(f"not a column a change may set: {sorted(unknown)}")
    return "".join(f"{name} = ${i}, " for i, name in enumerate(fields, start=first))


# Partners ---------------------------------------------------------------------------------------


async def insert_partner(conn: Conn, partner_id: uuid.UUID, new: NewPartner) -> Partner:
    try:
        row = await conn.fetchrow(
            """INSERT INTO partners (id, slug, name_en, name_cy, kind, website, active)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            partner_id, new.slug, new.name_en, new.name_cy, new.kind, new.website, new.active,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise SlugTaken() from None
    return _partner(row)


async def lock_partner(conn: Conn, partner_id: uuid.UUID) -> Partner:
    """The partner, its row locked until the transaction ends."""
    return _partner(await conn.fetchrow("SELECT * FROM partners WHERE id = $1 FOR UPDATE", partner_id))


async def update_partner(conn: Conn, partner_id: uuid.UUID, fields: Mapping[str, object]) -> Partner:
    """Set ``fields`` and count one more version."""
    row = await conn.fetchrow(
        f"UPDATE partners SET {_assignments(fields, PARTNER_COLUMNS)}version = version + 1 WHERE id = $1 RETURNING *",
        partner_id, *fields.values(),
    )  # fmt: skip
    return _partner(row)


async def get_partner(conn: Conn, partner_id: uuid.UUID) -> Partner:
    return _partner(await conn.fetchrow("SELECT * FROM partners WHERE id = $1", partner_id))


async def list_partners(conn: Conn, *, include_inactive: bool) -> list[Partner]:
    rows = await conn.fetch("SELECT * FROM partners WHERE active OR $1 ORDER BY name_en", include_inactive)
    return [_partner(r) for r in rows]


def _partner(row: asyncpg.Record | None) -> Partner:
    if row is None:
        raise Missing()
    return msgspec.convert({k: row[k] for k in Partner.__struct_fields__}, Partner)


# Projects ---------------------------------------------------------------------------------------


async def insert_project(
    conn: Conn, project_id: uuid.UUID, new: NewProject, lead_id: str | None, health_reason: Bilingual
) -> ProjectRecord:
    try:
        row = await conn.fetchrow(
            """
            INSERT INTO projects (id, slug, partner_id, title_en, title_cy, summary_en, summary_cy,
                                  lead_id, phase, health, health_reason_en, health_reason_cy, visibility, tags,
                                  start_date, wellbeing_goals)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            RETURNING *
            """,
            project_id, new.slug, new.partner_id, new.title_en, new.title_cy, new.summary_en,
            new.summary_cy, lead_id, new.phase, new.health, health_reason.en, health_reason.cy, new.visibility,
            list(new.tags), new.start_date, list(new.wellbeing_goals),
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise SlugTaken() from None
    except asyncpg.ForeignKeyViolationError:
        raise UnknownPartner() from None
    return _project(row)


async def lock_project(conn: Conn, project_id: uuid.UUID) -> ProjectRecord:
    """The project, its row locked until the transaction ends: changes to one project queue here,
    which also keeps its events in ``aggregate_seq`` order in the outbox."""
    return _project(await conn.fetchrow("SELECT * FROM projects WHERE id = $1 FOR UPDATE", project_id))


async def update_project(conn: Conn, project_id: uuid.UUID, fields: Mapping[str, object]) -> ProjectRecord:
    """Set ``fields`` (none at all is fine) and count one more version."""
    fields = _columns(fields)
    try:
        row = await conn.fetchrow(
            f"UPDATE projects SET {_assignments(fields, PROJECT_COLUMNS)}version = version + 1, updated_at = now() "
            "WHERE id = $1 RETURNING *",
            project_id, *fields.values(),
        )  # fmt: skip
    except asyncpg.ForeignKeyViolationError:
        raise UnknownPartner() from None
    return _project(row)


class Read(msgspec.Struct, frozen=True):
    """A project's row as read or written, with its ``xmin``: the transaction that wrote that row
    version. Every change of the row, ours or anyone's (a migration's too, which counts no version),
    makes a new row version with another ``xmin``, so a write made on condition of the ``xmin`` it
    read cannot overwrite what it did not see."""

    project: ProjectRecord
    xmin: int


class Recent:
    """The projects this process last read (a project's page) or wrote for a change, so that the next
    change of one needs no read first (one round trip, not two): the web reads a project, then
    changes it; a lead changes one project several times in a row. What is kept may be out of date (another replica
    changed the project, a transaction rolled back); a write on condition of its ``xmin`` then
    writes nothing, and the change is made again on the project as read."""

    SIZE = 1024

    def __init__(self) -> None:
        self._reads: dict[uuid.UUID, Read] = {}

    def get(self, project_id: uuid.UUID) -> Read | None:
        return self._reads.get(project_id)

    def keep(self, read: Read) -> None:
        self._reads.pop(read.project.id, None)
        self._reads[read.project.id] = read
        if len(self._reads) > self.SIZE:  # forget the one kept longest ago
            del self._reads[next(iter(self._reads))]


async def read_for_change(conn: Conn, project_id: uuid.UUID) -> Read:
    """The project whoever asks, with its row's ``xmin``, for a change on condition of it."""
    row = await conn.fetchrow("SELECT *, xmin AS row_xmin FROM projects WHERE id = $1", project_id)
    project = _project(row)  # Missing for no such project
    assert row is not None
    return Read(project, int(row["row_xmin"]))


async def write_project(
    conn: Conn, current: Read, fields: Mapping[str, object], envelope: Envelope
) -> tuple[Read, int] | None:
    """Set ``fields`` on the project if its row is still the one ``current`` read (its version and
    ``xmin``), counting one more version, and append its event, in one statement
    (``outbox.append_with``); returns the project as written and the event's position, or None if the
    row changed since ``current`` was read."""
    fields = _columns(fields)
    row = await outbox.append_with(
        conn,
        f"UPDATE projects SET {_assignments(fields, PROJECT_COLUMNS, first=4)}version = version + 1, "
        "updated_at = now() WHERE id = $1 AND version = $2 AND xmin = $3::xid RETURNING *, xmin AS row_xmin",
        [current.project.id, current.project.version, current.xmin, *fields.values()],
        envelope,
    )
    if row is None:
        return None
    return Read(_project(row), int(row["row_xmin"])), row["outbox_position"]


async def insert_update(
    conn: Conn, update_id: uuid.UUID, project_id: uuid.UUID, posted_on: dt.date, author_id: str, new: NewUpdate
) -> Update:
    row = await conn.fetchrow(
        """INSERT INTO project_updates (id, project_id, posted_on, author_id, body_en, body_cy, health)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
        update_id, project_id, posted_on, author_id, new.body_en, new.body_cy, new.health,
    )  # fmt: skip
    return _update(row)


async def get_project(
    conn: Conn, project_id: uuid.UUID, viewer: Identity, *, recent: Recent | None = None
) -> ProjectRecord:
    """The project if the viewer may see it (else Missing); kept in ``recent`` if given, as the
    project a change may come for next (a lead reads a project, then changes it)."""
    row = await conn.fetchrow(
        f"SELECT *, xmin AS row_xmin FROM projects WHERE id = $3 AND {VISIBLE}", viewer.role, viewer.partner_id,
        project_id,
    )  # fmt: skip
    return _kept(row, recent)


async def get_project_by_slug(
    conn: Conn, slug: str, viewer: Identity, *, recent: Recent | None = None
) -> ProjectRecord:
    row = await conn.fetchrow(
        f"SELECT *, xmin AS row_xmin FROM projects WHERE slug = $3 AND {VISIBLE}", viewer.role, viewer.partner_id,
        slug,
    )  # fmt: skip
    return _kept(row, recent)


def _kept(row: asyncpg.Record | None, recent: Recent | None) -> ProjectRecord:
    project = _project(row)  # Missing for no such project, or one the viewer may not see
    if recent is not None:
        assert row is not None
        recent.keep(Read(project, int(row["row_xmin"])))
    return project


async def read_project(conn: Conn, project_id: uuid.UUID) -> ProjectRecord:
    """The project whoever asks: for a command that has already checked who may act on it."""
    return _project(await conn.fetchrow("SELECT * FROM projects WHERE id = $1", project_id))


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
          AND ($12::text IS NULL OR $12 = ANY (wellbeing_goals))
        ORDER BY created_at DESC, id DESC
        LIMIT $11
        """,
        viewer.role, viewer.partner_id, filters.partner, filters.phase, filters.state, filters.health,
        filters.tag, filters.lead, after[0] if after else None, after[1] if after else None, limit + 1,
        filters.goal,
    )  # fmt: skip
    projects = [_project(r) for r in rows[:limit]]
    more = len(rows) > limit
    return projects, encode_cursor(rows[limit - 1]["created_at"], rows[limit - 1]["id"]) if more else None


async def list_updates(conn: Conn, project_id: uuid.UUID) -> list[Update]:
    rows = await conn.fetch(
        "SELECT * FROM project_updates WHERE project_id = $1 ORDER BY posted_on DESC, created_at DESC",
        project_id,
    )
    return [_update(r) for r in rows]


async def last_change(conn: Conn, project_id: uuid.UUID, version: int) -> asyncpg.Record | None:
    """The event that made the project's current version (its type, phase-change kind, time)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT type, data->>'kind' AS kind, occurred_at FROM events WHERE aggregate_id = $1 AND aggregate_seq = $2",
        project_id, version,
    )  # fmt: skip
    return row


async def history(conn: Conn, aggregate_id: uuid.UUID) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "SELECT aggregate_seq AS seq, type, version, occurred_at, actor_id, actor_role, data FROM events "
        "WHERE aggregate_id = $1 ORDER BY aggregate_seq",
        aggregate_id,
    )
    return rows


async def timelines(conn: Conn, viewer: Identity) -> list[asyncpg.Record]:
    """The phase history of every project the viewer may see: creation and phase changes only,
    without who made them (that is the audit trail's business), for charts."""
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""
        SELECT e.aggregate_id AS project_id, e.aggregate_seq AS seq, e.type, e.version, e.occurred_at,
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


def _project(row: asyncpg.Record | None) -> ProjectRecord:
    if row is None:
        raise Missing()
    fields = ProjectSnapshot.__struct_fields__
    snapshot = msgspec.convert(
        {k: bilingual.from_row(row, k) if k in PROJECT_BILINGUAL else row[k] for k in fields}, ProjectSnapshot
    )
    return ProjectRecord(
        id=row["id"], snapshot=snapshot, version=row["version"], created_at=row["created_at"],
        updated_at=row["updated_at"], roadmap=_placement(row),
    )  # fmt: skip


def _placement(row: asyncpg.Record) -> RoadmapPlacement | None:
    if not row.get("roadmap_column"):
        return None
    return RoadmapPlacement(
        column=row["roadmap_column"], reason=bilingual.from_row(dict(row), "roadmap_reason"),
        phase=row["roadmap_phase"], state=row["roadmap_state"], placed_on=row["roadmap_placed_on"],
    )  # fmt: skip


async def place_on_roadmap(
    conn: Conn, project_id: uuid.UUID, column: str | None, reason: bilingual.Bilingual, on: dt.date
) -> ProjectRecord:
    """Place the project in ``column`` for the phase and state it has now (None: the rule places
    it again), and count one more version."""
    row = await conn.fetchrow(
        """UPDATE projects SET roadmap_column = $2, roadmap_reason_en = $3, roadmap_reason_cy = $4,
               roadmap_phase = CASE WHEN $2::text IS NULL THEN NULL ELSE phase END,
               roadmap_state = CASE WHEN $2::text IS NULL THEN NULL ELSE state END,
               roadmap_placed_on = CASE WHEN $2::text IS NULL THEN NULL ELSE $5::date END,
               version = version + 1, updated_at = now()
           WHERE id = $1 RETURNING *""",
        project_id, column, reason.en if column else "", reason.cy if column else "", on,
    )  # fmt: skip
    return _project(row)


def _update(row: asyncpg.Record | None) -> Update:
    assert row is not None  # an INSERT … RETURNING or a row just read
    return msgspec.convert({k: row[k] for k in Update.__struct_fields__}, Update)
