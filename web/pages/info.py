"""The accessibility statement, and friendly error pages in the visitor's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Response, get
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template

from shared.http import ApiError, ErrorBody, api_error_handler
from shared.logs import get_logger
from web.auth import destination
from web.context import SignInFirst
from web.i18n import current_account, gettext_functions, language_of
from web.pages import labels
from web.pages.common import Down, HxRequest, page, unavailable

log = get_logger(__name__)


@get("/accessibility")
async def accessibility(request: HxRequest) -> Template:
    return await page(request, "pages/accessibility.html")


def _error_page(request: HxRequest, status: int, **context: Any) -> Response[Any]:
    """Sync (Litestar calls exception handlers without awaiting): uses what the request already knows."""
    if request.url.path.startswith("/api/"):
        messages = {404: ("Not found", "Heb ei ganfod"), 403: ("Forbidden", "Gwaharddedig"),
                    401: ("Sign in to do this", "Mewngofnodwch i wneud hyn")}  # fmt: skip
        en, cy = messages.get(status, ("Something went wrong", "Aeth rhywbeth o'i le"))
        return Response(ErrorBody(status=status, message_en=en, message_cy=cy), status_code=status)
    lang = language_of(request)
    account = current_account(request)
    return Template(
        template_name="errors/error.html", status_code=status,
        context={"lang": lang, "account": account, "labels": labels, "status": status, **gettext_functions(lang),
                 **context},
    )  # fmt: skip


def not_found(request: HxRequest, _: Exception) -> Response[Any]:
    return _error_page(request, 404)


def not_allowed(request: HxRequest, exc: Exception) -> Response[Any]:
    csrf = "csrf" in str(getattr(exc, "detail", "")).lower()
    return _error_page(request, 403, csrf=csrf)


def here(request: HxRequest) -> str:
    """This request's path and query as the browser sent them, for the sign-in to come back to."""
    path = (request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return path + (f"?{query}" if query else "")


def sign_in_then_back(request: HxRequest) -> str:
    return "/signin?" + urlencode({"next": destination(here(request))})


def not_signed_in(request: HxRequest, _: Exception) -> Response[Any]:
    return _error_page(request, 401, signin_url=sign_in_then_back(request))


def to_sign_in(request: HxRequest, _: Exception) -> Response[Any]:
    return Redirect(sign_in_then_back(request))


def bad_request(request: HxRequest, _: Exception) -> Response[Any]:
    return _error_page(request, 400)


def invalid_input(request: HxRequest, exc: Exception) -> Response[Any]:
    """Input no field may hold (shared/inputs.py), or that a service refused: a 400 page naming
    each field in the visitor's language (the API gets the bilingual JSON)."""
    assert isinstance(exc, ApiError)
    if request.url.path.startswith("/api/"):
        return api_error_handler(request, exc)
    lang = language_of(request)
    problems = [(e.field, e.message_cy if lang == "cy" else e.message_en) for e in exc.errors]
    return _error_page(request, 400, problems=problems)


def service_down(request: HxRequest, exc: Exception) -> Response[Any]:
    service = exc.service if isinstance(exc, Down) else "portfolio"
    return _error_page(request, 503, message=unavailable(request, service))


def http_error(request: HxRequest, exc: Exception) -> Response[Any]:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status >= 500:
        log.error("page failed", path=request.url.path, error=repr(exc))
    return _error_page(request, status if status in (400, 404, 405, 429) else 500)


def server_error(request: HxRequest, exc: Exception) -> Response[Any]:
    log.exception("page failed", path=request.url.path, error=repr(exc))
    return _error_page(request, 500)


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    NotFoundException: not_found,
    PermissionDeniedException: not_allowed,
    NotAuthorizedException: not_signed_in,
    SignInFirst: to_sign_in,
    ValidationException: bad_request,
    ApiError: invalid_input,
    Down: service_down,
    HTTPException: http_error,
    Exception: server_error,
}
