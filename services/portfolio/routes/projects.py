"""Projects: create, read, edit, change phase and health, post updates, history, CSV export."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.portfolio import csvio, phases, store
from services.portfolio.domain import (
    NO_NUL,
    HealthChange,
    NewProject,
    NewUpdate,
    ProjectChanges,
    ProjectFilters,
    Tag,
    project_reply,
    status_of,
)
from services.portfolio.routes.common import written
from shared.events import Health, Phase, ProjectHealthChanged, ProjectPhaseChanged
from shared.events import State as ProjectState
from shared.http import ApiError, FieldError, Invalid
from shared.replies.portfolio import HistoryEntry, Page, Project, TimelineEntry, Update
from shared.requests import Caller, Connection, ExpectedVersion, etag, staff_only


class Refusal(ApiError):
    status = 409


# The request field each refusal is about, so a form can put the message beside it.
REFUSAL_FIELDS = {
    "skips_a_phase": "to_phase", "same_phase": "to_phase", "not_forward": "to_phase",
    "not_backward": "to_phase", "target_required": "to_phase", "unexpected_phase": "to_phase",
    "reason_required": "reason",
    "future_date": "effective", "before_start": "effective", "assessment_not_met": "assessment",
    "bad_assessment_link": "assessment_url",
}  # fmt: skip


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class ProjectsController(Controller):
    path = "/api/v1/projects"
    tags = ["projects"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/", guards=[staff_only])
    async def create_project(self, data: JSONBody[NewProject], identity: Caller, conn: Connection) -> Response[Project]:
        project, position = await store.create_project(conn, data, identity.actor)
        return written(project_reply(project), version=project.version, position=position, status=201,
                       location=f"/api/v1/projects/{project.id}")  # fmt: skip

    @get("/")
    async def list_projects(
        self, identity: Caller, conn: Connection,
        partner: FromQuery[uuid.UUID | None] = None, phase: FromQuery[Phase | None] = None, project_state: Annotated[
            ProjectState | None, QueryParameter(name="state")] = None,
        health: FromQuery[Health | None] = None, tag: FromQuery[Tag | None] = None,
        lead: Annotated[str | None, QueryParameter(max_length=100, pattern=NO_NUL)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> Page:  # fmt: skip
        filters = ProjectFilters(partner=partner, phase=phase, state=project_state, health=health, tag=tag, lead=lead)
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
        return [msgspec.convert(dict(r), TimelineEntry) for r in rows]

    @get("/export.csv", media_type="text/csv")
    async def export_csv(self, identity: Caller, conn: Connection) -> Response[str]:
        projects, _ = await store.list_projects(conn, identity, ProjectFilters(), limit=100_000)
        return Response(
            csvio.projects_to_csv(project_reply(p) for p in projects), media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="portfolio.csv"'},
        )  # fmt: skip

    @get("/{project_id:uuid}")
    async def get_project(
        self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
    ) -> Response[Project]:
        project = await store.get_project(conn, project_id, identity)
        return Response(project_reply(project), headers={"ETag": etag(project.version)})

    @patch("/{project_id:uuid}", guards=[staff_only])
    async def edit_project(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[ProjectChanges], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Project]:  # fmt: skip
        project, position = await store.update_project(conn, project_id, data, expected_version, identity.actor)
        return written(project_reply(project), version=project.version, position=position)

    @post("/{project_id:uuid}/phase", status_code=200, guards=[staff_only])
    async def change_phase(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[phases.Transition], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Project]:  # fmt: skip
        async with conn.transaction():
            current = await store.lock_project(conn, project_id, expected_version)
            outcome = phases.decide(status_of(current), data, today())
            if isinstance(outcome, phases.Refused):
                field = REFUSAL_FIELDS.get(outcome.code, "kind")
                error = FieldError(field, outcome.message_en, outcome.message_cy)
                raise Refusal(outcome.message_en, outcome.message_cy, [error], code=outcome.code)
            project, position = await store.save_project(
                conn, project_id, {"phase": outcome.new_phase, "state": outcome.new_state},
                lambda snapshot: ProjectPhaseChanged(
                    project=snapshot, kind=outcome.kind, from_phase=outcome.from_phase, to_phase=outcome.new_phase,
                    from_state=outcome.from_state, to_state=outcome.new_state, effective=outcome.effective,
                    reason=outcome.reason, assessment=outcome.assessment, assessment_url=outcome.assessment_url,
                ),
                identity.actor,
            )  # fmt: skip
        return written(project_reply(project), version=project.version, position=position)

    @post("/{project_id:uuid}/health", status_code=200, guards=[staff_only])
    async def change_health(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[HealthChange], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Project]:  # fmt: skip
        if data.health != "green" and not data.reason.strip():
            raise Invalid([FieldError("reason", "Say why the project is amber or red",
                                      "Dywedwch pam mae'r prosiect yn ambr neu'n goch")])  # fmt: skip
        async with conn.transaction():
            current = await store.lock_project(conn, project_id, expected_version)
            before = current.snapshot.health
            project, position = await store.save_project(
                conn, project_id, {"health": data.health, "health_reason": data.reason},
                lambda snapshot: ProjectHealthChanged(
                    project=snapshot, from_health=before, to_health=data.health, reason=data.reason
                ),
                identity.actor,
            )  # fmt: skip
        return written(project_reply(project), version=project.version, position=position)

    @post("/{project_id:uuid}/updates", guards=[staff_only])
    async def post_update(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewUpdate], identity: Caller, conn: Connection
    ) -> Response[Update]:
        if not (data.body_en.strip() or data.body_cy.strip()):
            message = (
                "Write the update in English, Welsh or both",
                "Ysgrifennwch y diweddariad yn Gymraeg, Saesneg neu'r ddwy",
            )
            raise Invalid([FieldError("body_en", *message), FieldError("body_cy", *message)])
        if data.health is not None and data.health != "green" and not data.health_reason.strip():
            raise Invalid([FieldError("health_reason", "Say why the project is amber or red",
                                      "Dywedwch pam mae'r prosiect yn ambr neu'n goch")])  # fmt: skip
        if data.posted_on is not None and data.posted_on > today():
            raise Invalid([FieldError("posted_on", "The date cannot be in the future",
                                      "Ni all y dyddiad fod yn y dyfodol")])  # fmt: skip
        update, position = await store.post_update(conn, project_id, data, identity.actor, today())
        return Response(update, status_code=201, headers={"X-Event-Position": str(position)})

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
            raise store.Missing
        rows = await store.history(conn, project_id)
        return [HistoryEntry(seq=r["seq"], type=r["type"], occurred_at=r["occurred_at"], actor_id=r["actor_id"],
                             actor_role=r["actor_role"], data=r["data"]) for r in rows]  # fmt: skip
