"""A partner's contacts: staff only, to read as to change (partners' own users do not see them)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from services.portfolio import contact_store, contacts
from services.portfolio.contacts import ContactChanges, NewContact
from services.portfolio.routes.common import recorded, written
from shared.idempotency import idempotent
from shared.replies.portfolio import Contact
from shared.requests import Caller, Connection, ExpectedVersion, etag, staff_only

ONE = "/{contact_id:uuid}"


class ContactsController(Controller):
    path = "/api/v1/partners/{partner_id:uuid}/contacts"
    tags = ["contacts"]  # noqa: RUF012  (Litestar declares it as an instance attribute)
    guards = [staff_only]  # noqa: RUF012

    @get("/")
    async def list_contacts(self, partner_id: FromPath[uuid.UUID], conn: Connection) -> list[Contact]:
        await contact_store.lock_partner(conn, partner_id)  # 404 for no such partner
        return await contact_store.list_for(conn, partner_id)

    @idempotent
    @post("/")
    async def add(
        self, partner_id: FromPath[uuid.UUID], data: JSONBody[NewContact], identity: Caller, conn: Connection
    ) -> Response[Contact]:
        contact, position = await contacts.add_contact(conn, identity.actor, partner_id, data)
        return written(contact, version=contact.version, position=position, status=201,
                       location=f"/api/v1/partners/{partner_id}/contacts/{contact.id}")  # fmt: skip

    @get(ONE)
    async def get_contact(
        self, partner_id: FromPath[uuid.UUID], contact_id: FromPath[uuid.UUID], conn: Connection
    ) -> Response[Contact]:
        contact = await contact_store.get(conn, partner_id, contact_id)
        return Response(contact, headers={"ETag": etag(contact.version)})

    @patch(ONE)
    async def edit(
        self, partner_id: FromPath[uuid.UUID], contact_id: FromPath[uuid.UUID], data: JSONBody[ContactChanges],
        identity: Caller, conn: Connection, expected_version: ExpectedVersion,
    ) -> Response[Contact]:  # fmt: skip
        contact, position = await contacts.edit_contact(
            conn, identity.actor, partner_id, contact_id, data, expected_version
        )
        return written(contact, version=contact.version, position=position)

    @delete(ONE, status_code=204)
    async def remove(
        self, partner_id: FromPath[uuid.UUID], contact_id: FromPath[uuid.UUID], identity: Caller, conn: Connection,
        expected_version: ExpectedVersion,
    ) -> Response[None]:  # fmt: skip
        position = await contacts.remove_contact(conn, identity.actor, partner_id, contact_id, expected_version)
        return recorded(None, position=position, status=204)
