"""Webhooks, for admins: the endpoints other systems registered to hear of changes, each one's
delivery log with "Send again", and its signing secret, shown once when made or rotated."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from web.context import admin_only
from web.i18n import gettext_functions, language_of
from web.pages.common import (
    Down,
    Errors,
    HxRequest,
    Reply,
    api_errors,
    call,
    page,
    parse_version,
    partners_by_id,
    request_key,
    request_key_in,
    unavailable,
)

FIELDS = ("url", "event_types", "partner_id", "description", "internal")


def _options(partners: dict[str, dict[str, Any]], lang: str) -> list[tuple[str, str]]:
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang}") or p.get("name_en")))
    return [(str(p["id"]), str(p.get(f"name_{lang}") or p.get("name_en"))) for p in ordered]


async def _form(request: HxRequest, values: dict[str, str], errors: Errors, *, status: int = 200,
                endpoint_id: uuid.UUID | None = None) -> Template:  # fmt: skip
    partners, partners_error = await partners_by_id(request)
    _ = gettext_functions(language_of(request))["_"]
    return await page(
        request, "admin/webhook_new.html", status=status, values=values, errors=errors, partners_error=partners_error,
        partner_options=[("", _("Every partner")), *_options(partners, language_of(request))],
        request_key=values.get("request_key") or request_key(), endpoint_id=endpoint_id,
    )  # fmt: skip


@get("/admin/webhooks", guards=[admin_only])
async def list_webhooks(request: HxRequest) -> Template:
    rows: list[Any] = []
    error = None
    try:
        reply = await call(request, "webhooks", "GET", "/api/v1/webhooks")
        rows = reply.body if reply.ok and isinstance(reply.body, list) else []
        error = None if reply.ok else unavailable(request, "webhooks")
    except Down:
        error = unavailable(request, "webhooks")
    partners, _ = await partners_by_id(request)
    return await page(request, "admin/webhooks.html", rows=rows, error=error, partners=partners)


@get("/admin/webhooks/new", guards=[admin_only])
async def new_webhook(request: HxRequest) -> Template:
    return await _form(request, {name: "" for name in FIELDS} | {"event_types": "*"}, Errors())


_INDEX = re.compile(r"\[\d+\]$")


@post("/admin/webhooks", guards=[admin_only])
async def register_webhook(request: HxRequest) -> Response[Any]:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["request_key"] = request_key_in(form) or request_key()
    body = _body(values)
    try:
        reply = await call(request, "webhooks", "POST", "/api/v1/webhooks", json=body, key=values["request_key"])
    except Down:
        errors = Errors()
        errors.add("url", unavailable(request, "webhooks"))
        return await _form(request, values, errors, status=503)
    if reply.status == 201:
        return await page(request, "admin/webhook_secret.html", status=201, endpoint=reply.body, made=True)
    return await _form(request, values, _errors(request, reply), status=422 if reply.status in (400, 422) else 409)


def _body(values: dict[str, str]) -> dict[str, Any]:
    return {
        "url": values["url"], "description": values["description"], "internal": values["internal"] == "yes",
        "event_types": [line.strip() for line in re.split(r"[\s,]+", values["event_types"]) if line.strip()],
        "partner_id": values["partner_id"] or None,
    }  # fmt: skip


def _errors(request: HxRequest, reply: Reply) -> Errors:
    errors = Errors()
    for field, message in api_errors(request, reply).items():
        errors.add(_INDEX.sub("", field) or "url", message)
    return errors


@get("/admin/webhooks/{endpoint_id:uuid}/edit", guards=[admin_only])
async def edit_webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Template:
    try:
        endpoint, version = await _endpoint(request, endpoint_id)
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    values = {
        "url": endpoint["url"], "event_types": "\n".join(endpoint["event_types"]),
        "partner_id": endpoint["partner_id"] or "", "description": endpoint["description"],
        "internal": "yes" if endpoint["internal"] else "", "version": str(version or ""),
    }  # fmt: skip
    return await _form(request, values, Errors(), endpoint_id=endpoint_id)


@post("/admin/webhooks/{endpoint_id:uuid}/edit", guards=[admin_only])
async def change_webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Response[Any]:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in (*FIELDS, "version")}
    try:
        reply = await call(request, "webhooks", "PATCH", f"/api/v1/webhooks/{endpoint_id}", json=_body(values),
                           version=parse_version(values["version"]))  # fmt: skip
    except Down:
        errors = Errors()
        errors.add("url", unavailable(request, "webhooks"))
        return await _form(request, values, errors, status=503, endpoint_id=endpoint_id)
    if reply.status == 404:
        raise NotFoundException()
    if reply.ok:
        return Redirect(f"/admin/webhooks/{endpoint_id}", status_code=303)
    return await _form(request, values, _errors(request, reply), status=422 if reply.status in (400, 422) else 409,
                       endpoint_id=endpoint_id)  # fmt: skip


async def _endpoint(request: HxRequest, endpoint_id: uuid.UUID) -> tuple[dict[str, Any], int | None]:
    reply = await call(request, "webhooks", "GET", f"/api/v1/webhooks/{endpoint_id}")
    if reply.status == 404:
        raise NotFoundException()
    if not reply.ok:
        raise Down("webhooks")
    return reply.body, reply.version


@get("/admin/webhooks/{endpoint_id:uuid}", guards=[admin_only])
async def webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Template:
    try:
        endpoint, _ = await _endpoint(request, endpoint_id)
        log = await call(request, "webhooks", "GET", f"/api/v1/webhooks/{endpoint_id}/deliveries",
                         params={"limit": 100})  # fmt: skip
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    partners, _ = await partners_by_id(request)
    return await page(request, "admin/webhook.html", endpoint=endpoint, rows=log.body if log.ok else [],
                      partners=partners, error=None, sent=request.query_params.get("sent", ""))  # fmt: skip


@post("/admin/webhooks/{endpoint_id:uuid}/enabled", guards=[admin_only])
async def switch_webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Response[Any]:
    form = await request.form()
    try:
        _, version = await _endpoint(request, endpoint_id)
        await call(request, "webhooks", "PATCH", f"/api/v1/webhooks/{endpoint_id}",
                   json={"enabled": form.get("enabled") == "yes"}, version=version)  # fmt: skip
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    return Redirect(f"/admin/webhooks/{endpoint_id}", status_code=303)


@post("/admin/webhooks/{endpoint_id:uuid}/rotate", guards=[admin_only])
async def rotate_webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Response[Any]:
    try:
        reply = await call(request, "webhooks", "POST", f"/api/v1/webhooks/{endpoint_id}/rotate")
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    if reply.status == 404:
        raise NotFoundException()
    return await page(request, "admin/webhook_secret.html", endpoint=reply.body, made=False)


@post("/admin/webhooks/{endpoint_id:uuid}/deliveries/{delivery_id:uuid}/send-again", guards=[admin_only])
async def send_again(
    request: HxRequest, endpoint_id: FromPath[uuid.UUID], delivery_id: FromPath[uuid.UUID]
) -> Response[Any]:
    try:
        reply = await call(request, "webhooks", "POST",
                           f"/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/send-again")  # fmt: skip
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    if reply.status == 404:
        raise NotFoundException()
    return Redirect(f"/admin/webhooks/{endpoint_id}?sent={delivery_id}", status_code=303)


@post("/admin/webhooks/{endpoint_id:uuid}/remove", guards=[admin_only])
async def remove_webhook(request: HxRequest, endpoint_id: FromPath[uuid.UUID]) -> Response[Any]:
    """The endpoint and its delivery log go; nothing more is sent to it."""
    try:
        reply = await call(request, "webhooks", "DELETE", f"/api/v1/webhooks/{endpoint_id}")
    except Down:
        return await page(request, "admin/webhook.html", status=503, endpoint=None, rows=[],
                          error=unavailable(request, "webhooks"))  # fmt: skip
    if reply.status == 404:
        raise NotFoundException()
    return Redirect("/admin/webhooks", status_code=303)


ROUTES = [list_webhooks, new_webhook, register_webhook, edit_webhook, change_webhook, webhook, switch_webhook,
          rotate_webhook, remove_webhook, send_again]  # fmt: skip
