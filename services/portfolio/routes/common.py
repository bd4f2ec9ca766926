"""What every portfolio route shares: write responses and the mapping of store errors to HTTP."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from services.portfolio import records, store
from shared.http import ApiError, Conflict, ErrorBody, FieldError, Invalid, NotFound, Stale, api_error_handler
from shared.requests import etag


def written(body: Any, *, version: int, position: int | None, status: int = 200, location: str = "") -> Response[Any]:
    """A write's response: the new ETag and the event's outbox position (absent if nothing changed)."""
    headers = {"ETag": etag(version)}
    if position is not None:
        headers["X-Event-Position"] = str(position)
    if location:
        headers["Location"] = location
    return Response(body, status_code=status, headers=headers)


def _as(error: ApiError) -> Any:
    def handler(request: Request[Any, Any, Any], _: Exception) -> Response[ErrorBody]:
        return api_error_handler(request, error)

    return handler


STORE_ERRORS: dict[int | type[Exception], Any] = {
    store.Missing: _as(NotFound()),
    store.StaleVersion: _as(Stale()),
    store.SlugTaken: _as(
        Conflict(
            "That slug is already used", "Mae'r slug hwnnw'n cael ei ddefnyddio eisoes",
            [FieldError("slug", "This slug is already used", "Mae'r slug hwn yn cael ei ddefnyddio eisoes")],
        )
    ),
    store.UnknownPartner: _as(
        Invalid([FieldError("partner_id", "There is no partner with this id", "Nid oes partner gyda'r id hwn")])
    ),
    records.UnknownProject: _as(
        Invalid([FieldError("project_id", "There is no project with this id", "Nid oes prosiect gyda'r id hwn")])
    ),
    records.EmailTaken: _as(
        Conflict(
            "Someone already has that email address", "Mae gan rywun y cyfeiriad e-bost hwnnw eisoes",
            [FieldError("email", "This email address is already used",
                        "Mae'r cyfeiriad e-bost hwn yn cael ei ddefnyddio")],
        )
    ),
    records.AlreadyTriaged: _as(
        Conflict("This request has already been triaged", "Mae'r cais hwn wedi'i frysbennu eisoes")
    ),
}  # fmt: skip
