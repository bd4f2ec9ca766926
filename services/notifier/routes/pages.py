"""The small bilingual pages that links in emails open. No sign-in: the signed link is the proof."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import MediaType, Response, get, post
from litestar.params import QueryParameter

from services.notifier import store
from services.notifier.domain import RHYTHMS, Lang, Language, target_name
from services.notifier.links import LinkClaims, Purpose
from services.notifier.routes.common import Notifier, Parts
from shared.requests import Connection
from shared.tokens import InvalidToken

Token = Annotated[str, QueryParameter(name="token", max_length=2000, required=False)]
PageLang = Annotated[str, QueryParameter(name="lang", max_length=2, required=False)]
"""The language switch's choice; otherwise a page opens in the language the link was sent in."""

# The token is in the URL: keep it out of caches, referrers and search engines.
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def page_language(chosen: str, sent_in: Language | None) -> Lang:
    """The switch's choice, else the subscriber's language; Welsh when they get both or it is unknown."""
    if chosen == "en" or (chosen != "cy" and sent_in == "en"):
        return "en"
    return "cy"


def _page(notifier: Parts, name: str, lang: Lang, token: str, status: int = 200, **context: object) -> Response[str]:
    # Relative links, so the page works wherever it is served from (directly or behind the web service).
    switch = {code: "?" + urlencode({"token": token, "lang": code} if token else {"lang": code})
              for code in ("cy", "en")}  # fmt: skip
    html = notifier.templates.page(
        name, lang=lang, switch=switch, cy=lambda welsh, english: welsh if lang == "cy" else english, **context
    )
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=PAGE_HEADERS)


def _claims(notifier: Parts, token: str, purpose: Purpose) -> LinkClaims | None:
    try:
        return notifier.links.verify(token, purpose)
    except InvalidToken:
        return None


@get("/subscriptions/confirm", include_in_schema=False)
async def confirm(notifier: Notifier, conn: Connection, token: Token = "", lang: PageLang = "") -> Response[str]:
    """Following the link in the confirmation email confirms (again, harmlessly, if followed twice)."""
    claims = _claims(notifier, token, "confirm")
    if claims is None or claims.subscription is None:
        return _page(notifier, "link_invalid.html", page_language(lang, None), token, status=400)
    language, rhythm = claims.language or "both", claims.rhythm or "immediate"
    subscription = await store.confirm(conn, claims.subscription, language, rhythm)
    if subscription is None:  # unsubscribed, or never confirmed and since forgotten
        return _page(notifier, "link_invalid.html", page_language(lang, language), token, status=400)
    names = await store.names_of(conn, subscription.target_kind, subscription.target_id, public_only=True)
    return _page(
        notifier, "confirmed.html", page_language(lang, language), token,
        target_cy=target_name(subscription.target_kind, names, "cy"),
        target_en=target_name(subscription.target_kind, names, "en"),
        rhythm_cy=RHYTHMS["cy"][subscription.rhythm], rhythm_en=RHYTHMS["en"][subscription.rhythm],
        unsubscribe_url=notifier.links.unsubscribe(subscription=subscription.id, language=language),
    )  # fmt: skip


@get("/subscriptions/unsubscribe", include_in_schema=False)
async def ask_to_unsubscribe(
    notifier: Notifier, conn: Connection, token: Token = "", lang: PageLang = ""
) -> Response[str]:
    """A page with a button, not the unsubscription itself: mail scanners open links. Once done, the
    link opens the page that says so (as the language switch of that page does)."""
    claims = _claims(notifier, token, "unsubscribe")
    if claims is None or (claims.subscription is None and claims.email is None):
        return _page(notifier, "link_invalid.html", page_language(lang, None), token, status=400)
    language = page_language(lang, claims.language)
    if not await store.subscribed(conn, subscription_id=claims.subscription, email=claims.email):
        return _page(notifier, "unsubscribed.html", language, token)
    action_url = "?" + urlencode({"token": token, "lang": language})  # the answer stays in the chosen language
    return _page(notifier, "unsubscribe.html", language, token, action_url=action_url)


@post("/subscriptions/unsubscribe", status_code=200, include_in_schema=False)
async def unsubscribe(notifier: Notifier, conn: Connection, token: Token = "", lang: PageLang = "") -> Response[str]:
    """The button, and RFC 8058 one-click (a POST with ``List-Unsubscribe=One-Click``)."""
    claims = _claims(notifier, token, "unsubscribe")
    if claims is None or (claims.subscription is None and claims.email is None):
        return _page(notifier, "link_invalid.html", page_language(lang, None), token, status=400)
    await store.unsubscribe(conn, subscription_id=claims.subscription, email=claims.email)
    return _page(notifier, "unsubscribed.html", page_language(lang, claims.language), token)
