"""Search API: full text with filters and facets, as JSON (the web renders it), and the indexer's lag."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import TYPE_CHECKING, Annotated

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_403_FORBIDDEN

from services.search import store
from services.search.consumer import CONSUMER
from shared.consumer import indexed_position
from shared.events import Health, Phase
from shared.http import ApiError, FieldError, Invalid
from shared.replies.search import SearchKind, SearchResults
from shared.requests import Caller, Connection
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn

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


async def wait_until_indexed(conn: Conn, after: tuple[uuid.UUID, int] | None) -> bool:
    """Bounded wait (about a second) for the index to reach the caller's own write."""
    if after is None:
        return True
    deadline = time.monotonic() + READ_YOUR_WRITES_SECONDS
    while await store.indexed_seq(conn, after[0]) < after[1]:
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)
    return True


class ExactCountsForStaffOnly(ApiError):
    status = HTTP_403_FORBIDDEN

    def __init__(self) -> None:
        message_en = "Only CDPS staff may ask for exact counts"
        message_cy = "Dim ond staff CDPS sy'n cael gofyn am gyfrifon union"
        super().__init__(message_en, message_cy, [FieldError("exact", message_en, message_cy)])


@get("/api/v1/search", tags=["search"])
async def search(
    state: State, identity: Caller, conn: Connection, q: Text = "",
    kind: Annotated[SearchKind | None, QueryParameter()] = None,
    partner: Annotated[uuid.UUID | None, QueryParameter()] = None,
    phase: Annotated[Phase | None, QueryParameter()] = None,
    health: Annotated[Health | None, QueryParameter()] = None,
    tag: Annotated[str | None, QueryParameter(max_length=40)] = None,
    date_from: Annotated[dt.date | None, QueryParameter(name="from")] = None,
    date_to: Annotated[dt.date | None, QueryParameter(name="to")] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    offset: Annotated[int, QueryParameter(ge=0, le=10_000)] = 0,
    after: Annotated[str | None, QueryParameter(max_length=80)] = None,
    exact: Annotated[bool, QueryParameter(description="staff only: count every match")] = False,
) -> Response[SearchResults]:  # fmt: skip
    """Full text in Welsh and English with typo tolerance, filters and facet counts.

    Totals are exact up to ``CDPS_SEARCH_COUNT_CAP`` (10,000) and then "more than" (``total_relation``
    "gte", facets over the first that many: ``facets_approximate``); staff may send ``exact=true``.
    ``after=<record id>:<sequence>`` waits (up to about a second) until the index holds that write.
    """
    if exact and not identity.is_staff:
        raise ExactCountsForStaffOnly()
    runtime: Runtime = state.runtime
    caught_up = await wait_until_indexed(conn, parse_after(after))
    query = store.Query(q=q, kind=kind, partner=partner, phase=phase, health=health, tag=tag, date_from=date_from,
                        date_to=date_to, limit=limit, offset=offset,
                        cap=None if exact else runtime.settings.search_count_cap)  # fmt: skip
    results = await store.search(conn, query, identity)
    # Tell the caller when the bounded wait ran out, rather than pretending the index is current.
    return Response(results, headers={"X-Index-Caught-Up": "true" if caught_up else "false"})


@get("/api/v1/search/lag", tags=["search"])
async def lag(state: State) -> Lag:
    """How far the index is behind the stream (for operators and alerts)."""
    runtime: Runtime = state.runtime
    info = await runtime.js.stream_info(runtime.settings.stream_name)
    indexed = await indexed_position(runtime.pool, CONSUMER)
    return Lag(stream_seq=info.state.last_seq, indexed_seq=indexed, lag=max(0, info.state.last_seq - indexed))
