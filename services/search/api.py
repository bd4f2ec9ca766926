"""Search API: JSON for programs and an HTML fragment for htmx search-as-you-type."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from services.search import store
from shared.http import caller
from shared.service import Runtime


@get("/api/v1/search", tags=["search"])
async def search(
    request: Request[Any, Any, Any],
    state: State,
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> store.Results:
    runtime: Runtime = state.runtime
    async with runtime.pool.acquire() as conn:
        return await store.search(conn, q.strip(), caller(request), limit=limit)
