"""Projects: create, read, edit, change phase and health, post updates, history, CSV export."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter

from services.portfolio import commands, csvio, phases, store
from services.portfolio.domain import (
    NO_NUL,
    SLUG,
    HealthChange,
    NewProject,
    NewUpdate,
    ProjectChanges,
    ProjectFilters,
    ProjectRecord,
    RoadmapPlacementIn,
    Tag,
    WellbeingGoal,
    project_reply,
    translated_reasons,
)
from services.portfolio.routes.common import recorded, today, written
from shared.events import Health, Phase, upcast
from shared.events import State as ProjectState
from shared.http import FieldError, Invalid
from shared.idempotency import idempotent
from shared.replies.portfolio import HistoryEntry, LastChange, Page, Project, TimelineEntry, Update
from shared.requests import Caller, Connection, ExpectedVersion, etag, staff_only


async def one_project(conn: Connection, project: ProjectRecord) -> Project:
    """One project's answer: with what changed it last (a project page says so)."""
    row = await store.last_change(conn, project.id, project.version)
    kind = row["kind"] if row is not None and row["type"] == "portfolio.project.phase_changed" else None
    last = LastChange(type=row["type"], kind=kind, at=row["occurred_at"]) if row is not None else None
    return msgspec.structs.replace(project_reply(project), last_change=last)


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @idempotent
    @post("/", guards=[staff_only])
    async def create_project(self, data: JSONBody[NewProject], identity: Caller, conn: Connection) -> Response[Project]:
        project, position = await commands.create_project(conn, identity.actor, data)
        return written(project, version=project.version, position=position, status=201,
                       location=f"/api/v1/projects/{project.id}")  # fmt: skip

    @get("/")
    async def list_projects(
        self, identity: Caller, conn: Connection,
        partner: FromQuery[uuid.UUID | None] = None, phase: FromQuery[Phase | None] = None, project_state: Annotated[
            ProjectState | None, QueryParameter(name="state")] = None,
        health: FromQuery[Health | None] = None, tag: FromQuery[Tag | None] = None,
        lead: Annotated[str | None, QueryParameter(max_length=100, pattern=NO_NUL)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50, goal: FromQuery[WellbeingGoal | None] = None,
    ) -> Page:  # fmt: skip
        """``goal``: only projects that serve this wellbeing goal."""
        filters = ProjectFilters(partner=partner, phase=phase, state=project_state, health=health, tag=tag, lead=lead,
                                 goal=goal)  # fmt: skip
        try:
            items, next_cursor = await store.list_projects(conn, identity, filters, limit=limit, cursor=cursor)
        except ValueError:
            raise Invalid(
                [FieldError("cursor", "This cursor is not valid", "Nid yw'r cyrchwr hwn yn ddilys")]
            ) from None
        return Page(items=[project_reply(p) for p in items], next_cursor=next_cursor)

    @get("/timelines")
    async def timelines(self, identity: Caller, conn: Connection) -> list[TimelineEntry]:
        """Creation and phase changes of every visible project, in one call (for the dashboard charts)."""
        rows = await store.timelines(conn, identity)
        return [TimelineEntry(project_id=r["project_id"], seq=r["seq"], type=r["type"], occurred_at=r["occurred_at"],
                              data=upcast(r["type"], r["version"], r["data"])[1]) for r in rows]  # fmt: skip

    @get("/export.csv", media_type="text/csv")
    async def export_csv(self, identity: Caller, conn: Connection) -> Response[str]:
        projects, _ = await store.list_projects(conn, identity, ProjectFilters(), limit=100_000)
        return Response(
            csvio.projects_to_csv(project_reply(p) for p in projects), media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="portfolio.csv"'},
        )  # fmt: skip

    @get("/{project_id:uuid}")
    async def get_project(
        self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection, state: State
    ) -> Response[Project]:
        project = await store.get_project(conn, project_id, identity, recent=state.recent_projects)
        return Response(await one_project(conn, project), headers={"ETag": etag(project.version)})

    @get("/by-slug/{slug:str}")
    async def get_project_by_slug(
        self, slug: Annotated[str, Parameter(max_length=80, pattern=SLUG)], identity: Caller, conn: Connection,
        state: State,
    ) -> Response[Project]:  # fmt: skip
        """The same answer as by id: a project's web address is its slug, which never changes."""
        project = await store.get_project_by_slug(conn, slug, identity, recent=state.recent_projects)
        return Response(await one_project(conn, project), headers={"ETag": etag(project.version)})

    @patch("/{project_id:uuid}", guards=[staff_only])
    async def edit_project(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[ProjectChanges], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Project]:  # fmt: skip
        project, position = await commands.edit_project(conn, identity.actor, project_id, data, expected_version)
        return written(project, version=project.version, position=position)

    @idempotent
    @post("/{project_id:uuid}/phase", status_code=200, guards=[staff_only])
    async def change_phase(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[phases.Transition], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion, state: State,
    ) -> Response[Project]:  # fmt: skip
        rule = state.runtime.settings.gate_rule
        project, position = await commands.change_phase(
            conn, identity.actor, project_id, data, expected_version, today(), gate_rule=rule,
            recent=state.recent_projects,
        )  # fmt: skip
        return written(project, version=project.version, position=position)

    @idempotent
    @post("/{project_id:uuid}/health", status_code=200, guards=[staff_only])
    async def change_health(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[HealthChange], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion, state: State,
    ) -> Response[Project]:  # fmt: skip
        project, position = await commands.change_health(
            conn, identity.actor, project_id, data, expected_version, recent=state.recent_projects
        )
        return written(project, version=project.version, position=position)

    @idempotent
    @post("/{project_id:uuid}/roadmap", status_code=200, guards=[staff_only])
    async def place_on_roadmap(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[RoadmapPlacementIn], identity: Caller,
        conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Project]:  # fmt: skip
        """Place the project in a roadmap column with a reason (Welsh, English or both), or give it back
        to the roadmap's rule (``column`` null). It holds while the project keeps its phase and state."""
        project, position = await commands.place_on_roadmap(conn, identity.actor, project_id, data,
                                                            expected_version, today())  # fmt: skip
        return written(project, version=project.version, position=position)

    @idempotent
    @post("/{project_id:uuid}/updates", guards=[staff_only])
    async def post_update(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewUpdate], identity: Caller, conn: Connection
    ) -> Response[Update]:
        update, position = await commands.post_update(conn, identity.actor, project_id, data, today())
        return recorded(update, position=position, status=201)

    @get("/{project_id:uuid}/updates")
    async def list_updates(self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection) -> list[Update]:
        await store.get_project(conn, project_id, identity)  # 404 unless the caller may see it
        return await store.list_updates(conn, project_id)

    @get("/{project_id:uuid}/history")
    async def history(self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection) -> list[HistoryEntry]:
        """The audit trail: every event of the project, with who did it. Staff and the project's partner."""
        project = await store.get_project(conn, project_id, identity)
        its_partner = identity.role == "partner" and identity.partner_id == project.snapshot.partner_id
        if not (identity.is_staff or its_partner):
            raise store.Missing()
        rows = await store.history(conn, project_id)
        return translated_reasons([
            HistoryEntry(seq=r["seq"], type=r["type"], occurred_at=r["occurred_at"], actor_id=r["actor_id"],
                         actor_role=r["actor_role"], data=upcast(r["type"], r["version"], r["data"])[1])
            for r in rows
        ])  # fmt: skip
