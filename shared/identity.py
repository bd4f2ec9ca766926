"""Short-lived identity tokens: the web signs one for every call; each service verifies it.

A token is ``base64url(json claims) . base64url(HMAC-SHA256)`` keyed by ``CDPS_SECRET_KEY``.
HMAC rather than public-key signatures because every service already shares that secret and the
tokens never leave the installation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid

import msgspec

from shared.events import Actor, Role

TOKEN_SECONDS = 300


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    sub: str
    role: Role
    partner_id: uuid.UUID | None = None
    exp: int = 0

    @property
    def actor(self) -> Actor:
        return Actor(id=self.sub, role=self.role)

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "lead")


PUBLIC = Identity(sub="anonymous", role="public")


class InvalidToken(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest())


def sign(identity: Identity, secret: str, *, lifetime: int = TOKEN_SECONDS, now: float | None = None) -> str:
    claims = msgspec.structs.replace(identity, exp=int((now or time.time()) + lifetime))
    body = _b64(msgspec.json.encode(claims))
    return f"{body}.{_mac(secret, body)}"


def verify(token: str, secret: str, *, now: float | None = None) -> Identity:
    body, _, mac = token.partition(".")
    if not body or not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidToken("bad signature")
    try:
        identity = msgspec.json.decode(_unb64(body), type=Identity)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise InvalidToken("malformed token") from exc
    if identity.exp < (now or time.time()):
        raise InvalidToken("expired")
    return identity
