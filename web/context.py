"""What a handler is given instead of working it out: who is signed in, the page's language, a
database connection, and the guards of pages that only some people may open.

Handlers name what they need (``account``; ``me`` where someone must be signed in; ``lang``; ``conn``)
and declare who may open them (``guards=[staff_only]``); ``DEPENDENCIES`` wires the providers into the app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shared.identity import PUBLIC, Identity, sign
from shared.service import Runtime
from shared.settings import Settings
from web import accounts
from web.i18n import gettext_functions, language_of

if TYPE_CHECKING:
    from shared.db import Conn as Conn
else:  # Litestar reads handlers' annotations at run time, where asyncpg's generic types cannot be subscripted
    from asyncpg.pool import PoolConnectionProxy as Conn

AnyConnection = ASGIConnection[Any, Any, Any, Any]
SESSION_COOKIE = "cdps_session"
STAFF_ROLES = ("admin", "lead")


async def account_of(connection: AnyConnection) -> accounts.Account | None:
    """The signed-in account (looked up once per request), from the session cookie or an API token."""
    if "account" in connection.scope["state"]:
        cached: accounts.Account | None = connection.scope["state"]["account"]
        return cached
    account = None
    runtime: Runtime = connection.app.state.runtime
    bearer = connection.headers.get("authorization", "")
    async with runtime.pool.acquire() as conn:
        if connection.url.path.startswith("/api/"):
            if bearer.lower().startswith("bearer "):
                account = await accounts.api_token_account(conn, bearer[7:].strip())
        elif session_id := connection.cookies.get(SESSION_COOKIE):
            account = await accounts.session_account(conn, session_id)
    connection.scope["state"]["account"] = account
    return account


def served_over_https(settings: Settings) -> bool:
    """People reach the site over HTTPS: then every cookie is Secure, whatever scheme a request
    seems to arrive by (behind a proxy it may be plain HTTP)."""
    return settings.public_url.startswith("https://")


def cookie_secure(connection: AnyConnection) -> bool:
    return served_over_https(connection.app.state.settings) or connection.url.scheme == "https"


async def identity_of(connection: AnyConnection) -> Identity:
    account = await account_of(connection)
    return account.identity if account is not None else PUBLIC


async def service_headers(connection: AnyConnection) -> dict[str, str]:
    """Headers for a call to another service on behalf of whoever made this request."""
    identity = await identity_of(connection)
    if identity.role == "public":
        return {}
    runtime: Runtime = connection.app.state.runtime
    return {"Authorization": f"Bearer {sign(identity, runtime.settings.secret_key)}"}


@dataclass(frozen=True)
class Language:
    """The page's language (``code``: "cy" or "en") and its words: ``lang._("Save")``."""

    code: str
    _: Callable[..., str]
    ngettext: Callable[..., str]

    @classmethod
    def of(cls, code: str) -> Language:
        words = gettext_functions(code)
        return cls(code=code, _=words["_"], ngettext=words["ngettext"])


class SignInFirst(NotAuthorizedException):
    """Nobody is signed in on a page that sends people to sign in rather than showing the 401 page."""


async def provide_account(request: AnyConnection) -> accounts.Account | None:
    return await account_of(request)


async def provide_signed_in(request: AnyConnection) -> accounts.Account:
    """The signed-in account; nobody signed in is the 401 page."""
    account = await account_of(request)
    if account is None:
        raise NotAuthorizedException()
    return account


def provide_language(request: Request[Any, Any, Any]) -> Language:
    return Language.of(language_of(request))


async def provide_connection(state: State, account: Viewer) -> AsyncIterator[Conn]:
    """A connection of the web schema's pool for the length of the request.

    It takes ``account`` only to be resolved after the other providers: the account's own look-up
    has given its connection back by then, and Litestar does not close a generator whose round of
    dependencies failed (``me`` raising beside it would leave the connection to the garbage collector).
    """
    del account
    async with state.runtime.pool.acquire() as conn:
        yield conn


async def signed_in_only(connection: AnyConnection, _: BaseRouteHandler) -> None:
    await provide_signed_in(connection)


async def signed_in_or_sign_in_page(connection: AnyConnection, _: BaseRouteHandler) -> None:
    if await account_of(connection) is None:
        raise SignInFirst()


async def staff_only(connection: AnyConnection, _: BaseRouteHandler) -> None:
    """Delivery leads and admins; a partner is refused (403), nobody signed in asked to sign in (401)."""
    if (await provide_signed_in(connection)).role not in STAFF_ROLES:
        raise PermissionDeniedException()


async def admin_only(connection: AnyConnection, _: BaseRouteHandler) -> None:
    if (await provide_signed_in(connection)).role != "admin":
        raise PermissionDeniedException()


def is_staff(account: accounts.Account | None) -> bool:
    return account is not None and account.role in STAFF_ROLES


# What a handler's parameters say they need; each name is the key of its provider below.
Viewer: TypeAlias = NamedDependency[accounts.Account | None]
"""``account``: whoever is signed in, or None."""
SignedIn: TypeAlias = NamedDependency[accounts.Account]
"""``me``: the signed-in account; nobody signed in is the 401 page."""
PageLanguage: TypeAlias = NamedDependency[Language]
"""``lang``: the page's language."""
Connection: TypeAlias = NamedDependency[Conn]
"""``conn``: a connection of the web schema's pool, held for the request."""


DEPENDENCIES = {
    "account": Provide(provide_account),
    "me": Provide(provide_signed_in),
    "lang": Provide(provide_language, sync_to_thread=False),
    "conn": Provide(provide_connection),
}
