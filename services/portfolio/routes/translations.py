"""Translations: the texts written in one language only, and a translator filling one in."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.params import JSONBody

from services.portfolio import commands, translation_store
from services.portfolio.domain import Translation
from services.portfolio.routes.common import recorded
from shared.idempotency import idempotent
from shared.replies.portfolio import MissingText
from shared.requests import Caller, Connection, staff_only


@get("/api/v1/translations", tags=["translations"], guards=[staff_only])
async def missing_translations(conn: Connection) -> list[MissingText]:
    """Every text written in one language only, oldest first: a project's, an update's, a phase
    change's reason or gate reason, a support request's need or triage reason, an assessment's (its
    own, a standard's, a panel member's role) or an action's (staff only: it includes projects the
    public cannot see, drafts, and support requests)."""
    return await translation_store.missing(conn)


@idempotent
@post("/api/v1/translations", tags=["translations"], guards=[staff_only])
async def translate(data: JSONBody[Translation], identity: Caller, conn: Connection) -> Response[dict[str, int]]:
    """Fill in the language a text lacks; the change is its record's event."""
    position = await commands.translate(conn, identity.actor, data)
    return recorded({"position": position}, position=position, status=200)
