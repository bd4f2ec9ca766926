"""Staff forms for engagements: record one (a partner, its kind, a summary in Welsh and English, when
it started and perhaps ended, perhaps a project), change one, end one. Plain forms that work without
JavaScript; a change and an end carry the version the form was opened at (If-Match), so nobody
overwrites a change they have not seen. Each form returns to the page it was opened from."""

from __future__ import annotations

import re
import uuid
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web.context import Language, PageLanguage, staff_only
from web.i18n import N_
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
    parse_version,
    partners_by_id,
    read,
    read_or_none,
    request_key,
    request_key_in,
    today,
)  # fmt: skip
from web.pages.validation import check

CHANGED_MEANWHILE = N_("Someone else changed this engagement since you opened it: go back to see it as it is now")
# Where a form returns: a page that lists engagements (an address of this site only).
BACK = re.compile(r"^/(?:engagements|partners/[0-9a-f-]{36}|projects/[a-z0-9-]{2,80})$")
FIELDS = ("partner_id", "kind", "summary_cy", "summary_en", "project_id")


def back_to(given: str, partner_id: str) -> str:
    return given if BACK.fullmatch(given or "") else f"/partners/{partner_id}"


def done(back: str, what: str) -> str:
    return f"{back}?done={what}"


async def engagement_form(
    request: HxRequest, lang: Language, values: dict[str, Any], errors: Errors, *, engagement: dict[str, Any] | None,
    status: int = 200, choose_partner_first: bool = False,
) -> Template:  # fmt: skip
    _ = lang._
    partners, partners_error = await partners_by_id(request)
    partner = partners.get(values["partner_id"]) if values.get("partner_id") else None
    chosen = values["partner_id"] if _is_uuid(str(values.get("partner_id") or "")) else None
    params: dict[str, Any] = {"limit": 200} | ({"partner": chosen} if chosen else {})
    found, _error = await read_or_none(request, "portfolio", "/api/v1/projects", params)
    projects = sorted((found or {}).get("items", []), key=lambda p: str(p.get(f"title_{lang.code}") or p["title_en"]))

    def named(item: dict[str, Any], field: str) -> str:
        return str(item.get(f"{field}_{lang.code}") or item.get(f"{field}_en") or "")

    ordered = sorted(partners.values(), key=lambda p: named(p, "name").lower())
    contacts: list[dict[str, Any]] = []
    if chosen:
        found_contacts, _error = await read_or_none(request, "portfolio", f"/api/v1/partners/{chosen}/contacts")
        contacts = list(found_contacts or [])
    return await page(
        request, "engagements/form.html", status=status, values=values, errors=errors, engagement=engagement,
        partner=partner, partners_error=partners_error,
        partner_options=[("", _("Choose a partner"))] + [(str(p["id"]), named(p, "name")) for p in ordered],
        kind_options=[(code, _(name)) for code, name in labels.ENGAGEMENT_KINDS.items()],
        project_options=[("", _("No project"))] + [(str(p["id"]), named(p, "title")) for p in projects],
        contact_options=[(str(c["id"]), c["name"], c.get("role") or None) for c in contacts],
        choose_partner_first=choose_partner_first,
    )  # fmt: skip


def read_form(lang: Language, form: Any, *, new: bool) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """(the values to show again, the API body, every problem at once)."""
    _ = lang._
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in FIELDS}
    values["started_on"] = form_date_parts(form, "started_on")
    values["ended_on"] = form_date_parts(form, "ended_on")
    values["request_key"] = request_key_in(form) or request_key()
    values["version"] = str(form.get("version", ""))
    values["back"] = str(form.get("back", ""))
    values["contacts"] = [str(c) for c in form.getall("contacts", []) if _is_uuid(str(c))]
    errors = Errors()
    if new and not values["partner_id"]:
        errors.add("partner_id", _("Choose the partner the engagement is with"))
    if values["kind"] not in labels.ENGAGEMENT_KINDS:
        errors.add("kind", _("Choose the kind of engagement"))
    check(lang, values, validation.ENGAGEMENT_SUMMARIES, errors)
    started, _given = parse_date(form, "started_on")
    if started is None:
        errors.add("started_on-day", _("Enter the date the engagement started, like 27 3 2026"))
    body: dict[str, Any] = {
        "kind": values["kind"], "summary_cy": values["summary_cy"], "summary_en": values["summary_en"],
        "started_on": started.isoformat() if started else None, "project_id": values["project_id"] or None,
    }  # fmt: skip
    if form.get("contacts_shown"):  # the form offered the partner's contacts: these are the ones chosen
        body["contacts"] = values["contacts"]
    if new:
        ended, given = parse_date(form, "ended_on")
        if given and ended is None:
            errors.add("ended_on-day", _("Enter a real date the engagement ended, like 27 3 2026, or leave it empty"))
        body |= {"partner_id": values["partner_id"], "ended_on": ended.isoformat() if ended else None}
    return values, body, errors


API_FIELDS = {"started_on": "started_on-day", "ended_on": "ended_on-day", "": "summary_cy", "body": "summary_cy"}


@get("/engagements/new", guards=[staff_only])
async def new_engagement_form(
    request: HxRequest, lang: PageLanguage, partner: FromQuery[str | None] = None, project: FromQuery[str] = "",
    back: FromQuery[str] = "",
) -> Template:  # fmt: skip
    """The form for a partner (``?partner=``, from its page or a project's); without one, a page that
    asks for the partner first, so the form can offer that partner's projects and contacts."""
    chosen = partner if partner and _is_uuid(partner) else ""
    values: dict[str, Any] = {name: "" for name in FIELDS} | {
        "partner_id": chosen, "project_id": project if _is_uuid(project) else "",
        "kind": "advice", "started_on": date_parts(today()), "ended_on": date_parts(None),
        "request_key": request_key(), "back": back if BACK.fullmatch(back) else "", "contacts": [],
    }  # fmt: skip
    errors = Errors()
    if partner is not None and not chosen:  # "Continue" with no partner chosen
        errors.add("partner", lang._("Choose the partner the engagement is with"))
    return await engagement_form(request, lang, values, errors, engagement=None, status=422 if errors else 200,
                                 choose_partner_first=not chosen)  # fmt: skip


@post("/engagements/new", guards=[staff_only])
async def record_engagement(request: HxRequest, lang: PageLanguage) -> Response[Any]:
    values, body, errors = read_form(lang, await request.form(), new=True)
    if not errors:
        reply = await call(request, "portfolio", "POST", "/api/v1/engagements", json=body, key=values["request_key"])
        if reply.status == 201:
            return Redirect(done(back_to(values["back"], values["partner_id"]), "engagement"), status_code=303)
        errors = api_errors(request, reply, API_FIELDS)
    return await engagement_form(request, lang, values, errors, engagement=None, status=422)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@get("/engagements/{engagement_id:uuid}/edit", guards=[staff_only])
async def edit_engagement_form(
    request: HxRequest, lang: PageLanguage, engagement_id: FromPath[uuid.UUID], back: FromQuery[str] = ""
) -> Template:
    engagement = await read(request, "portfolio", f"/api/v1/engagements/{engagement_id}")
    values: dict[str, Any] = {name: str(engagement.get(name) or "") for name in FIELDS} | {
        "started_on": date_parts(engagement["started_on"]), "ended_on": date_parts(engagement["ended_on"]),
        "contacts": [str(c) for c in engagement.get("contacts") or []],
        "version": str(engagement["version"]), "back": back if BACK.fullmatch(back) else "",
    }  # fmt: skip
    return await engagement_form(request, lang, values, Errors(), engagement=engagement)


@post("/engagements/{engagement_id:uuid}/edit", guards=[staff_only])
async def edit_engagement(request: HxRequest, lang: PageLanguage, engagement_id: FromPath[uuid.UUID]) -> Response[Any]:
    """A new kind, summary, start or project, at the version the form was opened at."""
    engagement = await read(request, "portfolio", f"/api/v1/engagements/{engagement_id}")
    values, body, errors = read_form(lang, await request.form(), new=False)
    values["partner_id"] = engagement["partner_id"]
    if not errors:
        reply = await call(request, "portfolio", "PATCH", f"/api/v1/engagements/{engagement_id}", json=body,
                           version=parse_version(values["version"]))  # fmt: skip
        if reply.ok:
            back = back_to(values["back"], engagement["partner_id"])
            return Redirect(done(back, "engagement_changed"), status_code=303)
        if reply.status == 412:
            errors = Errors()
            errors.add("kind", lang._(CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, API_FIELDS)
    return await engagement_form(request, lang, values, errors, engagement=engagement, status=422)


async def end_form(request: HxRequest, engagement: dict[str, Any], values: dict[str, Any], errors: Errors,
                   status: int = 200) -> Template:  # fmt: skip
    partners, _error = await partners_by_id(request)
    return await page(request, "engagements/end.html", status=status, engagement=engagement, values=values,
                      errors=errors, partner=partners.get(engagement["partner_id"]))  # fmt: skip


@get("/engagements/{engagement_id:uuid}/end", guards=[staff_only])
async def end_engagement_form(request: HxRequest, engagement_id: FromPath[uuid.UUID], back: FromQuery[str] = ""
                              ) -> Template:  # fmt: skip
    engagement = await read(request, "portfolio", f"/api/v1/engagements/{engagement_id}")
    values = {"ended_on": date_parts(today()), "version": str(engagement["version"]),
              "back": back if BACK.fullmatch(back) else ""}  # fmt: skip
    return await end_form(request, engagement, values, Errors())


@post("/engagements/{engagement_id:uuid}/end", guards=[staff_only])
async def end_engagement(request: HxRequest, lang: PageLanguage, engagement_id: FromPath[uuid.UUID]) -> Response[Any]:
    """Ended on the day given, at the version the form was opened at; once only."""
    _ = lang._
    engagement = await read(request, "portfolio", f"/api/v1/engagements/{engagement_id}")
    form = await request.form()
    values: dict[str, Any] = {"ended_on": form_date_parts(form, "ended_on"), "version": str(form.get("version", "")),
                              "back": str(form.get("back", ""))}  # fmt: skip
    errors = Errors()
    ended, _given = parse_date(form, "ended_on")
    if ended is None:
        errors.add("ended_on-day", _("Enter the date the engagement ended, like 27 3 2026"))
    else:
        path, version = f"/api/v1/engagements/{engagement_id}/end", parse_version(str(values["version"]))
        reply = await call(request, "portfolio", "POST", path, json={"ended_on": ended.isoformat()}, version=version)
        if reply.ok:
            back = back_to(str(values["back"]), engagement["partner_id"])
            return Redirect(done(back, "engagement_ended"), status_code=303)
        if reply.status == 412:
            errors.add("ended_on-day", _(CHANGED_MEANWHILE))
        else:  # a date before it started, or it has ended meanwhile (409): the service says which
            errors = api_errors(request, reply, API_FIELDS | {"": "ended_on-day"})
    return await end_form(request, engagement, values, errors, status=422)


ROUTES = [
    new_engagement_form, record_engagement, edit_engagement_form, edit_engagement, end_engagement_form,
    end_engagement,
]  # fmt: skip
