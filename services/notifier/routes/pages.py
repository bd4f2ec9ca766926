"""The small bilingual pages that links in emails open. No sign-in: the signed link is the proof."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import MediaType, Response, get, post
from litestar.datastructures import State
from litestar.params import QueryParameter

from services.notifier import store
from services.notifier.domain import RHYTHMS, target_name
from services.notifier.links import LinkClaims, Purpose
from services.notifier.routes.common import parts, runtime
from shared.tokens import InvalidToken

Token = Annotated[str, QueryParameter(name="token", max_length=2000, required=False)]

# The token is in the URL: keep it out of caches, referrers and search engines.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _page(state: State, name: str, status: int = 200, **context: object) -> Response[str]:
    html = parts(state).templates.page(name, **context)
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=PAGE_HEADERS)


def _claims(state: State, token: str, purpose: Purpose) -> LinkClaims | None:
    try:
        return parts(state).links.verify(token, purpose)
    except InvalidToken:
        return None


@get("/subscriptions/confirm", include_in_schema=False)
async def confirm(state: State, token: Token = "") -> Response[str]:
    """Following the link in the confirmation email confirms (again, harmlessly, if followed twice)."""
    claims = _claims(state, token, "confirm")
    if claims is None or claims.subscription is None:
        return _page(state, "link_invalid.html", status=400)
    async with runtime(state).pool.acquire() as conn:
        subscription = await store.confirm(
            conn, claims.subscription, claims.language or "both", claims.rhythm or "immediate"
        )
        if subscription is None:  # unsubscribed, or never confirmed and since forgotten
            return _page(state, "link_invalid.html", status=400)
        names = await store.names_of(conn, subscription.target_kind, subscription.target_id, public_only=True)
    return _page(
        state, "confirmed.html",
        target_cy=target_name(subscription.target_kind, names, "cy"),
        target_en=target_name(subscription.target_kind, names, "en"),
        rhythm_cy=RHYTHMS["cy"][subscription.rhythm], rhythm_en=RHYTHMS["en"][subscription.rhythm],
        unsubscribe_url=parts(state).links.unsubscribe(subscription=subscription.id),
    )  # fmt: skip


@get("/subscriptions/unsubscribe", include_in_schema=False)
async def ask_to_unsubscribe(state: State, token: Token = "") -> Response[str]:
    """A page with a button, not the unsubscription itself: mail scanners open links."""
    if _claims(state, token, "unsubscribe") is None:
        return _page(state, "link_invalid.html", status=400)
    # Relative, so it works wherever the page is served from (directly or behind the web service).
    return _page(state, "unsubscribe.html", action_url="?" + urlencode({"token": token}))


@post("/subscriptions/unsubscribe", status_code=200, include_in_schema=False)
async def unsubscribe(state: State, token: Token = "") -> Response[str]:
    """The button, and RFC 8058 one-click (a POST with ``List-Unsubscribe=One-Click``)."""
    claims = _claims(state, token, "unsubscribe")
    if claims is None or (claims.subscription is None and claims.email is None):
        return _page(state, "link_invalid.html", status=400)
    async with runtime(state).pool.acquire() as conn:
        await store.unsubscribe(conn, subscription_id=claims.subscription, email=claims.email)
    return _page(state, "unsubscribed.html")
