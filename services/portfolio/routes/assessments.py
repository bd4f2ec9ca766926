"""Assessments against the Digital Service Standards for Wales: drafted, submitted, published, read."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get, patch, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from services.portfolio import assessment_store, assessments, commands, store
from services.portfolio.assessments import ActionClosing, AssessmentChanges, NewAction, NewAssessment
from services.portfolio.routes.common import today, written
from shared.http import Unauthorised
from shared.idempotency import idempotent
from shared.replies.portfolio import Action, Assessment, AssessmentSummary
from shared.requests import Caller, Connection, ExpectedVersion, identity_of, staff_only

Status = Literal["draft", "submitted", "published"]
ActionState = Literal["open", "done", "dropped"]


async def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the public reads published assessments, and changes none (401 before anything else)."""
    if identity_of(connection).role == "public":
        raise Unauthorised()


class AssessmentsController(Controller):
    path = "/api/v1"
    tags = ["assessments"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @idempotent
    @post("/projects/{project_id:uuid}/assessments", guards=[signed_in])
    async def draft_assessment(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewAssessment], identity: Caller, conn: Connection
    ) -> Response[Assessment]:
        """Start an assessment at a gate. Staff: any kind; the project's partner: a team self-assessment."""
        assessment, position = await commands.draft_assessment(conn, identity, project_id, data, today())
        return written(assessment, version=assessment.version, position=position, status=201,
                       location=f"/api/v1/assessments/{assessment.id}")  # fmt: skip

    @get("/projects/{project_id:uuid}/assessments")
    async def project_assessments(
        self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
    ) -> list[Assessment | AssessmentSummary]:
        """The project's assessments the caller may read: in full, or (published, for anyone) as a summary."""
        await store.get_project(conn, project_id, identity)  # 404 unless the caller may see the project
        records = await assessment_store.listed(conn, identity, project_id=project_id)
        return [assessments.reply_for(identity, r) for r in records]

    @get("/assessments")
    async def list_assessments(
        self, identity: Caller, conn: Connection, status: FromQuery[Status | None] = None
    ) -> list[Assessment | AssessmentSummary]:
        """Every assessment the caller may read, newest first (for the gates view and the heat map)."""
        records = await assessment_store.listed(conn, identity, status=status)
        return [assessments.reply_for(identity, r) for r in records]

    @get("/assessments/{assessment_id:uuid}")
    async def get_assessment(
        self, assessment_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
    ) -> Response[Assessment | AssessmentSummary]:
        record = await assessment_store.get(conn, assessment_id, identity)
        return written(assessments.reply_for(identity, record), version=record.version, position=None)

    @patch("/assessments/{assessment_id:uuid}", guards=[signed_in])
    async def edit_assessment(
        self, assessment_id: FromPath[uuid.UUID], data: JSONBody[AssessmentChanges], identity: Caller,
        conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Assessment]:  # fmt: skip
        assessment, position = await commands.edit_assessment(
            conn, identity, assessment_id, data, expected_version, today()
        )
        return written(assessment, version=assessment.version, position=position)

    @idempotent
    @post("/assessments/{assessment_id:uuid}/submit", status_code=200, guards=[signed_in])
    async def submit_assessment(
        self, assessment_id: FromPath[uuid.UUID], identity: Caller, conn: Connection, expected_version: ExpectedVersion
    ) -> Response[Assessment]:
        """A partner's team hands its complete self-assessment to CDPS."""
        assessment, position = await commands.submit_assessment(conn, identity, assessment_id, expected_version)
        return written(assessment, version=assessment.version, position=position)

    @idempotent
    @post("/assessments/{assessment_id:uuid}/publish", status_code=200, guards=[staff_only])
    async def publish_assessment(
        self, assessment_id: FromPath[uuid.UUID], identity: Caller, conn: Connection, expected_version: ExpectedVersion
    ) -> Response[Assessment]:
        assessment, position = await commands.publish_assessment(conn, identity, assessment_id, expected_version)
        return written(assessment, version=assessment.version, position=position)

    @idempotent
    @post("/assessments/{assessment_id:uuid}/actions", guards=[staff_only])
    async def add_action(
        self, assessment_id: FromPath[uuid.UUID], data: JSONBody[NewAction], identity: Caller, conn: Connection
    ) -> Response[Action]:
        """A recommendation becomes an action (a partly met standard's is due three months after, by default)."""
        action, position = await commands.add_action(conn, identity, assessment_id, data, today())
        return written(action, version=action.version, position=position, status=201)

    @get("/assessments/{assessment_id:uuid}/actions")
    async def assessment_actions(
        self, assessment_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
    ) -> list[Action]:
        await assessment_store.get(conn, assessment_id, identity)  # 404 unless the caller may see it
        day = today()
        return [assessments.action_reply(a, day) for a in await assessment_store.actions(
            conn, identity, assessment_id=assessment_id)]  # fmt: skip

    @get("/actions")
    async def list_actions(
        self, identity: Caller, conn: Connection,
        action_state: Annotated[ActionState | None, QueryParameter(name="state")] = None,
    ) -> list[Action]:  # fmt: skip
        """The actions the caller may read (staff: all; a partner: its own projects'), soonest due first."""
        day = today()
        found = await assessment_store.actions(conn, identity, state=action_state)
        return [assessments.action_reply(a, day) for a in found]

    @idempotent
    @post("/actions/{action_id:uuid}/close", status_code=200, guards=[staff_only])
    async def close_action(
        self, action_id: FromPath[uuid.UUID], data: JSONBody[ActionClosing], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Action]:  # fmt: skip
        action, position = await commands.close_action(conn, identity, action_id, data, expected_version, today())
        return written(action, version=action.version, position=position)
