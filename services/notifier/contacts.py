"""The people the notifier emails without their following anything, as it learns them: a partner's
contacts (asked of the portfolio) and the accounts on the other side of a project's conversation
(asked of the web), over core NATS when an email is due, never kept here, because their addresses
stay out of the stream (kept for ever) and out of every table but their owner's. Each is emailed in
the language its owner records."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import msgspec
import nats.errors
from nats.aio.client import Client

from shared.replies.accounts import ACCOUNTS_SUBJECT, AccountsAnswer, AccountsQuery, EmailAccount
from shared.replies.portfolio import CONTACTS_SUBJECT, ContactsAnswer, ContactsQuery, EmailContact
from shared.settings import Settings

ContactLookup = Callable[[uuid.UUID], Awaitable[list[EmailContact]]]
"""A partner's contacts who get its project emails."""
AccountLookup = Callable[[AccountsQuery], Awaitable[list[EmailAccount]]]
"""Active accounts: a partner's own people, or those named."""


class OwnerAway(ConnectionError):
    """Nobody answered for the portfolio (contacts) or the web (accounts). An OSError, so the consumer
    holds its event (as it does while PostgreSQL is away) and asks again, rather than count it against
    the event or send it unaddressed."""


async def _ask(nc: Client, subject: str, query: bytes, within: float) -> bytes:
    try:
        reply = await nc.request(subject, query, timeout=within)
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as exc:
        raise OwnerAway(f"no answer to {subject}: {exc!r}") from exc
    data: bytes = reply.data
    return data


def lookup(nc: Client, settings: Settings, *, timeout: float = 5.0) -> ContactLookup:
    subject = settings.subject_for(CONTACTS_SUBJECT)

    async def contacts_of(partner_id: uuid.UUID) -> list[EmailContact]:
        reply = await _ask(nc, subject, msgspec.json.encode(ContactsQuery(partner_id=partner_id)), timeout)
        return msgspec.json.decode(reply, type=ContactsAnswer).contacts

    return contacts_of


def account_lookup(nc: Client, settings: Settings, *, timeout: float = 5.0) -> AccountLookup:
    subject = settings.subject_for(ACCOUNTS_SUBJECT)

    async def accounts_of(query: AccountsQuery) -> list[EmailAccount]:
        reply = await _ask(nc, subject, msgspec.json.encode(query), timeout)
        return msgspec.json.decode(reply, type=AccountsAnswer).accounts

    return accounts_of
