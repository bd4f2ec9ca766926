"""Signed links in emails: confirm a subscription, unsubscribe, manage an address's subscriptions.
They work without signing in.

Their tokens are signed as every token is (``shared/tokens.py``), bound to the link's purpose, so
a link token never passes as an identity token, nor a confirmation as an unsubscription.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Literal
from urllib.parse import urlencode

import msgspec

from services.notifier.weeknotes.calendar import iso_label
from shared import tokens
from shared.tokens import InvalidToken

Purpose = Literal["confirm", "unsubscribe", "manage"]


class LinkClaims(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    subscription: uuid.UUID | None = None
    email: str | None = None
    """Unsubscribe every subscription of this address (emails that belong to no subscription); for
    a manage link, the address whose subscriptions it manages."""
    language: Literal["cy", "en", "both"] | None = None
    rhythm: Literal["immediate", "daily", "weekly"] | None = None
    exp: int = 0
    """Expiry (Unix time); 0 never expires: unsubscribe links in old emails must keep working."""


def _purpose(purpose: Purpose) -> str:
    return f"cdps.notifier.{purpose}"  # the wording links in sent emails were signed with


def sign_link(claims: LinkClaims, purpose: Purpose, secret: str) -> str:
    return tokens.sign(claims, secret, purpose=_purpose(purpose))


def verify_link(token: str, purpose: Purpose, secret: str, *, now: float | None = None) -> LinkClaims:
    claims = tokens.verify(token, secret, purpose=_purpose(purpose), claims=LinkClaims)
    if claims.exp and claims.exp < (now or time.time()):
        raise InvalidToken("expired")
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

    def unsubscribe(
        self, *, subscription: uuid.UUID | None = None, email: str | None = None,
        language: Literal["cy", "en", "both"] | None = None,
    ) -> str:  # fmt: skip
        """``language``: the email's, in which its unsubscribe page opens (Welsh if both or unknown)."""
        claims = LinkClaims(subscription=subscription, email=email, language=language)
        token = sign_link(claims, "unsubscribe", self._secret)
        return f"{self._link_base}/subscriptions/unsubscribe?{urlencode({'token': token})}"

    def manage(self, email: str, language: Literal["cy", "en", "both"] | None = None) -> str:
        """The page where the address changes or ends its subscriptions, in the email's language; like
        an unsubscribe link, it never expires (it is in old emails)."""
        token = sign_link(LinkClaims(email=email, language=language), "manage", self._secret)
        return f"{self._link_base}/subscriptions/manage?{urlencode({'token': token})}"

    def signin_page(self) -> str:
        return f"{self._web_base}/signin"

    def signed_in(self, page: str) -> str:
        """A page of the site that only some may read, through the sign-in page, which leads there
        (at once for someone signed in already): a link that works for anyone who opens it."""
        return f"{self._web_base}/signin?{urlencode({'next': page.removeprefix(self._web_base)})}"

    def weeknote(self, week: dt.date, lang: Literal["cy", "en"]) -> str:
        return f"{self._web_base}/weeknotes/{iso_label(week)}?lang={lang}"

    def project(self, slug: str, *, public: bool, fragment: str = "") -> str:
        """The project's page (at ``#fragment``): as it is when the public may read it, else through
        the sign-in page, so the link works for everyone who may read the project, signed in or not."""
        page = f"{self._web_base}/projects/{slug}{fragment}"
        return page if public else self.signed_in(page)

    def assessment(self, assessment_id: uuid.UUID) -> str:
        return f"{self._web_base}/assessments/{assessment_id}"

    def verify(self, token: str, purpose: Purpose) -> LinkClaims:
        return verify_link(token, purpose, self._secret)
