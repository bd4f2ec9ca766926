"""Answer core NATS requests for what one service owns and another needs at the moment it needs it
(a partner's contacts, the web's accounts): never through the stream, which is kept for ever.

A queue group, so each replica answers some. A request that cannot be answered (PostgreSQL away) is
not answered at all, so the asker times out, holds its work and asks again; a request that is not a
query gets an error reply, so the asker does not wait for it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import msgspec
import nats.errors
from nats.aio.msg import Msg

from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import Health

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)
Query = TypeVar("Query", bound=msgspec.Struct)


async def serve_requests(
    runtime: Runtime, health: Health, *, subject: str, queue: str, query_type: type[Query],
    answer: Callable[[Conn, Query], Awaitable[msgspec.Struct]],
) -> None:  # fmt: skip
    """Until the service stops: decode each request on ``subject`` as ``query_type`` and reply with
    what ``answer`` finds, on a pooled connection."""

    async def respond(msg: Msg) -> None:
        try:
            query = msgspec.json.decode(msg.data, type=query_type)
            async with runtime.pool.acquire() as conn:
                reply = msgspec.json.encode(await answer(conn, query))
        except (msgspec.ValidationError, msgspec.DecodeError):
            reply = msgspec.json.encode({"error": f"not a {subject} query"})
        except Exception as exc:  # PostgreSQL away: no answer, and the asker holds its work
            log.warning("request not answered", subject=subject, error=repr(exc))
            return
        with contextlib.suppress(nats.errors.Error):
            await msg.respond(reply)
        health.progress()

    subscription = await runtime.nc.subscribe(runtime.settings.subject_for(subject), queue=queue, cb=respond)
    try:
        await runtime.stop.wait()
    finally:
        with contextlib.suppress(nats.errors.Error):
            await subscription.unsubscribe()
