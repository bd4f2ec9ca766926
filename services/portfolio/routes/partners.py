"""Partner organisations."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from services.portfolio import store
from services.portfolio.domain import NewPartner, Partner, PartnerChanges
from services.portfolio.routes.common import etag, if_match, runtime, written
from shared.http import caller, require_staff


class PartnersController(Controller):
    path = "/api/v1/partners"
    tags = ["partners"]  # noqa: RUF012  (Litestar declares it as an instance attribute)

    @post("/")
    async def register(
        self, data: JSONBody[NewPartner], request: Request[Any, Any, Any], state: State
    ) -> Response[Partner]:
        identity = caller(request)
        require_staff(identity)
        async with runtime(state).pool.acquire() as conn:
            partner, position = await store.register_partner(conn, data, identity.actor)
        return written(partner, version=partner.version, position=position, status=201,
                       location=f"/api/v1/partners/{partner.id}")  # fmt: skip

    @get("/")
    async def list_partners(self, request: Request[Any, Any, Any], state: State) -> list[Partner]:
        """Active partners for everyone; staff also see inactive ones."""
        async with runtime(state).pool.acquire() as conn:
            return await store.list_partners(conn, include_inactive=caller(request).is_staff)

    @get("/{partner_id:uuid}")
    async def get_partner(
        self, partner_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], state: State
    ) -> Response[Partner]:
        async with runtime(state).pool.acquire() as conn:
            partner = await store.get_partner(conn, partner_id)
        if not partner.active and not caller(request).is_staff:
            raise store.Missing
        return Response(partner, headers={"ETag": etag(partner.version)})

    @patch("/{partner_id:uuid}")
    async def edit(
        self,
        partner_id: FromPath[uuid.UUID],
        data: JSONBody[PartnerChanges],
        request: Request[Any, Any, Any],
        state: State,
    ) -> Response[Partner]:
        identity = caller(request)
        require_staff(identity)
        version = if_match(request)
        assert version is not None
        async with runtime(state).pool.acquire() as conn:
            partner, position = await store.update_partner(conn, partner_id, data, version, identity.actor)
        return written(partner, version=partner.version, position=position)
