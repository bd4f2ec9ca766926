"""Administration: accounts and invitations, and the email delivery log (missing translations: translations.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web import accounts, auth
from web.context import Conn, Connection, Language, PageLanguage, SignedIn, admin_only
from web.i18n import N_
from web.pages import labels
from web.pages.common import Down, Errors, HxRequest, call, page, partners_by_id, read_or_none, unavailable
from web.pages.validation import EMAIL

INVITE_FIELDS = ("email", "name", "role", "partner_id", "language")


async def accounts_page(request: HxRequest, lang: Language, conn: Conn, values: dict[str, str], errors: Errors, *,
                        status: int = 200, done: str = "", unsent: bool = False) -> Template:  # fmt: skip
    _ = lang._
    people = await accounts.list_accounts(conn)
    partners, partners_error = await partners_by_id(request)
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en")))
    return await page(
        request, "admin/accounts.html", status=status, people=people, values=values, errors=errors, done=done,
        unsent=unsent, partners=partners, partners_error=partners_error,
        role_options=[(code, _(name), None) for code, name in labels.ROLES.items()],
        language_options=[(code, _(name), None) for code, name in labels.LANGUAGE_CHOICES.items()],
        partner_options=[("", _("Not a partner"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in ordered],
    )  # fmt: skip


@get("/admin/accounts", guards=[admin_only])
async def list_accounts(
    request: HxRequest, lang: PageLanguage, conn: Connection, done: FromQuery[str] = "", unsent: FromQuery[str] = ""
) -> Template:
    values = {name: "" for name in INVITE_FIELDS} | {"role": "lead"}
    return await accounts_page(request, lang, conn, values, Errors(), done=done[:254], unsent=unsent == "1")


async def send_invitation(state: State, conn: Conn, account: accounts.Account, invited_by: accounts.Account) -> bool:
    """The invitation email: a sign-in link that lasts long enough to be read (True if it went)."""
    token = await accounts.create_signin_link(conn, account, lifetime=accounts.INVITATION_LIFETIME)
    valid_until = dt.datetime.now(dt.UTC) + accounts.INVITATION_LIFETIME
    invitation = {"name": account.name, "role": account.role, "invited_by": invited_by.name or invited_by.email,
                  "valid_until": valid_until.date().isoformat()}  # fmt: skip
    link = auth.signin_url(state.runtime.settings.public_url, token, account)
    return await auth.send_link(state.runtime, account, link, invitation)


@post("/admin/accounts", guards=[admin_only])
async def invite(request: HxRequest, state: State, lang: PageLanguage, me: SignedIn, conn: Connection) -> Response[Any]:
    _ = lang._
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in INVITE_FIELDS}
    errors = Errors()
    if not EMAIL.match(values["email"]) or len(values["email"]) > 254:
        errors.add("email", _("Enter an email address in the correct format, like name@example.com"))
    if not values["name"]:
        errors.add("name", _("Enter their name"))
    if values["role"] not in labels.ROLES:
        errors.add("role", _("Choose what they can do"))
    partner_id = None
    if values["role"] == "partner":
        try:
            partner_id = uuid.UUID(values["partner_id"])
        except ValueError:
            errors.add("partner_id", _("Choose the partner they work for"))
    if values["language"] not in labels.LANGUAGE_CHOICES:
        values["language"] = await _recorded_language(request, partner_id, values["email"])
    if not errors:
        try:
            account = await accounts.add_account(
                conn, email=values["email"], role=values["role"], partner_id=partner_id,  # type: ignore[arg-type]
                name=values["name"][:200], language=values["language"],
            )  # fmt: skip
        except accounts.AccountExists:
            errors.add("email", _("There is already an account with this email address"))
        else:
            sent = await send_invitation(state, conn, account, me)
            query = urlencode({"done": account.email} | ({} if sent else {"unsent": "1"}))
            return Redirect(f"/admin/accounts?{query}", status_code=303)
    return await accounts_page(request, lang, conn, values, errors, status=422)


async def _recorded_language(request: HxRequest, partner_id: uuid.UUID | None, email: str) -> str:
    """No language chosen for an invitee: the one recorded for them as a contact of their partner (a
    contact's language is used for every email sent to them), otherwise Welsh and English."""
    if partner_id is None:
        return "both"
    contacts, _error = await read_or_none(request, "portfolio", f"/api/v1/partners/{partner_id}/contacts")
    address = email.strip().lower()
    found = [c["language"] for c in contacts or [] if str(c.get("email", "")).strip().lower() == address]
    return found[0] if found and found[0] in labels.LANGUAGE_CHOICES else "both"


ACCOUNT_DONE = {
    "changed": N_("The account has been changed: it acts in its new role from its next page."),
    "deactivated": N_(
        "The account has been deactivated: it is signed out everywhere and its API tokens no longer work."
    ),
    "reactivated": N_("The account has been reactivated: they can ask for a sign-in link again."),
}
OWN_ROLE = N_("You cannot take away your own administrator role: ask another administrator")
OWN_ACCOUNT = N_("You cannot deactivate your own account: ask another administrator")


async def account_page(request: HxRequest, lang: Language, account: accounts.Account, values: dict[str, str],
                       errors: Errors, *, status: int = 200, done: str = "") -> Template:  # fmt: skip
    _ = lang._
    partners, partners_error = await partners_by_id(request)
    ordered = sorted(partners.values(), key=lambda p: str(p.get(f"name_{lang.code}") or p.get("name_en")))
    return await page(
        request, "admin/account.html", status=status, person=account, values=values, errors=errors,
        done=_(ACCOUNT_DONE[done]) if done in ACCOUNT_DONE else None, partners_error=partners_error,
        role_options=[(code, _(name), None) for code, name in labels.ROLES.items()],
        partner_options=[("", _("Not a partner"))] + [
            (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in ordered],
        partner=partners.get(str(account.partner_id)) if account.partner_id else None,
    )  # fmt: skip


async def _account_or_404(conn: Conn, account_id: uuid.UUID) -> accounts.Account:
    account = await accounts.get_account(conn, account_id)
    if account is None:
        raise NotFoundException()
    return account


@get("/admin/accounts/{account_id:uuid}", guards=[admin_only])
async def account_form(request: HxRequest, lang: PageLanguage, conn: Connection, account_id: FromPath[uuid.UUID],
                       done: FromQuery[str] = "") -> Template:  # fmt: skip
    account = await _account_or_404(conn, account_id)
    values = {"role": account.role, "partner_id": str(account.partner_id or "")}
    return await account_page(request, lang, account, values, Errors(), done=done)


@post("/admin/accounts/{account_id:uuid}", guards=[admin_only])
async def change_account(request: HxRequest, lang: PageLanguage, me: SignedIn, conn: Connection,
                         account_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    """A new role, or another partner for a partner account; every problem at once."""
    _ = lang._
    account = await _account_or_404(conn, account_id)
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in ("role", "partner_id")}
    errors = Errors()
    if values["role"] not in labels.ROLES:
        errors.add("role", _("Choose what they can do"))
    elif account.id == me.id and values["role"] != "admin":
        errors.add("role", _(OWN_ROLE))
    partner_id = None
    if values["role"] == "partner":
        partners, _error = await partners_by_id(request)
        try:
            partner_id = uuid.UUID(values["partner_id"])
        except ValueError:
            partner_id = None
        if partner_id is None or str(partner_id) not in partners:
            errors.add("partner_id", _("Choose the partner they work for"))
    if errors:
        return await account_page(request, lang, account, values, errors, status=422)
    await accounts.change_account(conn, account.id, role=values["role"], partner_id=partner_id)  # type: ignore[arg-type]
    return Redirect(f"/admin/accounts/{account.id}?done=changed", status_code=303)


@post("/admin/accounts/{account_id:uuid}/{change:str}", guards=[admin_only])
async def activate_account(request: HxRequest, lang: PageLanguage, me: SignedIn, conn: Connection,
                           account_id: FromPath[uuid.UUID], change: FromPath[str]) -> Response[Any]:  # fmt: skip
    """``deactivate`` (signed out everywhere, API tokens revoked, at once) or ``reactivate``."""
    account = await _account_or_404(conn, account_id)
    if change not in ("deactivate", "reactivate"):
        raise NotFoundException()
    if change == "deactivate" and account.id == me.id:
        errors = Errors()
        errors.add("deactivate", lang._(OWN_ACCOUNT))
        values = {"role": account.role, "partner_id": str(account.partner_id or "")}
        return await account_page(request, lang, account, values, errors, status=422)
    await accounts.set_active(conn, account.id, change == "reactivate")
    return Redirect(f"/admin/accounts/{account.id}?done={change}d", status_code=303)


RETRY_DONE = {
    "retried": N_("The email will be sent again in a moment."),
    "not_retried": N_("The email could not be sent again: only a failed email can be, and never a sign-in link."),
}


@get("/admin/deliveries", guards=[admin_only])
async def deliveries(request: HxRequest, lang: PageLanguage, done: FromQuery[str] = "") -> Template:
    """The notifier's delivery log, shown as it comes (a list, or a page with items); a failed email has
    a button to send it again."""
    rows: list[Any] = []
    error = None
    try:
        reply = await call(request, "notifier", "GET", "/api/v1/deliveries")
        if reply.ok:
            body = reply.body
            rows = body.get("items", []) if isinstance(body, dict) else body if isinstance(body, list) else []
        else:
            error = unavailable(request, "notifier")
    except Down:
        error = unavailable(request, "notifier")
    return await page(
        request,
        "admin/deliveries.html",
        rows=rows,
        error=error,
        one_off=("signin_link", "invitation"),
        done=lang._(RETRY_DONE[done]) if done in RETRY_DONE else None,
        failed=done == "not_retried",
    )


@post("/admin/deliveries/{delivery_id:uuid}/retry", guards=[admin_only])
async def retry_delivery(request: HxRequest, delivery_id: FromPath[uuid.UUID]) -> Response[Any]:
    """Back to the log, which says whether the email went back in the queue."""
    reply = await call(request, "notifier", "POST", f"/api/v1/deliveries/{delivery_id}/retry",
                       key=str(uuid.uuid4()))  # fmt: skip
    return Redirect(f"/admin/deliveries?done={'retried' if reply.ok else 'not_retried'}", status_code=303)
