"""Partner organisations."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import commands, store
from services.portfolio.domain import NewPartner, PartnerChanges
from services.portfolio.routes.common import written
from shared.idempotency import idempotent
from shared.replies.portfolio import Partner
from shared.requests import Caller, Connection, ExpectedVersion, etag, staff_only


class PartnersController(Controller):
    path = "/api/v1/partners"
    tags = ["partners"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @idempotent
    @post("/", guards=[staff_only])
    async def register(self, data: JSONBody[NewPartner], identity: Caller, conn: Connection) -> Response[Partner]:
        partner, position = await commands.register_partner(conn, identity.actor, data)
        return written(partner, version=partner.version, position=position, status=201,
                       location=f"/api/v1/partners/{partner.id}")  # fmt: skip

    @get("/")
    async def list_partners(self, identity: Caller, conn: Connection) -> list[Partner]:
        """Active partners for everyone; staff also see inactive ones."""
        return await store.list_partners(conn, include_inactive=identity.is_staff)

    @get("/{partner_id:uuid}")
    async def get_partner(
        self, partner_id: FromPath[uuid.UUID], identity: Caller, conn: Connection
    ) -> Response[Partner]:
        partner = await store.get_partner(conn, partner_id)
        if not partner.active and not identity.is_staff:
            raise store.Missing()
        return Response(partner, headers={"ETag": etag(partner.version)})

    @patch("/{partner_id:uuid}", guards=[staff_only])
    async def edit(
        self, partner_id: FromPath[uuid.UUID], data: JSONBody[PartnerChanges], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[Partner]:  # fmt: skip
        partner, position = await commands.edit_partner(conn, identity.actor, partner_id, data, expected_version)
        return written(partner, version=partner.version, position=position)
