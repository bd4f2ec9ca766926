"""What every portfolio route shares: the date the rules are checked against, and write responses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Response

from shared.requests import etag


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def written(body: Any, *, version: int, position: int | None, status: int = 200, location: str = "") -> Response[Any]:
    """A write's response: the new ETag and the event's outbox position (absent if nothing changed)."""
    headers = {"ETag": etag(version)}
    if position is not None:
        headers["X-Event-Position"] = str(position)
    if location:
        headers["Location"] = location
    return Response(body, status_code=status, headers=headers)


def recorded(body: Any, *, position: int, status: int) -> Response[Any]:
    """A write's response with no record version to give (a removal, a receipt): the event's outbox
    position, so a caller can wait until what reads the stream has seen it."""
    return Response(body, status_code=status, headers={"X-Event-Position": str(position)})
