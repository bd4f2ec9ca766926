"""The small bilingual pages that links in emails open: confirm, unsubscribe, and manage every
subscription of an address. No sign-in: the signed link is the proof."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated, Any, cast
from urllib.parse import urlencode

from litestar import MediaType, Request, Response, get, post
from litestar.params import QueryParameter

from services.notifier import store
from services.notifier.domain import RHYTHMS, Lang, Language, Rhythm, target_name
from services.notifier.links import LinkClaims, Purpose
from services.notifier.routes.common import Notifier, Parts
from shared.requests import Connection
from shared.tokens import InvalidToken

if TYPE_CHECKING:
    from shared.db import Conn

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


# --- the manage page: every subscription of one address, from the link in every email ---------

SAVED = ("Wedi cadw'ch dewisiadau.", "Your choices have been saved.")
STOPPED = ("Ni fyddwch yn cael negeseuon e-bost am hwn mwyach.", "You will no longer get emails about this.")
STOPPED_ALL = ("Rydych wedi dad-danysgrifio o bopeth: ni fyddwn yn anfon dim mwy atoch.",
               "You have unsubscribed from everything: we will send you nothing more.")  # fmt: skip
NOT_FOUND = {"field": "", "cy": "Nid yw'r tanysgrifiad hwn yn bod mwyach.", "en": "This subscription no longer exists."}


async def _manage_page(
    notifier: Parts, conn: Conn, token: str, claims: LinkClaims, lang: str, *, status: int = 200,
    errors: list[dict[str, str]] | None = None, done: tuple[str, str] | None = None,
) -> Response[str]:  # fmt: skip
    email = claims.email or ""
    subscriptions = []
    by_field = {error["field"]: error for error in errors or []}
    for row in await store.confirmed_subscriptions(conn, email):
        # A public follower's link names only public records, as its emails do.
        named = row["name_en"] is not None and (row["audience"] != "public" or row["visibility"] == "public")
        names = {"en": row["name_en"], "cy": row["name_cy"]} if named else None
        subscriptions.append({
            "id": str(row["id"]), "language": row["language"], "rhythm": row["rhythm"],
            "target_cy": target_name(row["target_kind"], names, "cy"),
            "target_en": target_name(row["target_kind"], names, "en"),
            "errors": {f: by_field[key] for f in ("language", "rhythm") if (key := f"{f}-{row['id']}") in by_field},
        })  # fmt: skip
    language = page_language(lang, claims.language)
    return _page(
        notifier, "manage.html", language, token, status=status, email=email, subscriptions=subscriptions,
        action_url="?" + urlencode({"token": token, "lang": language}), errors=errors or [], done=done,
    )  # fmt: skip


@get("/subscriptions/manage", include_in_schema=False)
async def manage(notifier: Notifier, conn: Connection, token: Token = "", lang: PageLang = "") -> Response[str]:
    claims = _claims(notifier, token, "manage")
    if claims is None or claims.email is None:
        return _page(notifier, "link_invalid.html", page_language(lang, None), token, status=400)
    return await _manage_page(notifier, conn, token, claims, lang)


@post("/subscriptions/manage", status_code=200, include_in_schema=False)
async def change(
    request: Request[Any, Any, Any], notifier: Notifier, conn: Connection, token: Token = "", lang: PageLang = ""
) -> Response[str]:
    """Save one subscription's language and frequency, end it, or end every one of the address."""
    claims = _claims(notifier, token, "manage")
    if claims is None or claims.email is None:
        return _page(notifier, "link_invalid.html", page_language(lang, None), token, status=400)
    email, form = claims.email, await request.form()
    action = form.get("action")
    if action == "stop_all":
        await store.unsubscribe(conn, subscription_id=None, email=email)
        return await _manage_page(notifier, conn, token, claims, lang, done=STOPPED_ALL)
    try:
        subscription_id = uuid.UUID(str(form.get("subscription", "")))
    except ValueError:
        return await _manage_page(notifier, conn, token, claims, lang, status=404, errors=[NOT_FOUND])
    if action == "stop":
        await store.stop_subscription(conn, subscription_id, email)  # twice (a second tab) is no harm
        return await _manage_page(notifier, conn, token, claims, lang, done=STOPPED)
    language, rhythm = form.get("language"), form.get("rhythm")
    errors = []
    if language not in ("cy", "en", "both"):
        errors.append({"field": f"language-{subscription_id}", "cy": "Dewiswch iaith y negeseuon e-bost",
                       "en": "Choose the language of the emails"})  # fmt: skip
    if rhythm not in RHYTHMS["en"]:
        errors.append({"field": f"rhythm-{subscription_id}", "en": "Choose how often you want emails",
                       "cy": "Dewiswch pa mor aml rydych eisiau negeseuon e-bost"})  # fmt: skip
    if errors:
        return await _manage_page(notifier, conn, token, claims, lang, status=422, errors=errors)
    changed = await store.change_subscription(
        conn, subscription_id, language=cast(Language, language), rhythm=cast(Rhythm, rhythm), email=email
    )  # the casts hold: both were checked against their choices above
    if changed is None:
        return await _manage_page(notifier, conn, token, claims, lang, status=404, errors=[NOT_FOUND])
    return await _manage_page(notifier, conn, token, claims, lang, done=SAVED)
