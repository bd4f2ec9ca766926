"""Wake a background task when a transaction commits work for it, instead of waiting for its poll.

The writer calls ``pg_notify(channel, '')`` in its transaction; PostgreSQL delivers it only at
commit, so a rolled-back write wakes nobody. The task still polls as well: a dropped LISTEN
connection goes unnoticed, and work that becomes due with time (a retry) sends no NOTIFY.
"""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from shared.supervision import DEPENDENCY_ERRORS


class Wakeup:
    def __init__(self, dsn: str, channel: str):
        self._dsn = dsn
        self._channel = channel
        self._woken = asyncio.Event()
        self._listener: asyncpg.Connection | None = None

    async def wait(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Return on the first NOTIFY since the last wait, when the service stops, or after the poll."""
        await self._ensure_listening()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken_or_stopped(stop), poll_seconds)
        self._woken.clear()

    async def close(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            await self._listener.close()
        self._listener = None

    async def _ensure_listening(self) -> None:
        """A dedicated connection for LISTEN: a pooled one would be handed to other work."""
        if self._listener is not None and not self._listener.is_closed():
            return
        try:
            listener: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=5)
            await listener.add_listener(self._channel, self._on_notify)
        except DEPENDENCY_ERRORS:
            return  # PostgreSQL is away: the task's own work fails too, and says so; the poll goes on
        self._listener = listener
        self._woken.set()  # work may have been committed while nobody listened: look once at least

    def _on_notify(self, *_: object) -> None:
        self._woken.set()

    async def _woken_or_stopped(self, stop: asyncio.Event) -> None:
        woken = asyncio.ensure_future(self._woken.wait())
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({woken, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            stopped.cancel()
