"""What the web answers about its accounts: the notifier asks for the addresses of the people on the
other side of a project's conversation, the webhooks service for every active admin when an endpoint
turns itself off (core NATS request/reply, like ``contacts.emailable``).

Accounts live in the web's schema, and addresses never travel in the stream (kept for ever), so the
asker asks when an email is due and keeps nothing. Outside the stream's subjects (``portfolio.>``),
so JetStream never stores nor answers such a request."""

from __future__ import annotations

import uuid
from typing import Literal

import msgspec

ACCOUNTS_SUBJECT = "accounts.emailable"


class AccountsQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The active accounts of a partner's own people (``partner_id``), those named (``ids``), and with
    ``admins`` every active admin."""

    partner_id: uuid.UUID | None = None
    ids: list[uuid.UUID] = []
    admins: bool = False


class EmailAccount(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    email: str
    language: Literal["cy", "en", "both"]


class AccountsAnswer(msgspec.Struct, frozen=True, kw_only=True):
    accounts: list[EmailAccount]
