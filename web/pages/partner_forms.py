"""Staff forms for partner organisations and their contacts: add or change a partner (names in both
languages, kind, website, whether CDPS still works with them), and add, change or remove a contact
(name, role, email, the language every email to them is written in, whether they get project emails).
Plain forms that work without JavaScript; a change carries the version the form was opened at
(If-Match), so nobody overwrites a change they have not seen."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from web.context import Language, PageLanguage, staff_only
from web.i18n import N_
from web.pages import labels, validation
from web.pages.common import Errors, HxRequest, api_errors, call, page, parse_version, read, request_key, request_key_in
from web.pages.validation import check

PARTNER_CHANGED_MEANWHILE = N_(
    "Someone else changed this partner since you opened it: go back to the partner to see it"
)
CONTACT_CHANGED_MEANWHILE = N_(
    "Someone else changed this contact since you opened it: go back to the partner to see it"
)
CHOOSE_KIND = N_("Choose the kind of organisation")
CHOOSE_LANGUAGE = N_("Choose the language of the emails they get")
CHOOSE_EMAILS = N_("Choose whether they get emails about the partner's projects")


def kind_options(lang: Language) -> list[tuple[str, str, None]]:
    return [(code, lang._(name), None) for code, name in labels.PARTNER_KINDS.items()]


def language_options(lang: Language) -> list[tuple[str, str, None]]:
    return [(code, lang._(name), None) for code, name in labels.LANGUAGE_CHOICES.items()]


def yes_no(lang: Language) -> list[tuple[str, str, None]]:
    return [("yes", lang._("Yes"), None), ("no", lang._("No"), None)]


# Partners ---------------------------------------------------------------------------------------


async def partner_form(request: HxRequest, lang: Language, values: dict[str, Any], errors: Errors,
                       status: int = 200) -> Template:  # fmt: skip
    return await page(request, "partners/form.html", status=status, values=values, errors=errors,
                      kind_options=kind_options(lang), active_options=yes_no(lang))  # fmt: skip


def read_partner(lang: Language, form: Any, *, new: bool) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    """(the values to show again, the API body, every problem at once)."""
    names = ("name_cy", "name_en", "kind", "website", "slug", "active")
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in names}
    values["version"] = str(form.get("version", ""))
    values["request_key"] = request_key_in(form) or request_key()
    rules = validation.NEW_PARTNER if new else validation.PARTNER_CHANGES
    errors = check(lang, values, [r for r in rules if r.name != "website" or values["website"]])
    if values["kind"] not in labels.PARTNER_KINDS:
        values["kind"] = ""
        errors.add("kind", lang._(CHOOSE_KIND))
    body: dict[str, Any] = {"name_cy": values["name_cy"], "name_en": values["name_en"], "kind": values["kind"],
                            "website": values["website"] or None}  # fmt: skip
    if new:
        body["slug"] = values["slug"]
    else:
        body["active"] = values["active"] != "no"
    return values, body, errors


@get("/partners/new", guards=[staff_only])
async def new_partner_form(request: HxRequest, lang: PageLanguage) -> Template:
    values = {"name_cy": "", "name_en": "", "slug": "", "kind": "", "website": "", "request_key": request_key()}
    return await partner_form(request, lang, values, Errors())


@post("/partners/new", guards=[staff_only])
async def add_partner(request: HxRequest, lang: PageLanguage) -> Response[Any]:
    values, body, errors = read_partner(lang, await request.form(), new=True)
    if not errors:
        reply = await call(request, "portfolio", "POST", "/api/v1/partners", json=body, key=values["request_key"])
        if reply.status == 201:
            return Redirect(f"/partners/{reply.body['id']}?done=partner_added", status_code=303)
        errors = api_errors(request, reply, {"": "name_cy", "body": "name_cy"})
    return await partner_form(request, lang, values, errors, status=422)


@get("/partners/{partner_id:uuid}/edit", guards=[staff_only])
async def edit_partner_form(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID]) -> Template:
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    values = {k: partner[k] or "" for k in ("name_cy", "name_en", "kind", "website", "slug")}
    values |= {"active": "yes" if partner["active"] else "no", "partner_id": partner["id"],
               "version": str(partner["version"])}  # fmt: skip
    return await partner_form(request, lang, values, Errors())


@post("/partners/{partner_id:uuid}/edit", guards=[staff_only])
async def edit_partner(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID]) -> Response[Any]:
    values, body, errors = read_partner(lang, await request.form(), new=False)
    values["partner_id"] = str(partner_id)
    status = 422
    if not errors:
        reply = await call(request, "portfolio", "PATCH", f"/api/v1/partners/{partner_id}", json=body,
                           version=parse_version(values["version"]))  # fmt: skip
        if reply.ok:
            return Redirect(f"/partners/{partner_id}?done=partner_changed", status_code=303)
        if reply.status in (412, 428):
            status, errors = 412, Errors()
            errors.add("name_cy", lang._(PARTNER_CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, {"": "name_cy", "body": "name_cy"})
    if status == 412:  # the form is shown again at the version there is now, with what they typed
        values["version"] = str((await read(request, "portfolio", f"/api/v1/partners/{partner_id}"))["version"])
    return await partner_form(request, lang, values, errors, status=status)


# Contacts ---------------------------------------------------------------------------------------


async def contact_form(request: HxRequest, lang: Language, partner: dict[str, Any], values: dict[str, Any],
                       errors: Errors, status: int = 200) -> Template:  # fmt: skip
    return await page(request, "partners/contact.html", status=status, partner=partner, values=values,
                      errors=errors, language_options=language_options(lang), emails_options=yes_no(lang))  # fmt: skip


def read_contact(lang: Language, form: Any) -> tuple[dict[str, Any], dict[str, Any], Errors]:
    values: dict[str, Any] = {n: str(form.get(n, "")).strip() for n in ("name", "role", "email", "language",
                                                                        "project_emails")}  # fmt: skip
    values["version"] = str(form.get("version", ""))
    values["request_key"] = request_key_in(form) or request_key()
    errors = check(lang, values, validation.CONTACT)
    if values["language"] not in labels.LANGUAGE_CHOICES:
        values["language"] = ""
        errors.add("language", lang._(CHOOSE_LANGUAGE))
    if values["project_emails"] not in ("yes", "no"):
        values["project_emails"] = ""
        errors.add("project_emails", lang._(CHOOSE_EMAILS))
    body = {"name": values["name"], "role": values["role"], "email": values["email"], "language": values["language"],
            "project_emails": values["project_emails"] == "yes"}  # fmt: skip
    return values, body, errors


@get("/partners/{partner_id:uuid}/contacts/new", guards=[staff_only])
async def new_contact_form(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID]) -> Template:
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    values = {"name": "", "role": "", "email": "", "language": "", "project_emails": "yes",
              "request_key": request_key()}  # fmt: skip
    return await contact_form(request, lang, partner, values, Errors())


@post("/partners/{partner_id:uuid}/contacts/new", guards=[staff_only])
async def add_contact(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID]) -> Response[Any]:
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    values, body, errors = read_contact(lang, await request.form())
    if not errors:
        reply = await call(request, "portfolio", "POST", f"/api/v1/partners/{partner_id}/contacts", json=body,
                           key=values["request_key"])  # fmt: skip
        if reply.status == 201:
            return Redirect(f"/partners/{partner_id}?done=contact_added#contacts", status_code=303)
        errors = api_errors(request, reply, {"": "name", "body": "name"})
    return await contact_form(request, lang, partner, values, errors, status=422)


@get("/partners/{partner_id:uuid}/contacts/{contact_id:uuid}/edit", guards=[staff_only])
async def edit_contact_form(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID],
                            contact_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    contact = await read(request, "portfolio", f"/api/v1/partners/{partner_id}/contacts/{contact_id}")
    values = {k: contact[k] for k in ("name", "role", "email", "language")}
    values |= {"project_emails": "yes" if contact["project_emails"] else "no", "contact_id": contact["id"],
               "version": str(contact["version"])}  # fmt: skip
    return await contact_form(request, lang, partner, values, Errors())


@post("/partners/{partner_id:uuid}/contacts/{contact_id:uuid}/edit", guards=[staff_only])
async def edit_contact(request: HxRequest, lang: PageLanguage, partner_id: FromPath[uuid.UUID],
                       contact_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    values, body, errors = read_contact(lang, await request.form())
    values["contact_id"] = str(contact_id)
    status = 422
    path = f"/api/v1/partners/{partner_id}/contacts/{contact_id}"
    if not errors:
        reply = await call(request, "portfolio", "PATCH", path, json=body, version=parse_version(values["version"]))
        if reply.ok:
            return Redirect(f"/partners/{partner_id}?done=contact_changed#contacts", status_code=303)
        if reply.status in (412, 428):
            status, errors = 412, Errors()
            errors.add("name", lang._(CONTACT_CHANGED_MEANWHILE))
        else:
            errors = api_errors(request, reply, {"": "name", "body": "name"})
    if status == 412:
        values["version"] = str((await read(request, "portfolio", path))["version"])
    return await contact_form(request, lang, partner, values, errors, status=status)


@post("/partners/{partner_id:uuid}/contacts/{contact_id:uuid}/remove", guards=[staff_only])
async def remove_contact(request: HxRequest, partner_id: FromPath[uuid.UUID],
                         contact_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """At the version the form showed: a contact changed meanwhile stays, and the partner page shows it now."""
    version = parse_version(str((await request.form()).get("version", "")))
    path = f"/api/v1/partners/{partner_id}/contacts/{contact_id}"
    reply = await call(request, "portfolio", "DELETE", path, version=version)
    done = "contact_removed" if reply.ok else "contact_not_removed"
    return Redirect(f"/partners/{partner_id}?done={done}#contacts", status_code=303)


ROUTES = [new_partner_form, add_partner, edit_partner_form, edit_partner, new_contact_form, add_contact,
          edit_contact_form, edit_contact, remove_contact]  # fmt: skip
