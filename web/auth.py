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
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import ASGIMiddleware
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.identity import PUBLIC, Identity, sign
from shared.logs import get_logger
from shared.service import Runtime
from web import accounts
from web.i18n import gettext_functions, language_of

log = get_logger(__name__)

SESSION_COOKIE = "cdps_session"
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


async def account_of(request: Request[Any, Any, Any]) -> accounts.Account | None:
    """The signed-in account (cached on the request), from the session cookie or an API token."""
    if "account" in request.scope["state"]:
        cached: accounts.Account | None = request.scope["state"]["account"]
        return cached
    account = None
    runtime: Runtime = request.app.state.runtime
    bearer = request.headers.get("authorization", "")
    async with runtime.pool.acquire() as conn:
        if request.url.path.startswith("/api/"):
            if bearer.lower().startswith("bearer "):
                account = await accounts.api_token_account(conn, bearer[7:].strip())
        elif session_id := request.cookies.get(SESSION_COOKIE):
            account = await accounts.session_account(conn, session_id)
    request.scope["state"]["account"] = account
    return account


async def identity_of(request: Request[Any, Any, Any]) -> Identity:
    account = await account_of(request)
    return account.identity if account is not None else PUBLIC


async def service_headers(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Headers for a call to another service on behalf of whoever made this request."""
    identity = await identity_of(request)
    if identity.role == "public":
        return {}
    runtime: Runtime = request.app.state.runtime
    return {"Authorization": f"Bearer {sign(identity, runtime.settings.secret_key)}"}


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer address. X-Forwarded-For is ignored: uvicorn runs without proxy headers unless
    CDPS_TRUSTED_PROXIES names the proxies, so a client cannot reset its own rate limit."""
    return request.client.host if request.client else "unknown"


class SigninForm(msgspec.Struct, kw_only=True):
    email: str = ""


async def _page(request: Request[Any, Any, Any], name: str, status: int = 200, **context: Any) -> Template:
    lang = language_of(request)
    account = await account_of(request)
    return Template(
        template_name=name, status_code=status,
        context={"lang": lang, "account": account, **gettext_functions(lang), **context},
    )  # fmt: skip


@get("/signin")
async def signin_form(request: Request[Any, Any, Any]) -> Template:
    return await _page(request, "auth/signin.html", email="", error=None)


@post("/signin")
async def request_signin_link(
    request: Request[Any, Any, Any], state: State,
    data: URLEncodedBody[SigninForm],
) -> Template:  # fmt: skip
    """Send a link if the address has an account. The answer is the same either way."""
    lang = language_of(request)
    email = data.email.strip().lower()
    if "@" not in email or len(email) > 254:
        _ = gettext_functions(lang)["_"]
        message = _("Enter an email address in the correct format, like name@example.com")
        return await _page(request, "auth/signin.html", status=400, email=data.email, error=message)
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        limited_address = await accounts.hit_rate_limit(
            conn, f"signin:address:{email}", limit=SIGNIN_LIMIT_PER_ADDRESS, window=SIGNIN_WINDOW
        )
        limited_client = await accounts.hit_rate_limit(
            conn, f"signin:client:{client_address(request)}", limit=SIGNIN_LIMIT_PER_CLIENT, window=SIGNIN_WINDOW
        )
        if limited_address or limited_client:
            return await _page(request, "auth/too_many.html", status=429)
        account = await accounts.find_account(conn, email)
        token = await accounts.create_signin_link(conn, account) if account else None
    if account is not None and token is not None:
        link = f"{runtime.settings.public_url}/signin/{token}"
        await _send_link(runtime, account, link)
    return await _page(request, "auth/check_email.html", email=email)


async def _send_link(runtime: Runtime, account: accounts.Account, link: str) -> None:
    """Core NATS request/reply to the notifier: the link is never stored in the stream."""
    payload = msgspec.json.encode({"email": account.email, "link": link, "language": account.language})
    try:
        await runtime.nc.request(runtime.settings.subject_for("auth.signin_link"), payload, timeout=5)
    except (nats.errors.Error, TimeoutError) as exc:
        # The page says the same either way; the person can ask again.
        log.warning("sign-in link not sent", error=repr(exc))


@get("/signin/{token:str}")
async def follow_signin_link(token: FromPath[str], request: Request[Any, Any, Any], state: State) -> Response[Any]:
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        account = await accounts.redeem_signin_link(conn, token)
        if account is None:
            return await _page(request, "auth/link_invalid.html", status=400)
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


@post("/signout")
async def sign_out(request: Request[Any, Any, Any], state: State) -> Redirect:
    runtime: Runtime = state.runtime
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        async with runtime.pool.acquire() as conn:
            await accounts.end_session(conn, session_id)
    response = Redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@post("/signout/everywhere")
async def sign_out_everywhere(request: Request[Any, Any, Any], state: State) -> Redirect:
    account = await account_of(request)
    if account is not None:
        runtime: Runtime = state.runtime
        async with runtime.pool.acquire() as conn:
            await accounts.end_all_sessions(conn, account.id)
    response = Redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


class TokenForm(msgspec.Struct, kw_only=True):
    name: str = ""


@get("/account/tokens")
async def api_tokens_page(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    account = await account_of(request)
    if account is None:
        return Redirect("/signin")
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        tokens = await accounts.list_api_tokens(conn, account.id)
    return await _page(request, "auth/tokens.html", tokens=tokens, new_secret=None)


@post("/account/tokens")
async def create_api_token(
    request: Request[Any, Any, Any], state: State,
    data: URLEncodedBody[TokenForm],
) -> Response[Any]:  # fmt: skip
    account = await account_of(request)
    if account is None:
        return Redirect("/signin")
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        _, secret = await accounts.create_api_token(conn, account, data.name.strip()[:100] or "API token")
        tokens = await accounts.list_api_tokens(conn, account.id)
    # Shown once: only its hash is kept.
    return await _page(request, "auth/tokens.html", tokens=tokens, new_secret=secret)


@post("/account/tokens/{token_id:uuid}/revoke")
async def revoke_api_token(
    token_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], state: State
) -> Response[Any]:
    account = await account_of(request)
    if account is None:
        return Redirect("/signin")
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        await accounts.revoke_api_token(conn, account.id, token_id)
    return Redirect("/account/tokens")


ROUTES = [
    signin_form, request_signin_link, follow_signin_link, sign_out, sign_out_everywhere,
    api_tokens_page, create_api_token, revoke_api_token,
]  # fmt: skip
