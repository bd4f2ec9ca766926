"""Purpose-bound signed tokens: the identity tokens every service verifies and the links in emails.

A token is ``base64url(json claims) . base64url(HMAC-SHA256)`` keyed by ``CDPS_SECRET_KEY``. HMAC
rather than public-key signatures because every service already shares that secret and the tokens
never leave the installation (links in emails come back to the notifier that signed them).

The MAC covers the token's purpose with its body, so a token signed for one purpose fails for
every other: a link never passes as an identity token, nor a confirmation as an unsubscription.
Identity tokens predate purposes and keep their MAC over the body alone (``IDENTITY``); a bound
MAC covers ``purpose.body`` and a body never holds a dot (base64url), so the two cannot collide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TypeVar

import msgspec

Claims = TypeVar("Claims", bound=msgspec.Struct)

IDENTITY = ""
"""The purpose of identity tokens: the MAC covers the body alone, as it always has."""


class InvalidToken(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, body: str) -> str:
    message = f"{purpose}.{body}" if purpose else body
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def sign(claims: msgspec.Struct, secret: str, *, purpose: str) -> str:
    body = _b64(msgspec.json.encode(claims))
    return f"{body}.{_mac(secret, purpose, body)}"


def verify(token: str, secret: str, *, purpose: str, claims: type[Claims]) -> Claims:
    """The token's claims, if it was signed with ``secret`` for ``purpose``. Expiry is the caller's
    rule: identity tokens always expire, unsubscribe links never do."""
    if not token.isascii():  # a token is base64url; compare_digest refuses other text
        raise InvalidToken("not a token")
    body, _, mac = token.partition(".")
    if not body or not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise InvalidToken("bad signature")
    try:
        return msgspec.json.decode(_unb64(body), type=claims)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise InvalidToken("malformed token") from exc
