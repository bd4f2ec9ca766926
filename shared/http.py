"""HTTP conventions shared by the services: bilingual errors and the caller's identity."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, NotFoundException, SerializationException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_412_PRECONDITION_FAILED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from shared.db import DATABASE_UNAVAILABLE
from shared.identity import PUBLIC, Identity, verify
from shared.logs import get_logger
from shared.supervision import DEPENDENCY_ERRORS, Outage
from shared.tokens import InvalidToken
from shared.validation import FieldError as FieldError  # the error bodies' shape, used by every service
from shared.validation import body_struct, explain, problems

log = get_logger(__name__)


class ErrorBody(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: int
    message_en: str
    message_cy: str
    errors: list[FieldError] = []
    code: str | None = None
    """A stable, machine-readable reason where one helps (e.g. a refused phase change)."""


class ApiError(Exception):
    """An error with a status and a message in both languages."""

    status = 400

    def __init__(
        self,
        message_en: str,
        message_cy: str,
        errors: list[FieldError] | None = None,
        code: str | None = None,
    ):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_cy = message_cy
        self.errors = errors or []
        self.code = code


class Invalid(ApiError):
    status = HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, errors: list[FieldError]):
        super().__init__("Check the highlighted fields", "Gwiriwch y meysydd sydd wedi'u hamlygu", errors=errors)


class Conflict(ApiError):
    status = HTTP_409_CONFLICT


class Stale(ApiError):
    status = HTTP_412_PRECONDITION_FAILED

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this record since you loaded it. Reload it and try again.",
            "Mae rhywun arall wedi newid y cofnod hwn ers i chi ei agor. Ail-lwythwch a rhowch gynnig arall.",
        )


class MalformedBody(ApiError):
    status = HTTP_400_BAD_REQUEST

    def __init__(
        self, message_en: str = "The request body is not valid UTF-8",
        message_cy: str = "Nid yw corff y cais yn destun UTF-8 dilys",
    ) -> None:  # fmt: skip
        super().__init__(message_en, message_cy, [FieldError("body", message_en, message_cy)])


NOT_JSON = ("The request body is not valid JSON", "Nid yw corff y cais yn JSON dilys")


JSON_BODY = "cdps.json"
"""Where a request's decoded JSON body is kept, for the 422 handler to check it whole."""


class JsonRequest(Request[Any, Any, Any]):
    """A request whose JSON body is refused with a bilingual 400 when it is not UTF-8 or not JSON,
    and kept once decoded.

    msgspec raises ``UnicodeDecodeError`` (not ``DecodeError``) for bytes that are not UTF-8, and
    Litestar only turns ``DecodeError`` into a 400, so without this such a body is a 500.
    """

    async def json(self) -> Any:
        try:
            value = await super().json()
        except UnicodeDecodeError:
            raise MalformedBody() from None
        except SerializationException:  # else Litestar's 400 says msgspec's words, in English only
            raise MalformedBody(*NOT_JSON) from None
        self.scope["state"][JSON_BODY] = value
        return value


class NotFound(ApiError):
    status = HTTP_404_NOT_FOUND

    def __init__(self, what_en: str = "record", what_cy: str = "cofnod") -> None:
        super().__init__(f"No such {what_en}", f"Dim {what_cy} o'r fath")


class Unauthorised(ApiError):
    status = HTTP_401_UNAUTHORIZED

    def __init__(self) -> None:
        super().__init__("Sign in to do this", "Mewngofnodwch i wneud hyn")


class Forbidden(ApiError):
    status = HTTP_403_FORBIDDEN

    def __init__(self) -> None:
        super().__init__("You do not have permission to do this", "Nid oes gennych ganiatâd i wneud hyn")


def validation_errors(request: Request[Any, Any, Any], exc: ValidationException) -> list[FieldError]:
    """Every bad field of the request, in words naming each: Litestar reports a body's first problem
    only, so a refused body is checked again, whole (``shared/validation.py``)."""
    extra: Any = exc.extra
    items = extra if isinstance(extra, list) else [{"message": exc.detail}]
    errors: list[FieldError] = []
    body_refused = False
    for item in items:
        item = item if isinstance(item, dict) else {"message": str(item)}
        key = str(item.get("key") or "")
        if item.get("source") == "body" or key.split(".")[0] in ("", "data"):
            body_refused = True
            continue
        parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
        annotation = parameter.annotation if parameter is not None else None
        errors.append(explain(key, str(item.get("message", exc.detail)), annotation))
    if body_refused:
        errors = _body_errors(request, items) + errors
    return errors


def _body_errors(request: Request[Any, Any, Any], items: list[Any]) -> list[FieldError]:
    body_type = body_struct(request.route_handler)
    raw = request.scope["state"].get(JSON_BODY, msgspec.UNSET)
    if body_type is not None and raw is not msgspec.UNSET:
        found = problems(body_type, raw)
        if found:
            return found
    body_items = [i for i in items if isinstance(i, dict) and (i.get("source") == "body" or not i.get("key"))]
    return [explain(str(i.get("key") or "").removeprefix("data").lstrip(".") or "body", str(i.get("message", "")))
            for i in body_items]  # fmt: skip


def _body(
    status: int, message_en: str, message_cy: str, errors: list[FieldError], code: str | None = None
) -> Response[ErrorBody]:
    return Response(
        ErrorBody(status=status, message_en=message_en, message_cy=message_cy, errors=errors, code=code),
        status_code=status,
    )


def api_error_handler(_: Request[Any, Any, Any], exc: ApiError) -> Response[ErrorBody]:
    return _body(exc.status, exc.message_en, exc.message_cy, exc.errors, exc.code)


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[ErrorBody]:
    invalid = Invalid(validation_errors(request, exc))
    return _body(invalid.status, invalid.message_en, invalid.message_cy, invalid.errors)


def not_found_handler(_: Request[Any, Any, Any], exc: NotFoundException) -> Response[ErrorBody]:
    return _body(404, "Not found", "Heb ei ganfod", [])


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    if exc.status_code == HTTP_500_INTERNAL_SERVER_ERROR:  # e.g. ImproperlyConfiguredException: a bug of ours
        return internal_error_handler(request, exc)
    return _body(exc.status_code, str(exc.detail), str(exc.detail), [])


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """Anything unexpected: the traceback goes to the log; the caller gets a bilingual 500 and no detail."""
    log.error("unhandled exception", method=request.method, path=request.url.path, exc_info=exc)
    return _body(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Try again later.",
        "Aeth rhywbeth o'i le ar ein hochr ni. Rhowch gynnig arall yn nes ymlaen.",
        [],
    )


RETRY_AFTER_SECONDS = 5


def database_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    """PostgreSQL is down or restarting: 503 and Retry-After, not a 500 and a traceback per request.
    Logged once when the outage starts and once when it ends (see ``DatabaseOutage``)."""
    DatabaseOutage.of(request).refused(exc, path=request.url.path)
    response = _body(
        HTTP_503_SERVICE_UNAVAILABLE,
        "This service cannot reach its database just now. Try again in a few seconds.",
        "Ni all y gwasanaeth hwn gyrraedd ei gronfa ddata ar hyn o bryd. Rhowch gynnig arall ymhen ychydig eiliadau.",
        [],
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutage:
    """One per app: the first refused request logs the outage and starts probing PostgreSQL every
    second; the first answer logs its end, with how many requests were refused meanwhile."""

    def __init__(self, pool: Any):
        self._pool = pool
        self._outage = Outage("database")
        self._probe: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, request: Request[Any, Any, Any]) -> DatabaseOutage:
        state = request.app.state
        if "database_outage" not in state:
            runtime = state.get("runtime")
            state.database_outage = cls(runtime.pool if runtime is not None else None)
        outage: DatabaseOutage = state.database_outage
        return outage

    def refused(self, exc: Exception, **context: object) -> None:
        self._outage.down(exc, **context)
        if self._pool is not None and (self._probe is None or self._probe.done()):
            self._probe = asyncio.get_running_loop().create_task(self._until_back())

    async def _until_back(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await asyncio.wait_for(self._pool.fetchval("SELECT 1"), 2)
            except DEPENDENCY_ERRORS:
                continue
            self._outage.up()
            return


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    **{error: database_unavailable_handler for error in DATABASE_UNAVAILABLE},
    ApiError: api_error_handler,
    ValidationException: validation_handler,
    NotFoundException: not_found_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,  # the most general: Litestar picks the closest class in the MRO
}


def caller(connection: ASGIConnection[Any, Any, Any, Any]) -> Identity:
    """The identity behind a request: a verified bearer token, or the public."""
    header = connection.headers.get("authorization", "")
    if not header:
        return PUBLIC
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or not token.isascii():  # tokens are base64url; hmac needs ASCII
        raise Unauthorised()
    try:
        return verify(token, connection.app.state.runtime.settings.secret_key)
    except InvalidToken:
        raise Unauthorised() from None


def require_staff(identity: Identity) -> None:
    if identity.role == "public":
        raise Unauthorised()
    if not identity.is_staff:
        raise Forbidden()
