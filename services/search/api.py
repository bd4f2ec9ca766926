"""Search API: full text with filters and facets, as JSON (the web renders it), and the indexer's lag."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from services.search import store
from services.search.consumer import CONSUMER
from shared.consumer import indexed_position
from shared.events import Health, Phase
from shared.http import FieldError, Invalid, caller
from shared.service import Runtime

READ_YOUR_WRITES_SECONDS = 1.0

Text = Annotated[str, QueryParameter(max_length=200)]


class Lag(msgspec.Struct):
    stream_seq: int
    indexed_seq: int
    lag: int


def parse_after(after: str | None) -> tuple[uuid.UUID, int] | None:
    """``<aggregate id>:<aggregate seq>`` of the write the caller wants to see."""
    if not after:
        return None
    aggregate, _, seq = after.partition(":")
    try:
        return uuid.UUID(aggregate), int(seq)
    except ValueError:
        raise Invalid(
            [FieldError("after", "Use <record id>:<sequence>", "Defnyddiwch <id cofnod>:<dilyniant>")]
        ) from None


async def wait_until_indexed(runtime: Runtime, after: tuple[uuid.UUID, int] | None) -> bool:
    """Bounded wait (about a second) for the index to reach the caller's own write."""
    if after is None:
        return True
    deadline = time.monotonic() + READ_YOUR_WRITES_SECONDS
    while True:
        async with runtime.pool.acquire() as conn:
            if await store.indexed_seq(conn, after[0]) >= after[1]:
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)


async def run_query(
    request: Request[Any, Any, Any], state: State, query: store.Query, after: str | None
) -> Response[store.Results]:
    runtime: Runtime = state.runtime
    caught_up = await wait_until_indexed(runtime, parse_after(after))
    results = await store.search(runtime.pool, query, caller(request))
    # Tell the caller when the bounded wait ran out, rather than pretending the index is current.
    return Response(results, headers={"X-Index-Caught-Up": "true" if caught_up else "false"})


@get("/api/v1/search", tags=["search"])
async def search(
    request: Request[Any, Any, Any], state: State, q: Text = "",
    kind: Annotated[store.Kind | None, QueryParameter()] = None,
    partner: Annotated[uuid.UUID | None, QueryParameter()] = None,
    phase: Annotated[Phase | None, QueryParameter()] = None,
    health: Annotated[Health | None, QueryParameter()] = None,
    tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
    date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
    date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    offset: Annotated[int, QueryParameter(ge=0, le=10_000)] = 0,
    after: Annotated[str | None, QueryParameter(max_length=80)] = None,
) -> Response[store.Results]:  # fmt: skip
    """Full text in Welsh and English with typo tolerance, filters and facet counts.

    ``after=<record id>:<sequence>`` waits (up to about a second) until the index holds that write.
    """
    query = store.Query(q=q, kind=kind, partner=partner, phase=phase, health=health, tag=tag,
                        date_from=date_from, date_to=date_to, limit=limit, offset=offset)  # fmt: skip
    return await run_query(request, state, query, after)


@get("/api/v1/search/lag", tags=["search"])
async def lag(state: State) -> Lag:
    """How far the index is behind the stream (for operators and alerts)."""
    runtime: Runtime = state.runtime
    info = await runtime.js.stream_info(runtime.settings.stream_name)
    indexed = await indexed_position(runtime.pool, CONSUMER)
    return Lag(stream_seq=info.state.last_seq, indexed_seq=indexed, lag=max(0, info.state.last_seq - indexed))
