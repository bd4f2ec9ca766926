"""Request context for every service's handlers, by dependency injection (Litestar providers and guards).

A service passes :data:`REQUEST_CONTEXT` as its app's ``dependencies``; a handler then names what
it needs and says only what it does:

- ``identity: Caller``: the verified caller (the public when no token is sent; 401 for a bad one),
- ``conn: Connection``: a connection from the service's pool, released when the handler is done,
- ``expected_version: ExpectedVersion``: the version the caller last read, from ``If-Match`` (428
  when missing, 422 when it is not one of our ETags); where it is optional, the handler overrides
  the dependency with ``{"expected_version": OPTIONAL_VERSION}`` and takes ``OptionalVersion``,

and ``guards=[staff_only]`` refuses everyone but admins and delivery leads (401 for the public, 403
for a partner) before anything else runs.

Each is resolved after the one before it (identity, the version, the connection), never two at once:
Litestar resolves the dependencies of one round together in a task group, which cost a phase change
about 5% of its CPU (issue 25), and a connection must be taken last (see
:func:`provide_connection`). An app passes :func:`version_before_connection` as ``on_app_init`` for
the handlers that take a version to get their connection after it.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

from asyncpg.pool import PoolConnectionProxy
from litestar import Controller, Request
from litestar.config.app import AppConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler

from shared.http import ApiError, FieldError, Invalid, caller, require_staff
from shared.identity import Identity
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn
else:  # Litestar reads annotations at run time: a pooled connection is a proxy
    Conn = PoolConnectionProxy
Connection: TypeAlias = NamedDependency[Conn]
Caller: TypeAlias = NamedDependency[Identity]
ExpectedVersion: TypeAlias = NamedDependency[int]
OptionalVersion: TypeAlias = NamedDependency[int | None]

# Bounded, so a header of thousands of digits is a 422 naming the field and never reaches int()
# (which refuses over 4300 digits with a ValueError: a 500), and no version beyond what a
# PostgreSQL integer column holds reaches a query (asyncpg refuses it: a 500 again).
_ETAG = re.compile(r'^(?:W/)?"([0-9]{1,10})"$')
MAX_VERSION = 2**31 - 1
_IDENTITY = "cdps.identity"
HELD_CONNECTION = "cdps.connection"
"""Where a request's own connection is kept when one is already taken for it: the transaction of
an ``Idempotency-Key`` (shared/idempotency.py), which the handler's writes must share."""


class PreconditionRequired(ApiError):
    status = 428

    def __init__(self) -> None:
        super().__init__(
            "Send the If-Match header with the ETag you read, so that nobody's change is overwritten",
            "Anfonwch y pennawd If-Match gyda'r ETag a ddarllenoch, fel nad oes newid neb yn cael ei drosysgrifo",
        )


def etag(version: int) -> str:
    """The ETag of a record at ``version``: what a client sends back in If-Match."""
    return f'"{version}"'


def identity_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity:
    """The verified caller, checked once per request (the guard and the provider share the answer)."""
    state = connection.scope["state"]
    identity = state.get(_IDENTITY)
    if not isinstance(identity, Identity):
        identity = state[_IDENTITY] = caller(connection)
    return identity


async def staff_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: admins and delivery leads only (401 for the public, 403 for anyone else)."""
    require_staff(identity_of(connection))


def provide_identity(request: Request[Any, Any, Any]) -> Identity:
    return identity_of(request)


def version_in(request: Request[Any, Any, Any], identity: Caller) -> int | None:
    """The version named by If-Match, or None when the header is absent (422 for a malformed one)."""
    del identity  # taken only to be resolved after it (see the module's docstring)
    header = request.headers.get("if-match")
    if header is None:
        return None
    match = _ETAG.match(header.strip())
    if match is None or int(match[1]) > MAX_VERSION:
        raise Invalid([FieldError("If-Match", "Not an ETag from this API", "Nid yw hwn yn ETag o'r API hwn")])
    return int(match[1])


def provide_expected_version(request: Request[Any, Any, Any], identity: Caller) -> int:
    version = version_in(request, identity)
    if version is None:
        raise PreconditionRequired()
    return version


async def provide_connection(
    request: Request[Any, Any, Any], state: State, identity: Caller
) -> AsyncGenerator[Conn, None]:
    """A pooled connection for the length of the handler (or the one already held for the request).

    It takes ``identity`` only to be resolved after the header checks: Litestar resolves
    dependencies in rounds and does not close a generator when a later round, or its own, fails, so
    a connection taken beside a failing If-Match would wait for the garbage collector to go back to
    the pool.
    """
    del identity
    async with _connection(request, state) as conn:
        yield conn


async def provide_connection_after_version(
    request: Request[Any, Any, Any], state: State, expected_version: OptionalVersion
) -> AsyncGenerator[Conn, None]:
    """:func:`provide_connection` for a handler that takes the caller's version: resolved after it."""
    del expected_version
    async with _connection(request, state) as conn:
        yield conn


@contextlib.asynccontextmanager
async def _connection(request: Request[Any, Any, Any], state: State) -> AsyncIterator[Conn]:
    held: Conn | None = request.scope["state"].get(HELD_CONNECTION)
    if held is not None:
        yield held
        return
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        yield conn


CONNECTION_AFTER_VERSION = Provide(provide_connection_after_version)


def version_before_connection(config: AppConfig) -> AppConfig:
    """``on_app_init``: every handler that takes ``expected_version`` gets its connection after the
    version (identity, version, connection: one dependency at a time), not beside it."""
    for handler in _handlers(config.route_handlers):
        if "expected_version" in inspect.signature(handler.fn).parameters:
            handler.dependencies = {**(handler.dependencies or {}), "conn": CONNECTION_AFTER_VERSION}
    return config


def _handlers(items: Iterable[Any]) -> Iterator[HTTPRouteHandler]:
    for item in items:
        if isinstance(item, HTTPRouteHandler):
            yield item
        elif isinstance(item, type) and issubclass(item, Controller):
            yield from (value for value in vars(item).values() if isinstance(value, HTTPRouteHandler))


OPTIONAL_VERSION = Provide(version_in, sync_to_thread=False)

REQUEST_CONTEXT: dict[str, Provide] = {
    "identity": Provide(provide_identity, sync_to_thread=False),
    "expected_version": Provide(provide_expected_version, sync_to_thread=False),
    "conn": Provide(provide_connection),
}
