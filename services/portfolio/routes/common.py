"""What every portfolio route shares: conditional requests, write responses, error mapping."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State

from services.portfolio import records, store
from shared.http import ApiError, Conflict, ErrorBody, FieldError, Invalid, NotFound, Stale, api_error_handler
from shared.service import Runtime

_ETAG = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')  # bounded: int() refuses over 4300 digits (a 500)


class PreconditionRequired(ApiError):
    status = 428

    def __init__(self) -> None:
        super().__init__(
            "Send the If-Match header with the ETag you read, so that nobody's change is overwritten",
            "Anfonwch y pennawd If-Match gyda'r ETag a ddarllenoch, fel nad oes newid neb yn cael ei drosysgrifo",
        )


def if_match(request: Request[Any, Any, Any], *, required: bool = True) -> int | None:
    """The version the caller last saw, from If-Match (428 when required and missing)."""
    header = request.headers.get("if-match")
    if header is None:
        if required:
            raise PreconditionRequired()
        return None
    match = _ETAG.match(header.strip())
    if match is None:
        raise Invalid([FieldError("If-Match", "Not an ETag from this API", "Nid yw hwn yn ETag o'r API hwn")])
    return int(match[1])


def etag(version: int) -> str:
    return f'"{version}"'


def written(body: Any, *, version: int, position: int | None, status: int = 200, location: str = "") -> Response[Any]:
    """A write's response: the new ETag and the event's outbox position (absent if nothing changed)."""
    headers = {"ETag": etag(version)}
    if position is not None:
        headers["X-Event-Position"] = str(position)
    if location:
        headers["Location"] = location
    return Response(body, status_code=status, headers=headers)


def runtime(state: State) -> Runtime:
    rt: Runtime = state.runtime
    return rt


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
