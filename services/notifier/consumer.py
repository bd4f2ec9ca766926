"""Turns events into delivery rows, one per recipient, in the consumer's transaction (so before
the message is acked). Sending is the sender's job: a crash between the two loses nothing."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from services.notifier import store
from services.notifier.contacts import AccountLookup, ContactLookup
from services.notifier.domain import (
    SUPPORT_RECEIVED,
    TEMPLATE_FOR_EVENT,
    Follower,
    Reach,
    lacks_welsh,
    other_side,
    reach_of,
    recipients,
    tells_partner_contacts,
)
from services.notifier.weeknotes import store as weeknotes_store
from shared.events import (
    CATALOGUE,
    Envelope,
    PartnerRegistered,
    PartnerUpdated,
    ProjectSnapshot,
    SupportRequested,
    SupportTriaged,
)
from shared.logs import get_logger
from shared.replies.accounts import EmailAccount
from shared.replies.portfolio import EmailContact

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

CONSUMER = "notifier"


async def apply_event(
    conn: Conn, envelope: Envelope, *, contacts: ContactLookup | None = None, accounts: AccountLookup | None = None,
    hold_for_welsh: bool = False,
) -> None:  # fmt: skip
    """One event: a batch of one (the consumer retries a failed batch one event at a time)."""
    await apply_batch(conn, [envelope], contacts=contacts, accounts=accounts, hold_for_welsh=hold_for_welsh)


async def apply_batch(
    conn: Conn, envelopes: list[Envelope], *, contacts: ContactLookup | None = None,
    accounts: AccountLookup | None = None, hold_for_welsh: bool = False,
) -> None:  # fmt: skip
    """A fetched batch in a few statements whatever its size, so lag stays flat as the rate grows:
    each project's newest snapshot in one, the week's events in one, the followers of everything
    the batch is about in one; then, per event, only what it sends (notices, deliveries, digest
    items: few events have followers). Idempotent: deliveries are unique per (event, recipient) and
    digest items per (subscription, event), so a redelivered event records nothing new. ``contacts``
    finds a partner's contacts who get its project emails (``tells_partner_contacts`` says which events go
    to them too), ``accounts`` the people on the other side of a conversation (``other_side``).
    ``hold_for_welsh`` (CDPS_WELSH_BEFORE_PUBLISHING=required): the emails of text written in English
    only are held until a translation in the stream releases them (``store.release_translated``)."""
    known = [(envelope, envelope.payload()) for envelope in envelopes if envelope.type in CATALOGUE]
    if not known:
        return  # from a newer producer: nothing we know how to say about it
    newest: dict[uuid.UUID, tuple[int, ProjectSnapshot]] = {}
    for envelope, event in known:
        await _remember(conn, envelope, event, newest)
    await store.keep_projects(conn, newest)
    await weeknotes_store.record_many(conn, [envelope for envelope, _ in known])  # the weeknotes come from these
    reaches = [(envelope, event, reach_of(envelope, event)) for envelope, event in known]
    projects = [reach.project_id for _, _, reach in reaches if reach is not None and reach.project_id]
    partners = [reach.partner_id for _, _, reach in reaches if reach is not None and reach.partner_id]
    anyone = any(reach is not None for _, _, reach in reaches)
    followers = await store.followers_of_any(conn, projects, partners) if anyone else []
    for envelope, event, reach in reaches:
        held = hold_for_welsh and lacks_welsh(event)
        await _tell(conn, envelope, event, reach, followers, contacts, accounts, held=held)
    # After the batch's own emails: a translation may come in the batch of the text it translates.
    for envelope, _ in known:
        if envelope.type in store.TRANSLATIONS and await store.release_translated(conn, envelope):
            log.info("held emails released with their Welsh", translation=envelope.type)


async def _tell(
    conn: Conn, envelope: Envelope, event: object, reach: Reach | None, followers: list[Follower],
    contacts: ContactLookup | None, accounts: AccountLookup | None, *, held: bool = False,
) -> None:  # fmt: skip
    template = TEMPLATE_FOR_EVENT.get(envelope.type)
    if template is None:
        return
    payload: dict[str, Any] = {"envelope": msgspec.to_builtins(envelope)}
    if isinstance(event, SupportTriaged):
        await _reply_to_requester(conn, envelope, template, payload)
        return
    if isinstance(event, SupportRequested):
        await _acknowledge(conn, envelope, event, payload)
    if reach is None:
        return
    chosen = recipients(followers, reach)
    to_contacts: list[EmailContact] = []
    if contacts is not None and reach.partner_id is not None and tells_partner_contacts(event, reach):
        to_contacts = await contacts(reach.partner_id)
    to_accounts: list[EmailAccount] = []
    if accounts is not None and (query := other_side(event, reach)) is not None:
        to_accounts = [a for a in await accounts(query) if str(a.id) != envelope.actor.id]  # not its own author
    if not chosen and not to_contacts and not to_accounts:
        return
    payload["names"] = {
        "partner": await store.names_of(conn, "partner", reach.partner_id),
        "project": await store.names_of(conn, "project", reach.project_id),
    }
    await store.add_notice(conn, envelope.id, envelope.type, payload)
    status: Literal["pending", "held"] = "held" if held else "pending"
    # A contact's recorded language is the language of every email they get, as a follower too.
    recorded = {c.email.strip().lower(): c for c in to_contacts}
    for follower in chosen:
        contact = recorded.get(follower.email.strip().lower())
        if follower.rhythm != "immediate" and contact is None:  # kept for the follower's daily or weekly digest
            await store.add_digest_item(conn, follower.id, envelope.id)
        else:
            await store.add_delivery(
                conn, event_id=envelope.id, event_type=envelope.type, template=template,
                recipient=follower.email, language=contact.language if contact else follower.language,
                subscription_id=follower.id, status=status,
            )  # fmt: skip
    unfollowed = {address: contact.language for address, contact in recorded.items()}
    followed = {follower.email.strip().lower() for follower in chosen}
    for account in to_accounts:  # a follower among them hears as they chose to follow
        address = account.email.strip().lower()
        if address not in followed:
            unfollowed.setdefault(address, account.language)
    for address, language in unfollowed.items():  # those who follow nothing: their owner's record is enough
        await store.add_delivery(
            conn, event_id=envelope.id, event_type=envelope.type, template=template, recipient=address,
            language=language, subscription_id=None, status=status,
        )  # fmt: skip


async def _remember(
    conn: Conn, envelope: Envelope, event: object, newest: dict[uuid.UUID, tuple[int, ProjectSnapshot]]
) -> None:
    """Keep what later emails need to name things and to reach a requester: a project's newest
    snapshot of the batch goes into ``newest`` (written together after), the rest at once (rare)."""
    project = getattr(event, "project", None)
    if isinstance(project, ProjectSnapshot):
        seen = newest.get(envelope.aggregate_id)
        if seen is None or seen[0] < envelope.aggregate_seq:
            newest[envelope.aggregate_id] = (envelope.aggregate_seq, project)
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
