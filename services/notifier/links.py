"""Signed links in emails: confirm a subscription, unsubscribe. They work without signing in.

Same construction as the identity tokens (``shared/identity.py``): ``base64url(json claims) .
base64url(HMAC-SHA256)`` keyed by ``CDPS_SECRET_KEY``, but the MAC also covers a purpose string,
so a link token can never pass as an identity token, nor a confirmation as an unsubscription.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from typing import Literal
from urllib.parse import urlencode

import msgspec

Purpose = Literal["confirm", "unsubscribe"]


class LinkClaims(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    subscription: uuid.UUID | None = None
    email: str | None = None
    """Unsubscribe every subscription of this address (emails that belong to no subscription)."""
    language: Literal["cy", "en", "both"] | None = None
    rhythm: Literal["immediate", "weekly"] | None = None
    exp: int = 0
    """Expiry (Unix time); 0 never expires: unsubscribe links in old emails must keep working."""


class InvalidLink(Exception):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: Purpose, body: str) -> str:
    return _b64(hmac.new(secret.encode(), f"cdps.notifier.{purpose}.{body}".encode(), hashlib.sha256).digest())


def sign_link(claims: LinkClaims, purpose: Purpose, secret: str) -> str:
    body = _b64(msgspec.json.encode(claims))
    return f"{body}.{_mac(secret, purpose, body)}"


def verify_link(token: str, purpose: Purpose, secret: str, *, now: float | None = None) -> LinkClaims:
    body, _, mac = token.partition(".")
    if not body or not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise InvalidLink("bad signature")
    try:
        claims = msgspec.json.decode(_unb64(body), type=LinkClaims)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise InvalidLink("malformed link") from exc
    if claims.exp and claims.exp < (now or time.time()):
        raise InvalidLink("expired")
    return claims


class Links:
    """Absolute URLs for emails and pages."""

    def __init__(self, *, link_base: str, web_base: str, secret: str):
        self._link_base = link_base.rstrip("/")
        self._web_base = web_base.rstrip("/")
        self._secret = secret

    def confirm(self, claims: LinkClaims) -> str:
        token = sign_link(claims, "confirm", self._secret)
        return f"{self._link_base}/subscriptions/confirm?{urlencode({'token': token})}"

    def unsubscribe(self, *, subscription: uuid.UUID | None = None, email: str | None = None) -> str:
        token = sign_link(LinkClaims(subscription=subscription, email=email), "unsubscribe", self._secret)
        return f"{self._link_base}/subscriptions/unsubscribe?{urlencode({'token': token})}"

    def project(self, slug: str) -> str:
        return f"{self._web_base}/projects/{slug}"

    def verify(self, token: str, purpose: Purpose) -> LinkClaims:
        return verify_link(token, purpose, self._secret)
