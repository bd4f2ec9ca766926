"""Turns events into delivery rows, one per recipient, in the consumer's transaction (so before
the message is acked). Sending is the sender's job: a crash between the two loses nothing."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import msgspec

from services.notifier import store
from services.notifier.domain import SUPPORT_RECEIVED, TEMPLATE_FOR_EVENT, reach_of, recipients
from services.notifier.weeknotes import store as weeknotes_store
from shared.events import (
    CATALOGUE,
    Envelope,
    PartnerRegistered,
    PartnerUpdated,
    SupportRequested,
    SupportTriaged,
)
from shared.logs import get_logger

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

CONSUMER = "notifier"


async def apply_event(conn: Conn, envelope: Envelope) -> None:
    """Idempotent: deliveries are unique per (event, recipient) and digest items per
    (subscription, event), so a redelivered event records nothing new."""
    if envelope.type not in CATALOGUE:
        return  # from a newer producer: nothing we know how to say about it
    event = envelope.payload()
    await _remember(conn, envelope, event)
    await weeknotes_store.record(conn, envelope)  # the weeknotes are composed from these
    template = TEMPLATE_FOR_EVENT.get(envelope.type)
    if template is None:
        return
    payload: dict[str, Any] = {"envelope": msgspec.to_builtins(envelope)}
    if isinstance(event, SupportTriaged):
        await _reply_to_requester(conn, envelope, template, payload)
        return
    if isinstance(event, SupportRequested):
        await _acknowledge(conn, envelope, event, payload)
    reach = reach_of(envelope, event)
    if reach is None:
        return
    chosen = recipients(await store.followers(conn, reach.project_id, reach.partner_id), reach)
    if not chosen:
        return
    payload["names"] = {
        "partner": await store.names_of(conn, "partner", reach.partner_id),
        "project": await store.names_of(conn, "project", reach.project_id),
    }
    await store.add_notice(conn, envelope.id, envelope.type, payload)
    for follower in chosen:
        if follower.rhythm != "immediate":  # kept for the follower's daily or weekly digest
            await store.add_digest_item(conn, follower.id, envelope.id)
        else:
            await store.add_delivery(
                conn, event_id=envelope.id, event_type=envelope.type, template=template,
                recipient=follower.email, language=follower.language, subscription_id=follower.id,
            )  # fmt: skip


async def _remember(conn: Conn, envelope: Envelope, event: object) -> None:
    """Keep what later emails need to name things and to reach a requester."""
    project = getattr(event, "project", None)
    if project is not None:
        await store.keep_project(conn, envelope.aggregate_id, envelope.aggregate_seq, project)
    if isinstance(event, PartnerRegistered | PartnerUpdated):
        await store.keep_partner(conn, envelope.aggregate_id, envelope.aggregate_seq, event.partner)
    if isinstance(event, SupportRequested):
        await store.remember_contact(conn, envelope.aggregate_id, event)


_ACKNOWLEDGEMENTS = uuid.UUID("3b0f7c52-1d7e-4a8e-9f1c-5a2b6c0d9e47")


async def _acknowledge(conn: Conn, envelope: Envelope, event: SupportRequested, payload: dict[str, Any]) -> None:
    """Whoever asked hears at once, in the language they asked in, what CDPS received. Its own id (derived,
    so a redelivery adds nothing) keeps it apart from the staff notice, should a lead ask as well."""
    acknowledgement = uuid.uuid5(_ACKNOWLEDGEMENTS, str(envelope.id))
    await store.add_notice(conn, acknowledgement, envelope.type, payload)
    await store.add_delivery(
        conn, event_id=acknowledgement, event_type=envelope.type, template=SUPPORT_RECEIVED,
        recipient=event.contact_email.strip().lower(), language=event.language, subscription_id=None,
    )  # fmt: skip


async def _reply_to_requester(conn: Conn, envelope: Envelope, template: str, payload: dict[str, Any]) -> None:
    """The outcome goes to whoever asked for help, in the language they asked in."""
    contact = await store.take_contact(conn, envelope.aggregate_id)
    if contact is None:
        # Already replied (a redelivery), or the request predates this notifier's data.
        log.info("support triaged: no contact to reply to", request=str(envelope.aggregate_id))
        return
    payload["contact"] = {"name": contact["contact_name"], "organisation": contact["organisation"]}
    await store.add_notice(conn, envelope.id, envelope.type, payload)
    await store.add_delivery(
        conn, event_id=envelope.id, event_type=envelope.type, template=template,
        recipient=contact["contact_email"], language=contact["language"], subscription_id=None,
    )  # fmt: skip
