"""What every page shares: rendering with the language and account, calls to the other services on
behalf of whoever is signed in, and GOV.UK form errors built from the services' bilingual answers."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import msgspec
from litestar import Request, Response
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.response import Template

from shared.http import FieldError, Invalid
from web import accounts
from web.boardcache import RevalidatedTemplate, after_write
from web.context import account_of, cookie_secure, service_headers
from web.i18n import LANGUAGES, N_, gettext_functions, language_of
from web.pages import labels

READ_YOUR_WRITES_COOKIE = "cdps_last_write"


def remember_write(request: Request[Any, Any, Any], response: Response[Any], project_id: str, version: int) -> None:
    """Read your writes: the next search waits (briefly) until the index holds this change."""
    response.set_cookie(READ_YOUR_WRITES_COOKIE, f"{project_id}:{version}", max_age=120, httponly=True,
                        samesite="lax", path="/", secure=cookie_secure(request))  # fmt: skip


Service = Literal["portfolio", "search", "notifier", "webhooks"]
HxRequest = Request[Any, Any, Any]

UNAVAILABLE = {
    "portfolio": N_("The portfolio service is not available at the moment. Try again in a few minutes."),
    "search": N_("The search service is not available at the moment. Try again in a few minutes."),
    "notifier": N_("The email service is not available at the moment. Try again in a few minutes."),
    "webhooks": N_("The webhooks service is not available at the moment. Try again in a few minutes."),
}


class Down(Exception):
    """A service did not answer, or answered with a server error."""

    def __init__(self, service: Service):
        super().__init__(service)
        self.service = service


@contextlib.asynccontextmanager
async def concurrently() -> AsyncIterator[asyncio.TaskGroup]:
    """A task group for a page's reads that do not wait for each other. The first failure is raised
    as itself, not in an ExceptionGroup: a Down is still the page's "service unavailable", a 404
    its not-found page (the other reads are cancelled)."""
    try:
        async with asyncio.TaskGroup() as group:
            yield group
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None


@dataclass
class Reply:
    status: int
    body: Any
    etag: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def version(self) -> int | None:
        return parse_version((self.etag or "").removeprefix("W/").strip('"'))


# ASCII digits, as many as the services' ETags have: str.isdigit() also accepts "²", which int() refuses.
VERSION = re.compile(r"^[0-9]{1,18}$")
REQUEST_KEY = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def request_key() -> str:
    """A new form's ``request_key``: the form sent twice (a double click, the back button, a retry
    after the connection dropped) is then one request to the service, which answers the second
    time as it did the first (shared/idempotency.py)."""
    return str(uuid.uuid4())


def request_key_in(form: Any) -> str | None:
    """The submitted form's ``request_key``, if it is one of ours."""
    text = str(form.get("request_key") or "")
    return text if REQUEST_KEY.match(text) else None


def bilingual_body(values: dict[str, Any], field: str) -> dict[str, str]:
    """A bilingual text's two form fields (``reason_cy``, ``reason_en``) as the API takes it."""
    return {"en": values[f"{field}_en"], "cy": values[f"{field}_cy"]}


def bilingual_fields(field: str, text: Any) -> dict[str, str]:
    """A bilingual text of a service's reply as its two form fields, ``field_cy`` and ``field_en``."""
    text = text if isinstance(text, dict) else {}
    return {f"{field}_cy": text.get("cy") or "", f"{field}_en": text.get("en") or ""}


def parse_version(text: str) -> int | None:
    """A record's version as a form or an ETag carries it; None for anything else."""
    return int(text) if VERSION.match(text) else None


def is_htmx(request: HxRequest) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    return request.headers.get("hx-request") == "true" and not request.headers.get("hx-history-restore-request")


def translate(request: HxRequest, message: str, **values: Any) -> str:
    return gettext_functions(language_of(request))["_"](message, **values)


def unavailable(request: HxRequest, service: Service) -> str:
    return translate(request, UNAVAILABLE[service])


async def call(
    request: HxRequest, service: Service, method: str, path: str, *,
    params: Any = None, json: Any = None, version: int | None = None, key: str | None = None,
    csv: str | None = None,
) -> Reply:  # fmt: skip
    """One call to a service as the signed-in person (or the public). 5xx and no answer raise Down.
    ``key`` is the submitted form's ``request_key``, sent as the Idempotency-Key of a POST (or of a
    PATCH that honours it); ``csv`` is a CSV body sent instead of JSON (an upload)."""
    settings = request.app.state.settings
    base = {
        "portfolio": settings.portfolio_url,
        "search": settings.search_url,
        "notifier": settings.notifier_url,
        "webhooks": settings.webhooks_url,
    }
    headers = await service_headers(request)
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    if key is not None:
        headers["Idempotency-Key"] = key
    if csv is not None:
        headers["Content-Type"] = "text/csv; charset=utf-8"
    try:
        response = await request.app.state.http.request(
            method, f"{base[service]}{path}", params=params, json=json, headers=headers,
            content=csv.encode() if csv is not None else None,
        )  # fmt: skip
    except httpx.HTTPError as exc:
        raise Down(service) from exc
    if response.status_code >= 500:
        raise Down(service)
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    after_write(request, method, response.status_code)
    return Reply(response.status_code, body, response.headers.get("etag"), dict(response.headers))


async def read(request: HxRequest, service: Service, path: str, params: Any = None) -> Any:
    """A GET whose failure is the page's failure: 404 is the page's 404, 401/403 its 403."""
    reply = await call(request, service, "GET", path, params=params)
    if reply.status == 404:
        raise NotFoundException()
    if reply.status in (401, 403):
        raise PermissionDeniedException()
    if reply.status in (400, 422):  # what was asked for is wrong, not the service: say what
        body = reply.body if isinstance(reply.body, dict) else {}
        raise Invalid([msgspec.convert(item, FieldError) for item in body.get("errors") or []])
    if not reply.ok:
        raise Down(service)
    return reply.body


async def read_one(request: HxRequest, path: str, item_id: uuid.UUID) -> dict[str, Any]:
    """The item ``item_id`` of the portfolio's list at ``path`` (a project's measures or funding
    records, which have no address of their own), or the not-found page."""
    found = await read(request, "portfolio", path)
    item = next((i for i in found if i["id"] == str(item_id)), None)
    if item is None:
        raise NotFoundException()
    return dict(item)


async def read_or_none(request: HxRequest, service: Service, path: str, params: Any = None) -> tuple[Any, str | None]:
    """(body, None), or (None, a message for the part of the page that needed it)."""
    try:
        reply = await call(request, service, "GET", path, params=params)
    except Down:
        return None, unavailable(request, service)
    if not reply.ok:
        return None, message_of(request, reply)
    return reply.body, None


def message_of(request: HxRequest, reply: Reply) -> str:
    """The service's own message, in the page's language."""
    body = reply.body if isinstance(reply.body, dict) else {}
    return str(body.get(f"message_{language_of(request)}") or body.get("message_en") or reply.status)


class Errors(dict[str, str]):
    """Form errors: field id -> message, in the order the summary lists them."""

    def add(self, field_id: str, message: str) -> None:
        self.setdefault(field_id, message)


def api_errors(request: HxRequest, reply: Reply, fields: dict[str, str] | None = None) -> Errors:
    """Errors from a service's answer, each beside the form field it names (``fields`` renames)."""
    lang = language_of(request)
    body = reply.body if isinstance(reply.body, dict) else {}
    errors = Errors()
    for item in body.get("errors") or []:
        name = str(item.get("field", ""))
        parts = name.split(".")
        # the English or Welsh of a bilingual text ("reason.cy") is its own form field ("reason_cy")
        default = "_".join(parts[-2:]) if len(parts) > 1 and parts[-1] in ("en", "cy") else parts[-1]
        target = (fields or {}).get(name, default)
        errors.add(target, str(item.get(f"message_{lang}") or item.get("message_en") or ""))
    if not errors:
        errors.add((fields or {}).get("", ""), message_of(request, reply))
    return errors


def page_context(lang: str, account: accounts.Account | None) -> dict[str, Any]:
    """What every template is rendered with: the language and its words, who is signed in, the labels."""
    return {"lang": lang, "account": account, "labels": labels, **gettext_functions(lang)}


async def page(
    request: HxRequest, name: str, *, status: int = 200, revalidated: bool = False, **context: Any
) -> Template:
    """A page (or, for htmx, a fragment) in the request's language, with who is signed in;
    ``revalidated``: with an ETag of its body, and 304 when the browser already has it."""
    lang = language_of(request)
    account = await account_of(request)
    response = (RevalidatedTemplate if revalidated else Template)(
        template_name=name, status_code=status, context={**page_context(lang, account), **context},
    )  # fmt: skip
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                            secure=cookie_secure(request))  # fmt: skip
    return response


async def partners_by_id(request: HxRequest) -> tuple[dict[str, dict[str, Any]], str | None]:
    body, error = await read_or_none(request, "portfolio", "/api/v1/partners")
    return ({p["id"]: p for p in body} if isinstance(body, list) else {}), error


async def people_names(request: HxRequest) -> dict[str, str]:
    """Id -> name, to say who leads a project or did something: the portfolio's delivery leads (whom
    projects may name without an account here), then accounts (name, or email). Signed-in only."""
    if await account_of(request) is None:
        return {}
    leads, _ = await read_or_none(request, "portfolio", "/api/v1/people/leads")
    names = {str(lead["id"]): str(lead["name"]) for lead in leads or []}
    async with request.app.state.runtime.pool.acquire() as conn:
        return names | {str(a.id): a.name or a.email for a in await accounts.list_accounts(conn)}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


DATE_PART = re.compile(r"^[0-9]{1,4}$")


def parse_date(form: Any, name: str) -> tuple[dt.date | None, bool]:
    """(date, given) from GOV.UK date fields name-day, name-month, name-year. Invalid: (None, True)."""
    parts = [str(form.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None, False
    if not all(DATE_PART.match(p) for p in parts):  # int() of "²" fails, of a 30-digit year overflows date()
        return None, True
    try:
        day, month, year = (int(p) for p in parts)
        return dt.date(year, month, day), True
    except ValueError:
        return None, True


def date_parts(value: dt.date | str | None) -> dict[str, str]:
    if not value:
        return {"day": "", "month": "", "year": ""}
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def form_date_parts(form: Any, name: str) -> dict[str, str]:
    return {p: str(form.get(f"{name}-{p}", "")) for p in ("day", "month", "year")}
