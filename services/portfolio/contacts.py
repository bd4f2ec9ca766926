"""A partner's contacts: the people at a partner organisation CDPS keeps in touch with.

Each is its own aggregate (``portfolio.contact.*``, its version its event sequence), kept as a row of
``people`` of kind ``partner_contact``. Staff manage them; nobody else reads them (not the partner's
own users, not search, not the feeds). Their events carry no email address: the stream is kept for
ever, and a removed contact's address goes with their row. The notifier asks for the addresses of the
contacts who get project emails over core NATS (:func:`run_responder`), each with the language recorded
here, which every email sent to them is written in.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio import contact_store
from services.portfolio.domain import Email, Input, Language, Name
from shared import outbox
from shared.events import Actor, ContactAdded, ContactChanged, ContactRemoved, ContactSnapshot, make_envelope
from shared.http import Stale
from shared.logs import get_logger
from shared.replies.portfolio import CONTACTS_SUBJECT, Contact, ContactsAnswer, ContactsQuery
from shared.responder import serve_requests
from shared.service import Runtime
from shared.supervision import Health
from shared.validation import DIRECTION_CONTROLS

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

RoleText = Annotated[str, msgspec.Meta(max_length=200, pattern=rf"^[^\x00{DIRECTION_CONTROLS}]*$")]
"""What they do there ("Head of digital"), or nothing."""


class NewContact(Input, kw_only=True):
    name: Name
    email: Email
    role: RoleText = ""
    language: Language = "both"
    """The language every email to them is written in; both (Welsh first) until someone knows."""
    project_emails: bool = True


class ContactChanges(Input, kw_only=True):
    name: Name | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    role: RoleText | UnsetType = UNSET
    language: Language | UnsetType = UNSET
    project_emails: bool | UnsetType = UNSET


def snapshot(contact: Contact) -> ContactSnapshot:
    """The contact as its events carry it (no address)."""
    return ContactSnapshot(**{k: getattr(contact, k) for k in ContactSnapshot.__struct_fields__})


def tidied(fields: dict[str, object]) -> dict[str, object]:
    """Names and roles without surrounding spaces; an address in lower case (one person, whatever its case)."""
    out = dict(fields)
    for name in ("name", "role"):
        if isinstance(out.get(name), str):
            out[name] = str(out[name]).strip()
    if isinstance(out.get("email"), str):
        out["email"] = str(out["email"]).strip().lower()
    return out


async def _emit(conn: Conn, actor: Actor, data: ContactAdded | ContactChanged | ContactRemoved,
                contact_id: uuid.UUID, seq: int, partner_id: uuid.UUID) -> int:  # fmt: skip
    envelope = make_envelope(data, actor=actor, aggregate_id=contact_id, aggregate_seq=seq, partner_id=partner_id)
    return await outbox.append(conn, envelope)


async def add_contact(conn: Conn, actor: Actor, partner_id: uuid.UUID, new: NewContact) -> tuple[Contact, int]:
    """404 for no such partner; 409 naming ``email`` for an address someone already has."""
    fields = tidied(msgspec.structs.asdict(new))
    async with conn.transaction():
        await contact_store.lock_partner(conn, partner_id)
        contact = await contact_store.insert(
            conn, uuid.uuid4(), partner_id, str(fields["name"]), str(fields["role"]), str(fields["email"]),
            new.language, new.project_emails,
        )  # fmt: skip
        position = await _emit(conn, actor, ContactAdded(contact=snapshot(contact)), contact.id, 1, partner_id)
    return contact, position


async def edit_contact(
    conn: Conn, actor: Actor, partner_id: uuid.UUID, contact_id: uuid.UUID, changes: ContactChanges,
    expected_version: int | None,
) -> tuple[Contact, int | None]:  # fmt: skip
    """At the version the caller read (else 412); nothing changed, no event."""
    async with conn.transaction():
        current = await contact_store.lock(conn, partner_id, contact_id)
        if expected_version is not None and current.version != expected_version:
            raise Stale()
        given = tidied({k: v for k, v in msgspec.structs.asdict(changes).items() if v is not UNSET})
        changed = {k: v for k, v in given.items() if getattr(current, k) != v}
        if not changed:
            return current, None
        contact = await contact_store.update(conn, contact_id, changed)
        event = ContactChanged(contact=snapshot(contact), changed=list(changed))
        position = await _emit(conn, actor, event, contact_id, contact.version, partner_id)
    return contact, position


async def remove_contact(
    conn: Conn, actor: Actor, partner_id: uuid.UUID, contact_id: uuid.UUID, expected_version: int | None
) -> int:
    """The row goes (their address with it); the event says who removed whom, by id."""
    async with conn.transaction():
        current = await contact_store.lock(conn, partner_id, contact_id)
        if expected_version is not None and current.version != expected_version:
            raise Stale()
        await contact_store.delete(conn, contact_id)
        return await _emit(conn, actor, ContactRemoved(partner_id=partner_id), contact_id, current.version + 1,
                           partner_id)  # fmt: skip


async def _answer(conn: Conn, query: ContactsQuery) -> ContactsAnswer:
    return ContactsAnswer(contacts=await contact_store.emailable(conn, query.partner_id))


async def run_responder(runtime: Runtime, health: Health) -> None:
    """Answer the notifier's ``contacts.emailable`` requests (shared/responder.py)."""
    await serve_requests(runtime, health, subject=CONTACTS_SUBJECT, queue="portfolio", query_type=ContactsQuery,
                         answer=_answer)  # fmt: skip
