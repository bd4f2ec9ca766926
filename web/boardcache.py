"""The board's data, kept per viewer class, forgotten the moment an event changes the board.

The home page asks the portfolio for the projects, the partners and the phase timelines, then
works out three charts: the same for every viewer who may see the same projects. So what it read
and worked out is kept per **viewer class** (the public; a partner's accounts, per partner; leads;
admins: the portfolio's visibility rule has no other inputs), language, filters and day, and each
view only renders it. Who is signed in, the names of people and the page's own parts are never
kept: they are read for each request.

It is forgotten as a whole when the web's stream listener (``web/live.py``) hears an event that
changes the board (or had to resync), and when this web process forwarded a write of its own (so
whoever made a change sees it on their next view, before its event has come back). A view that
began before such a change never stores what it read (the generation it began in is gone). While
the listener is not connected nothing is kept, and an entry lives :data:`TTL_SECONDS` at most.

Repeat visits: the page carries a weak ETag of its body, and a view whose ``If-None-Match`` names
it gets 304 with no body (``RevalidatedTemplate``).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from litestar import Request
from litestar.response import Template
from litestar.response.base import ASGIResponse

from web.accounts import Account

if TYPE_CHECKING:
    from web.live import Change, Listener

TTL_SECONDS = 30.0
"""The longest an entry is kept, should an invalidation ever be missed."""
MAX_ENTRIES = 512
"""Viewer classes × languages × filter combinations kept (the least recently used go first)."""

Key = tuple[Hashable, ...]


def viewer_class(account: Account | None) -> tuple[str, str | None]:
    """Who sees the same board: the public; each partner's accounts; leads; admins."""
    if account is None:
        return ("public", None)
    if account.role == "partner":
        return ("partner", str(account.partner_id) if account.partner_id else None)
    return (str(account.role), None)


class BoardCache:
    def __init__(self, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self.generation = 0
        """Counts invalidations: a view stores what it read only if none happened since it began."""
        self.connected: Callable[[], bool] = lambda: True
        self._entries: OrderedDict[Key, tuple[float, dict[str, Any]]] = OrderedDict()

    def attach(self, listener: Listener) -> None:
        """Forget everything whenever the listener hears a change of the board; keep nothing while
        it is not connected."""
        self.connected = lambda: listener.connected
        listener.subscribe(self.on_change)

    def on_change(self, change: Change) -> None:
        if "board" in change.views:
            self.invalidate()

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()

    def get(self, key: Key) -> dict[str, Any] | None:
        if not self.connected():
            return None
        found = self._entries.get(key)
        if found is None:
            return None
        stored_at, value = found
        if self.clock() - stored_at > self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Key, generation: int, value: dict[str, Any]) -> None:
        """Keep ``value``, read during ``generation``, unless the board changed meanwhile."""
        if generation != self.generation or not self.connected():
            return
        self._entries[key] = (self.clock(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)


def cache_of(request: Request[Any, Any, Any]) -> BoardCache | None:
    cache: BoardCache | None = request.app.state.get("board_cache")
    return cache


def after_write(request: Request[Any, Any, Any], method: str, status: int) -> None:
    """A write this process forwarded succeeded: the board may show it at once."""
    if method.upper() not in ("GET", "HEAD", "OPTIONS") and status < 400 and (cache := cache_of(request)):
        cache.invalidate()


def etag_of(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def _matches(header: str, tag: str) -> bool:
    wanted = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in wanted or tag.removeprefix("W/") in wanted


class RevalidatedTemplate(Template):
    """A page with a weak ETag of its body: 304 and no body when the browser already has it. The page
    is personal (who is signed in, the form token), so caches may keep it only for this browser and
    must ask again each time (``private, no-cache``)."""

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(*args, **kwargs)
        request: Request[Any, Any, Any] = kwargs["request"] if "request" in kwargs else args[1]
        if response.status_code != 200:
            return response
        tag = etag_of(response.body)
        response.headers["etag"] = tag
        response.headers["cache-control"] = "private, no-cache"
        if _matches(request.headers.get("if-none-match", ""), tag):
            response.status_code = 304
            response.body = b""
            del response.headers["content-length"]
            del response.headers["content-type"]
        return response
