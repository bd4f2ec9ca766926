"""Sign-in by one-time email link, server-side sessions, CSRF, security headers, API tokens.

The web is the only service that knows accounts. For every call to another service it signs a
short-lived identity token (shared/identity.py) for whoever is signed in; each service verifies
that token and applies its own scoping.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
import nats.errors
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import ASGIMiddleware
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import get_logger
from shared.service import Runtime
from web import accounts
from web.context import (
    SESSION_COOKIE,
    Connection,
    Language,
    PageLanguage,
    SignedIn,
    Viewer,
    account_of,
    signed_in_or_sign_in_page,
)
from web.i18n import gettext_functions

log = get_logger(__name__)

SIGNIN_LIMIT_PER_ADDRESS = 5
SIGNIN_LIMIT_PER_CLIENT = 20
SIGNIN_WINDOW = dt.timedelta(minutes=15)

# No inline script or style anywhere: htmx runs with allowEval=false and no indicator styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def csrf_config(secret_key: str) -> CSRFConfig:
    # /api/ takes bearer tokens only (never the session cookie), so cross-site forms cannot use it.
    # /subscriptions/ pages hold signed tokens and are posted to by mail programs (one-click unsubscribe).
    return CSRFConfig(
        secret=secret_key, cookie_httponly=True, cookie_samesite="lax", exclude=["/api/", "/subscriptions/"]
    )


class SecurityHeaders(ASGIMiddleware):
    """Strict headers on every response; HSTS only when served over HTTPS."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message["headers"] = headers
            await send(message)

        await next_app(scope, receive, send_with_headers)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address. X-Forwarded-For is ignored: uvicorn runs without proxy headers unless
    CDPS_TRUSTED_PROXIES names the proxies, so a client cannot reset its own rate limit."""
    return request.client.host if request.client else "unknown"


class SigninForm(msgspec.Struct, kw_only=True):
    email: str = ""


async def _page(
    request: Request[Any, Any, Any], lang: Language, name: str, status: int = 200, **context: Any
) -> Template:
    account = await account_of(request)
    return Template(
        template_name=name, status_code=status,
        context={"lang": lang.code, "account": account, **gettext_functions(lang.code), **context},
    )  # fmt: skip


@get("/signin")
async def signin_form(request: Request[Any, Any, Any], lang: PageLanguage) -> Template:
    return await _page(request, lang, "auth/signin.html", email="", error=None)


@post("/signin")
async def request_signin_link(
    request: Request[Any, Any, Any], state: State, lang: PageLanguage, conn: Connection,
    data: URLEncodedBody[SigninForm],
) -> Template:  # fmt: skip
    """Send a link if the address has an account. The answer is the same either way, and as quick:
    the link goes to the notifier after the page has been sent."""
    email = data.email.strip().lower()
    if "@" not in email or len(email) > 254:
        message = lang._("Enter an email address in the correct format, like name@example.com")
        return await _page(request, lang, "auth/signin.html", status=400, email=data.email, error=message)
    limited_address = await accounts.hit_rate_limit(
        conn, f"signin:address:{email}", limit=SIGNIN_LIMIT_PER_ADDRESS, window=SIGNIN_WINDOW
    )
    limited_client = await accounts.hit_rate_limit(
        conn, f"signin:client:{client_address(request)}", limit=SIGNIN_LIMIT_PER_CLIENT, window=SIGNIN_WINDOW
    )
    if limited_address or limited_client:
        return await _page(request, lang, "auth/too_many.html", status=429)
    account = await accounts.find_account(conn, email)
    response = await _page(request, lang, "auth/check_email.html", email=email)
    if account is not None:
        link = f"{state.runtime.settings.public_url}/signin/{await accounts.create_signin_link(conn, account)}"
        response.background = BackgroundTask(_send_link, state.runtime, account, link)
    return response


async def _send_link(runtime: Runtime, account: accounts.Account, link: str) -> None:
    """Core NATS request/reply to the notifier: the link is never stored in the stream."""
    payload = msgspec.json.encode({"email": account.email, "link": link, "language": account.language})
    try:
        await runtime.nc.request(runtime.settings.subject_for("auth.signin_link"), payload, timeout=5)
    except (nats.errors.Error, TimeoutError) as exc:
        # The page says the same either way; the person can ask again.
        log.warning("sign-in link not sent", error=repr(exc))


@get("/signin/{token:str}")
async def follow_signin_link(
    token: FromPath[str], request: Request[Any, Any, Any], lang: PageLanguage, conn: Connection
) -> Response[Any]:
    account = await accounts.redeem_signin_link(conn, token)
    if account is None:
        return await _page(request, lang, "auth/link_invalid.html", status=400)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await accounts.end_session(conn, old)  # never keep a session id the browser chose or had before
    session_id = await accounts.start_session(conn, account)
    response: Redirect = Redirect("/")
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="lax", secure=request.url.scheme == "https",
        max_age=int(accounts.SESSION_ABSOLUTE.total_seconds()), path="/",
    )  # fmt: skip
    return response


def signed_out() -> Redirect:
    response = Redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@post("/signout")
async def sign_out(request: Request[Any, Any, Any], conn: Connection) -> Redirect:
    if session_id := request.cookies.get(SESSION_COOKIE):
        await accounts.end_session(conn, session_id)
    return signed_out()


@post("/signout/everywhere")
async def sign_out_everywhere(account: Viewer, conn: Connection) -> Redirect:
    if account is not None:
        await accounts.end_all_sessions(conn, account.id)
    return signed_out()


class TokenForm(msgspec.Struct, kw_only=True):
    name: str = ""


@get("/account/tokens", guards=[signed_in_or_sign_in_page])
async def api_tokens_page(
    request: Request[Any, Any, Any], lang: PageLanguage, me: SignedIn, conn: Connection
) -> Template:
    tokens = await accounts.list_api_tokens(conn, me.id)
    return await _page(request, lang, "auth/tokens.html", tokens=tokens, new_secret=None)


@post("/account/tokens", guards=[signed_in_or_sign_in_page])
async def create_api_token(
    request: Request[Any, Any, Any], lang: PageLanguage, me: SignedIn, conn: Connection,
    data: URLEncodedBody[TokenForm],
) -> Template:  # fmt: skip
    _, secret = await accounts.create_api_token(conn, me, data.name.strip()[:100] or "API token")
    tokens = await accounts.list_api_tokens(conn, me.id)
    # Shown once: only its hash is kept.
    return await _page(request, lang, "auth/tokens.html", tokens=tokens, new_secret=secret)


@post("/account/tokens/{token_id:uuid}/revoke", guards=[signed_in_or_sign_in_page])
async def revoke_api_token(token_id: FromPath[uuid.UUID], me: SignedIn, conn: Connection) -> Redirect:
    await accounts.revoke_api_token(conn, me.id, token_id)
    return Redirect("/account/tokens")


ROUTES = [
    signin_form, request_signin_link, follow_signin_link, sign_out, sign_out_everywhere,
    api_tokens_page, create_api_token, revoke_api_token,
]  # fmt: skip
