"""Funding records: staff record and correct them; staff read every one, a partner its own
projects', the public only the records staff published."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import funding, store
from services.portfolio.funding_rules import FundingChanges, NewFunding
from services.portfolio.routes.common import written
from shared.idempotency import idempotent
from shared.replies.portfolio import Funding
from shared.requests import Caller, Connection, ExpectedVersion, staff_only


@get("/api/v1/funding", tags=["funding"])
async def every_funding_record(identity: Caller, conn: Connection) -> list[Funding]:
    """Every funding record the caller may see (for the totals), oldest period first."""
    return await funding.visible(conn, identity)


class FundingController(Controller):
    path = "/api/v1/projects"
    tags = ["funding"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @get("/{project_id:uuid}/funding")
    async def list_funding(self, project_id: FromPath[uuid.UUID], identity: Caller, conn: Connection) -> list[Funding]:
        await store.get_project(conn, project_id, identity)  # 404 unless the caller may see the project
        return await funding.of_project(conn, project_id, identity)

    @idempotent
    @post("/{project_id:uuid}/funding", guards=[staff_only])
    async def record_funding(
        self, project_id: FromPath[uuid.UUID], data: JSONBody[NewFunding], identity: Caller, conn: Connection
    ) -> Response[Funding]:
        """Amount in pounds ("12500.50"), kept in pence; the months it covers (2026-04 to 2027-03)."""
        record, position = await funding.record(conn, identity.actor, project_id, data)
        return written(record, version=record.version, position=position, status=201,
                       location=f"/api/v1/projects/{project_id}/funding/{record.id}")  # fmt: skip

    @idempotent
    @patch("/{project_id:uuid}/funding/{funding_id:uuid}", guards=[staff_only])
    async def change_funding(
        self, project_id: FromPath[uuid.UUID], funding_id: FromPath[uuid.UUID], data: JSONBody[FundingChanges],
        identity: Caller, conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Funding]:  # fmt: skip
        record, position = await funding.change(conn, identity.actor, project_id, funding_id, data, expected_version)
        return written(record, version=record.version, position=position)
