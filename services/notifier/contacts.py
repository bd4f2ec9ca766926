"""A partner's contacts, as the notifier learns them: asked of the portfolio over core NATS when an
email is due, never kept here, because their addresses stay out of the stream (kept for ever) and
out of every table but the portfolio's. Each is emailed in the language the portfolio records."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import msgspec
import nats.errors
from nats.aio.client import Client

from shared.replies.portfolio import CONTACTS_SUBJECT, ContactsAnswer, ContactsQuery, EmailContact
from shared.settings import Settings

ContactLookup = Callable[[uuid.UUID], Awaitable[list[EmailContact]]]
"""A partner's contacts who get its project emails."""


class PortfolioAway(ConnectionError):
    """Nobody answered for the portfolio. An OSError, so the consumer holds its event (as it does while
    PostgreSQL is away) and asks again, rather than count it against the event or send it unaddressed."""


def lookup(nc: Client, settings: Settings, *, timeout: float = 5.0) -> ContactLookup:
    subject = settings.subject_for(CONTACTS_SUBJECT)

    async def contacts_of(partner_id: uuid.UUID) -> list[EmailContact]:
        query = msgspec.json.encode(ContactsQuery(partner_id=partner_id))
        try:
            reply = await nc.request(subject, query, timeout=timeout)
        except (nats.errors.NoRespondersError, nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as exc:
            raise PortfolioAway(f"no answer to {CONTACTS_SUBJECT}: {exc!r}") from exc
        return msgspec.json.decode(reply.data, type=ContactsAnswer).contacts

    return contacts_of
