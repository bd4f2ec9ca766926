"""The API for scripts and other systems: /api/v1/... on the web service, with an API token.

The web checks the token (only it knows accounts), then forwards the call to the service that
owns the resource with a short-lived identity token, exactly as it does for its own pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

import httpx
from litestar import Request, Response, route
from litestar.datastructures import State

from shared.http import RETRY_AFTER_SECONDS, ErrorBody, Unauthorised, api_error_handler
from shared.logs import get_logger
from web.boardcache import after_write
from web.context import Viewer, service_headers

log = get_logger(__name__)
OWNERS = {
    "projects": "portfolio", "partners": "portfolio", "engagements": "portfolio", "support-requests": "portfolio",
    "people": "portfolio", "import": "portfolio", "assessments": "portfolio", "actions": "portfolio",
    "milestones": "portfolio", "measures": "portfolio", "comments": "portfolio", "funding": "portfolio",
    "search": "search", "subscriptions": "notifier", "deliveries": "notifier", "me": "notifier",
    "weeknotes": "notifier", "webhooks": "webhooks",
    "translations": "portfolio",
}  # fmt: skip
"""The service answering each resource under /api/v1/ (tests/test_gateway.py checks every one is here)."""
FORWARDED_REQUEST_HEADERS = ("content-type", "if-match", "idempotency-key", "accept")
FORWARDED_RESPONSE_HEADERS = (
    "content-type",
    "etag",
    "location",
    "x-event-position",
    "content-disposition",
    "idempotent-replayed",
    "retry-after",
    "x-index-caught-up",
)
PREFIX = "/api/v1/"


def forwardable(raw_path: str) -> list[str] | None:
    """The segments of an /api/v1/… path to forward, or None for a path that could leave the API.

    The path is read as it came (still percent-encoded): a `.` or `..` segment, raw or encoded,
    would be resolved by the client or the service into a route outside /api/v1 (/metrics, /readyz);
    a backslash or an encoded slash is read as a separator by some servers; a `%` left after
    decoding is double encoding. None of these is in any of our API's paths.
    """
    if not raw_path.startswith(PREFIX):
        return None
    segments = [unquote(segment) for segment in raw_path[len(PREFIX) :].split("/")]
    for segment in segments:
        if segment in (".", "..") or any(c in segment for c in "/\\%") or not segment.isprintable():
            return None
    return segments


@route(["/subscriptions/confirm", "/subscriptions/unsubscribe", "/subscriptions/manage"], http_method=["GET", "POST"],
       include_in_schema=False)  # fmt: skip
async def subscription_pages(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """Links in emails point here, at the public web address; the notifier answers them. No
    sign-in, no CSRF token: a one-click unsubscribe comes straight from a mail program."""
    try:
        upstream = await state.http.request(
            request.method, f"{state.settings.notifier_url}{request.url.path}",
            params=list(request.query_params.multi_items()), content=await request.body(),
            headers={k: v for k, v in request.headers.items() if k == "content-type"},
        )  # fmt: skip
    except httpx.HTTPError as exc:
        _unavailable("notifier", request.url.path, exc)
        return Response("The service is not available / Nid yw'r gwasanaeth ar gael", status_code=503)
    # The token is in the address: the notifier's no-store and noindex must reach the browser too.
    kept = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "cache-control", "x-robots-tag")}
    return Response(upstream.content, status_code=upstream.status_code, headers=kept)


@route("/api/v1/{path:path}", http_method=["GET", "POST", "PATCH", "PUT", "DELETE"], include_in_schema=False)
async def gateway(request: Request[Any, Any, Any], state: State, account: Viewer) -> Response[Any]:
    if request.headers.get("authorization") and account is None:
        return api_error_handler(request, Unauthorised())  # a token was given and it is not valid
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    segments = forwardable(raw_path.decode("latin-1"))
    owner = OWNERS.get(segments[0]) if segments else None
    if segments is None or owner is None:
        return Response(ErrorBody(status=404, message_en="Not found", message_cy="Heb ei ganfod"), status_code=404)
    base = {"portfolio": state.settings.portfolio_url, "search": state.settings.search_url,
            "notifier": state.settings.notifier_url, "webhooks": state.settings.webhooks_url}[owner]  # fmt: skip
    headers = {k: v for k, v in request.headers.items() if k in FORWARDED_REQUEST_HEADERS}
    headers.update(await service_headers(request))
    try:
        upstream = await state.http.request(
            request.method, base + PREFIX + "/".join(quote(segment, safe="") for segment in segments),
            params=list(request.query_params.multi_items()),
            content=await request.body(), headers=headers,
        )  # fmt: skip
    except httpx.HTTPError as exc:
        _unavailable(owner, request.url.path, exc)
        body = ErrorBody(status=503, message_en=f"The {owner} service is not available",
                         message_cy=f"Nid yw'r gwasanaeth {owner} ar gael")  # fmt: skip
        return Response(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    after_write(request, request.method, upstream.status_code)
    kept = {k: v for k, v in upstream.headers.items() if k.lower() in FORWARDED_RESPONSE_HEADERS}
    return Response(upstream.content, status_code=upstream.status_code, headers=kept)


def _unavailable(service: str, path: str, exc: httpx.HTTPError) -> None:
    """A 503 says why in the log: a timeout (the service is slow) and a refused connection (it is down)
    call for different fixes, and the person who got the 503 cannot tell which."""
    log.warning("service unavailable", service=service, path=path, error=f"{exc.__class__.__name__}: {exc}")
