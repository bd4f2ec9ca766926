"""Sign-in by one-time email link, server-side sessions, CSRF, security headers, API tokens.

The web is the only service that knows accounts. For every call to another service it signs a
short-lived identity token (shared/identity.py) for whoever is signed in; each service verifies
that token and applies its own scoping.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

import msgspec
import nats.errors
from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.middleware import ASGIMiddleware
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from shared.logs import get_logger
from shared.service import Runtime
from shared.settings import Settings
from web import accounts
from web.context import (
    SESSION_COOKIE,
    Connection,
    Language,
    PageLanguage,
    SignedIn,
    Viewer,
    account_of,
    cookie_secure,
    served_over_https,
    signed_in_or_sign_in_page,
)
from web.i18n import gettext_functions

log = get_logger(__name__)

SIGNIN_LIMIT_PER_ADDRESS = 5
"""Links one client may ask for one address in a window. Counted per address *and* client: a
count per address alone would let anyone, from anywhere, stop the owner getting a link."""
SIGNIN_LIMIT_PER_CLIENT = 20
SIGNIN_WINDOW = dt.timedelta(minutes=15)

# No inline script or style anywhere: htmx runs with allowEval=false and no indicator styles.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)


def csrf_config(settings: Settings) -> CSRFConfig:
    # /api/ takes bearer tokens only (never the session cookie), so cross-site forms cannot use it.
    # /subscriptions/ pages hold signed tokens and are posted to by mail programs (one-click unsubscribe).
    return CSRFConfig(
        secret=settings.secret_key, cookie_httponly=True, cookie_samesite="lax",
        cookie_secure=served_over_https(settings), exclude=["/api/", "/subscriptions/"],
    )  # fmt: skip


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
    next: str = ""
    """The page the person was trying to reach (see ``destination``)."""


def destination(requested: str | None) -> str:
    """Where to go after signing in: the page asked for if it is a path on this site, else the home page.

    Only a path may pass, never another site: not ``//evil.example`` or ``/\\evil.example`` (browsers
    read both as another host), nor their percent-encoded forms (decoded until nothing changes), nor
    anything with a scheme, a host, a control character, a space or non-ASCII (browsers drop some
    characters, such as a tab, before reading the address, which would let ``/<tab>/evil.example``
    through). Sign-in pages themselves lead home: going back to them after signing in helps nobody.
    """
    path = requested or ""
    if not 0 < len(path) <= 2000:
        return "/"
    decoded, previous = path, ""
    for _ in range(5):  # a few rounds: %252F is %2F is /
        if decoded == previous:
            break
        previous, decoded = decoded, unquote(decoded)
    for text in (path, decoded):
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return "/"
        if any(not 0x21 <= ord(char) <= 0x7E for char in text):
            return "/"
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return "/"
    if path == "/signin" or path.startswith(("/signin/", "/signin?", "/signout")):
        return "/"
    return path


async def _page(
    request: Request[Any, Any, Any], lang: Language, name: str, status: int = 200, **context: Any
) -> Template:
    account = await account_of(request)
    return Template(
        template_name=name, status_code=status,
        context={"lang": lang.code, "account": account, **gettext_functions(lang.code), **context},
    )  # fmt: skip


Next = Annotated[str, QueryParameter(name="next", required=False)]


@get("/signin")
async def signin_form(request: Request[Any, Any, Any], lang: PageLanguage, going_to: Next = "") -> Template | Redirect:
    """Someone signed in already goes straight on to the page they were sent to (emails link to a
    page that needs signing in through here, so that the link works for whoever opens it)."""
    if going_to and await account_of(request) is not None:
        return Redirect(destination(going_to), status_code=303)
    return await _page(request, lang, "auth/signin.html", email="", error=None, next=destination(going_to))


@post("/signin")
async def request_signin_link(
    request: Request[Any, Any, Any], state: State, lang: PageLanguage, conn: Connection,
    data: URLEncodedBody[SigninForm],
) -> Template:  # fmt: skip
    """Send a link if the address has an account. The answer is the same either way, and as quick:
    the link goes to the notifier after the page has been sent."""
    email = data.email.strip().lower()
    going_to = destination(data.next)
    if "@" not in email or len(email) > 254:
        message = lang._("Enter an email address in the correct format, like name@example.com")
        return await _page(request, lang, "auth/signin.html", status=400, email=data.email, error=message,
                           next=going_to)  # fmt: skip
    client = client_address(request)
    limited_address = await accounts.hit_rate_limit(
        conn, f"signin:address:{client}:{email}", limit=SIGNIN_LIMIT_PER_ADDRESS, window=SIGNIN_WINDOW
    )
    limited_client = await accounts.hit_rate_limit(
        conn, f"signin:client:{client}", limit=SIGNIN_LIMIT_PER_CLIENT, window=SIGNIN_WINDOW
    )
    if limited_address or limited_client:
        return await _page(request, lang, "auth/too_many.html", status=429)
    account = await accounts.find_account(conn, email)
    response = await _page(request, lang, "auth/check_email.html", email=email)
    if account is not None:
        token = await accounts.create_signin_link(conn, account, destination=going_to)
        link = signin_url(state.runtime.settings.public_url, token, account)
        response.background = BackgroundTask(send_link, state.runtime, account, link)
    return response


def signin_url(public_url: str, token: str, account: accounts.Account) -> str:
    """The emailed link; it opens in the account's language when that is one language."""
    language = f"?lang={account.language}" if account.language in ("cy", "en") else ""
    return f"{public_url}/signin/{token}{language}"


async def send_link(
    runtime: Runtime, account: accounts.Account, link: str, invitation: dict[str, str] | None = None
) -> bool:
    """Core NATS request/reply to the notifier: the link is never stored in the stream. With
    ``invitation`` (name, role, invited_by), the email is an invitation. True if it was sent."""
    request: dict[str, Any] = {"email": account.email, "link": link, "language": account.language}
    if invitation is not None:
        request["invitation"] = invitation
    try:
        answer = await runtime.nc.request(
            runtime.settings.subject_for("auth.signin_link"), msgspec.json.encode(request), timeout=5
        )
    except (nats.errors.Error, TimeoutError) as exc:
        # The sign-in page says the same either way; the person can ask again.
        log.warning("sign-in link not sent", error=repr(exc))
        return False
    try:
        sent = msgspec.json.decode(answer.data, type=LinkSent).ok
    except msgspec.DecodeError:
        sent = False
    if not sent:
        log.warning("sign-in link not sent", reply=answer.data.decode(errors="replace")[:500])
    return sent


class LinkSent(msgspec.Struct):
    """The notifier's answer (it also says why not, for its own log)."""

    ok: bool


@get("/signin/{token:str}")
async def open_signin_link(
    token: FromPath[str], request: Request[Any, Any, Any], lang: PageLanguage, conn: Connection
) -> Template:
    """The link only shows a button: mail scanners and link previews open links, and must not spend
    it. A link that no longer works says so (and how to get another) on an ordinary page."""
    link = await accounts.usable_signin_link(conn, token)
    if link is None:
        return await _page(request, lang, "auth/link_invalid.html")
    return await _page(request, lang, "auth/use_link.html", email=link.account.email)


@post("/signin/{token:str}")
async def use_signin_link(
    token: FromPath[str], request: Request[Any, Any, Any], lang: PageLanguage, conn: Connection
) -> Response[Any]:
    """The button: spends the link, starts a new session and goes where the link leads."""
    link = await accounts.redeem_signin_link(conn, token)
    if link is None:
        return await _page(request, lang, "auth/link_invalid.html", status=400)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await accounts.end_session(conn, old)  # never keep a session id the browser chose or had before
    session_id = await accounts.start_session(conn, link.account)
    response: Redirect = Redirect(destination(link.destination), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="lax", secure=cookie_secure(request),
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
    signin_form, request_signin_link, open_signin_link, use_signin_link, sign_out, sign_out_everywhere,
    api_tokens_page, create_api_token, revoke_api_token,
]  # fmt: skip
