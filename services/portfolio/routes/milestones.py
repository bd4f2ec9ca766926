"""A project's milestones: anyone who may see the project reads them; delivery leads add, change,
complete and remove them, each change under If-Match on the milestone's own version."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import commands, milestone_store, milestones, store
from services.portfolio.milestones import MilestoneChanges, NewMilestone
from services.portfolio.routes.common import recorded, today, written
from shared.idempotency import idempotent
from shared.replies.portfolio import Milestone
from shared.requests import Caller, Connection, ExpectedVersion, staff_only

ONE = "/{project_id:uuid}/milestones/{milestone_id:uuid}"


@get("/api/v1/milestones", tags=["milestones"])
async def every_milestone(identity: Caller, conn: Connection) -> list[Milestone]:
    """The milestones of every project the caller may see, in target order (for the roadmap)."""
    day = today()
    return [milestones.reply(i, s, v, day) for i, s, v in await milestone_store.visible(conn, identity)]


class MilestonesController(Controller):
    path = "/api/v1/projects"
    tags = ["milestones"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/{project_id:uuid}/milestones")
    async def list_milestones(self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
                              ) -> list[Milestone]:  # fmt: skip
        """In target order; ``overdue`` says which are past their month or day and not done."""
        await store.get_project(conn, project_id, identity)  # 404 unless the caller may see the project
        day = today()
        return [milestones.reply(i, s, v, day) for i, s, v in await milestone_store.of_project(conn, project_id)]

    @idempotent
    @post("/{project_id:uuid}/milestones", guards=[staff_only])
    async def add_milestone(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewMilestone], identity: Caller, conn: Connection
    ) -> Response[Milestone]:
        milestone, position = await commands.add_milestone(conn, identity.actor, project_id, data, today())
        return written(milestone, version=milestone.version, position=position, status=201,
                       location=f"/api/v1/projects/{project_id}/milestones/{milestone.id}")  # fmt: skip

    @patch(ONE, guards=[staff_only])
    async def change_milestone(
        self, project_id: FromPath[uuid.UUID], milestone_id: FromPath[uuid.UUID], data: JSONBody[MilestoneChanges],
        identity: Caller, conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Milestone]:  # fmt: skip
        milestone, position = await commands.change_milestone(
            conn, identity.actor, project_id, milestone_id, data, expected_version, today()
        )
        return written(milestone, version=milestone.version, position=position)

    @idempotent
    @post(ONE + "/complete", status_code=200, guards=[staff_only])
    async def complete_milestone(
        self, project_id: FromPath[uuid.UUID], milestone_id: FromPath[uuid.UUID], identity: Caller,
        conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Milestone]:  # fmt: skip
        milestone, position = await commands.complete_milestone(
            conn, identity.actor, project_id, milestone_id, expected_version, today()
        )
        return written(milestone, version=milestone.version, position=position)

    @delete(ONE, status_code=204, guards=[staff_only])
    async def remove_milestone(
        self, project_id: FromPath[uuid.UUID], milestone_id: FromPath[uuid.UUID], identity: Caller,
        conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[None]:  # fmt: skip
        position = await commands.remove_milestone(conn, identity.actor, project_id, milestone_id, expected_version)
        return recorded(None, position=position, status=204)
