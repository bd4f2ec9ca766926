"""Short-lived identity tokens: the web signs one for every call; each service verifies it.

Signed as every token is (``shared/tokens.py``), for the purpose ``tokens.IDENTITY``.
"""

from __future__ import annotations

import time
import uuid

import msgspec

from shared import tokens
from shared.events import Actor, Role
from shared.tokens import InvalidToken

STAFF_ROLES: frozenset[Role] = frozenset({"admin", "lead"})
"""The roles of CDPS's own people: they see every record, internal ones included."""

TOKEN_SECONDS = 300


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    sub: str
    role: Role
    partner_id: uuid.UUID | None = None
    email: str | None = None
    """The account's own address (the web knows accounts; services do not): what tells a
    subscription to the account's own address from one to somebody else's."""
    exp: int = 0

    @property
    def actor(self) -> Actor:
        return Actor(id=self.sub, role=self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


PUBLIC = Identity(sub="anonymous", role="public")


def sign(identity: Identity, secret: str, *, lifetime: int = TOKEN_SECONDS, now: float | None = None) -> str:
    claims = msgspec.structs.replace(identity, exp=int((now or time.time()) + lifetime))
    return tokens.sign(claims, secret, purpose=tokens.IDENTITY)


def verify(token: str, secret: str, *, now: float | None = None) -> Identity:
    identity = tokens.verify(token, secret, purpose=tokens.IDENTITY, claims=Identity)
    if identity.exp < (now or time.time()):
        raise InvalidToken("expired")
    return identity
