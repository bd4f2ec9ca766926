"""Asking CDPS for support (anyone) and the triage queue (staff)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web.context import Language, PageLanguage, signed_in_or_sign_in_page, staff_only
from web.pages import labels, validation
from web.pages.common import (
    Errors,
    HxRequest,
    api_errors,
    call,
    date_parts,
    form_date_parts,
    page,
    parse_date,
    partners_by_id,
    read,
    read_or_none,
    request_key,
    request_key_in,
    today,
)  # fmt: skip
from web.pages.validation import check

SUPPORT_FIELDS = ("organisation", "contact_name", "contact_email", "language", "need", "need_language", "urgency")


@get("/support")
async def support_form(request: HxRequest, lang: PageLanguage) -> Template:
    values = {name: "" for name in SUPPORT_FIELDS} | {"language": lang.code, "urgency": "medium"}
    return await page(request, "support/form.html", values=values, errors=Errors(), request_key=request_key())


@post("/support")
async def send_support_request(request: HxRequest, lang: PageLanguage) -> Response[Any]:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in SUPPORT_FIELDS}
    values["language"] = values["language"] if values["language"] in ("cy", "en") else lang.code
    values["urgency"] = values["urgency"] if values["urgency"] in labels.URGENCY else "medium"
    values["need_language"] = values["need_language"] if values["need_language"] in ("cy", "en") else ""
    errors = check(lang, values, validation.SUPPORT_REQUEST)
    if not errors:
        body = {**values, "need_language": values["need_language"] or None}  # not said: told from the text
        reply = await call(
            request, "portfolio", "POST", "/api/v1/support-requests", json=body, key=request_key_in(form)
        )
        if reply.status == 201:
            return Redirect(f"/support/sent?reference={reply.body['id']}", status_code=303)
        errors = api_errors(request, reply, {"": "organisation", "body": "organisation"})
    return await page(request, "support/form.html", status=422, values=values, errors=errors, request_key=request_key())


@get("/support/sent")
async def support_sent(request: HxRequest, reference: FromQuery[str] = "") -> Template:
    return await page(request, "support/sent.html", reference=reference[:40])


@get("/account/support-requests", guards=[signed_in_or_sign_in_page])
async def my_support_requests(request: HxRequest) -> Template:
    """What became of the requests the signed-in person sent: each one's status and, once triaged,
    the reason CDPS gave."""
    requests, error = await read_or_none(request, "portfolio", "/api/v1/support-requests/mine")
    return await page(request, "support/mine.html", requests=requests or [], error=error)


# Triage ----------------------------------------------------------------------------------------

TRIAGE_FIELDS = ("outcome", "reason_cy", "reason_en", "partner_id", "kind", "summary_en", "summary_cy")


@get("/support/requests", guards=[staff_only])
async def triage_queue(request: HxRequest, status: FromQuery[str] = "new", done: FromQuery[str] = "") -> Template:
    status = status if status in (*labels.REQUEST_STATUS, "all") else "new"
    params = {} if status == "all" else {"status": status}
    requests = await read(request, "portfolio", "/api/v1/support-requests", params)
    return await page(request, "support/queue.html", requests=requests, chosen=status,
                      done=done if done in ("accepted", "declined") else "")  # fmt: skip


async def find_request(request: HxRequest, request_id: uuid.UUID) -> dict[str, Any]:
    for item in await read(request, "portfolio", "/api/v1/support-requests"):
        if item["id"] == str(request_id):
            return dict(item)
    raise NotFoundException()


async def triage_page(
    request: HxRequest, lang: Language, support: dict[str, Any], values: dict[str, Any], errors: Errors,
    status: int = 200,
) -> Template:  # fmt: skip
    _ = lang._
    partners, partners_error = await partners_by_id(request)
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en")))
    return await page(
        request, "support/triage.html", status=status, support=support, values=values, errors=errors,
        partners_error=partners_error, request_key=request_key(),
        partner_options=[("", _("Choose a partner"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in ordered],
        kind_options=[(code, _(name)) for code, name in labels.ENGAGEMENT_KINDS.items()],
    )  # fmt: skip


@get("/support/requests/{request_id:uuid}", guards=[staff_only])
async def triage_form(request: HxRequest, lang: PageLanguage, request_id: FromPath[uuid.UUID]) -> Template:
    support = await find_request(request, request_id)
    # The need starts the summary in the language it is written in (the language the asker chose
    # for replies may differ: a Welsh speaker may write in English).
    need = support["need"]
    values = {name: "" for name in TRIAGE_FIELDS} | {"kind": "discovery_support", "started_on": date_parts(today()),
                                                    "summary_en": need["en"], "summary_cy": need["cy"]}  # fmt: skip
    return await triage_page(request, lang, support, values, Errors())


@post("/support/requests/{request_id:uuid}/need-language", guards=[staff_only])
async def correct_need_language(request: HxRequest, request_id: FromPath[uuid.UUID]) -> Response[Any]:
    """Staff say which language the need is written in, where it was told wrong from its text."""
    form = await request.form()
    body = {"need_language": str(form.get("need_language", ""))}
    reply = await call(request, "portfolio", "POST", f"/api/v1/support-requests/{request_id}/need-language", json=body)
    if reply.status == 404:
        raise NotFoundException()
    if reply.status in (401, 403):
        raise PermissionDeniedException()
    return Redirect(f"/support/requests/{request_id}", status_code=303)


@post("/support/requests/{request_id:uuid}", guards=[staff_only])
async def triage(request: HxRequest, lang: PageLanguage, request_id: FromPath[uuid.UUID]) -> Response[Any]:
    _ = lang._
    form = await request.form()
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in TRIAGE_FIELDS}
    values["started_on"] = form_date_parts(form, "started_on")
    errors = Errors()
    body: dict[str, Any] = {
        "outcome": values["outcome"],
        "reason": {"en": values["reason_en"], "cy": values["reason_cy"]},
    }
    if values["outcome"] not in ("accepted", "declined"):
        errors.add("outcome", _("Choose whether to accept or decline the request"))
    elif values["outcome"] == "accepted":
        started, _given = parse_date(form, "started_on")
        if not values["partner_id"]:
            errors.add("partner_id", _("Choose the partner the engagement is with"))
        check(lang, values, validation.ENGAGEMENT_SUMMARIES, errors)
        if started is None:
            errors.add("started_on-day", _("Enter the date the engagement started, like 27 3 2026"))
        body["engagement"] = {
            "partner_id": values["partner_id"], "kind": values["kind"], "summary_en": values["summary_en"],
            "summary_cy": values["summary_cy"], "started_on": started.isoformat() if started else None,
        }  # fmt: skip
    elif not (values["reason_cy"] or values["reason_en"]):
        errors.add("reason_cy", _("Say why the request is declined"))
    check(lang, values, validation.TRIAGE_REASON, errors)
    if not errors:
        reply = await call(
            request,
            "portfolio",
            "POST",
            f"/api/v1/support-requests/{request_id}/triage",
            json=body,
            key=request_key_in(form),
        )
        if reply.ok:
            return Redirect(f"/support/requests?done={values['outcome']}", status_code=303)
        if reply.status in (401, 403):
            raise PermissionDeniedException()
        errors = api_errors(request, reply, {"started_on": "started_on-day", "engagement": "outcome", "": "outcome",
                                             "reason": "reason_cy"})  # fmt: skip
    support = await find_request(request, request_id)
    return await triage_page(request, lang, support, values, errors, status=422)
