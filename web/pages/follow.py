""" "Get emails about this …": following a project, a partner or the whole portfolio from its page.

GOV.UK's email-subscription pattern: an email address, a language and a frequency on one form, then
the notifier's double opt-in (a confirmation email; nothing else until its link is followed). A
signed-in staff or partner account follows with one button, to its own address, confirmed at once
and hearing what the account may see; any other address it types takes the public double opt-in
(the notifier decides which, so the web cannot sign anyone up by mistake). Signed in, an account
changes or ends its subscriptions at /account/subscriptions; anyone else from the link in every email.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from web.accounts import Account
from web.context import Language, PageLanguage, Viewer, signed_in_or_sign_in_page
from web.i18n import N_
from web.pages import validation
from web.pages.common import (
    Down,
    Errors,
    HxRequest,
    api_errors,
    call,
    page,
    read,
    read_or_none,
    translate,
    unavailable,
)  # fmt: skip
from web.pages.validation import Text, check

TargetKind = Literal["portfolio", "project", "partner"]
KINDS: dict[str, TargetKind] = {"projects": "project", "partners": "partner"}
LANGUAGES = ("cy", "en", "both")
RHYTHMS = {
    "immediate": (N_("Immediately"), N_("An email each time something changes")),
    "daily": (N_("Daily digest"), N_("At most one email a day, only on days when something changed")),
    "weekly": (N_("Weekly digest"), N_("At most one email a week, with the weeknote")),
}
FIELDS = (
    Text("email", 254, N_("Your email address must be %(max)s characters or fewer"), pattern=validation.EMAIL,
         missing=N_("Enter your email address"),
         wrong_format=N_("Enter an email address in the correct format, like name@example.com")),
)  # fmt: skip


@dataclass(frozen=True)
class Target:
    """What is followed, named as the page that offers it names it."""

    kind: TargetKind
    id: str | None
    record: dict[str, Any] | None
    """The project or partner as the viewer may read it (None for the portfolio)."""
    address: str
    """The follow form's own address."""
    back: str
    """The page the form was opened from."""


async def target_of(request: HxRequest, kind: str, target_id: uuid.UUID | None) -> Target:
    """404 for a kind we do not know and for a record the viewer may not read."""
    if target_id is None:
        return Target("portfolio", None, None, "/follow/portfolio", "/")
    if kind not in KINDS:
        raise NotFoundException()
    record = await read(request, "portfolio", f"/api/v1/{kind}/{target_id}")
    back = f"/projects/{record['slug']}" if kind == "projects" else f"/partners/{target_id}"
    return Target(KINDS[kind], str(target_id), record, f"/follow/{kind}/{target_id}", back)


def may_follow_as_account(account: Account | None) -> bool:
    """Staff, and partner users bound to their organisation: the accounts the notifier lets follow."""
    return account is not None and (account.role in ("admin", "lead") or account.partner_id is not None)


HEADINGS = {
    "project": N_("Get emails about this project"),
    "partner": N_("Get emails about this partner"),
    "portfolio": N_("Get emails about the portfolio"),
}


async def follow_form(request: HxRequest, target: Target, values: dict[str, str], *, errors: Errors | None = None,
                      error: str | None = None, status: int = 200) -> Template:  # fmt: skip
    options = [(code, translate(request, name), translate(request, hint)) for code, (name, hint) in RHYTHMS.items()]
    return await page(request, "follow/form.html", status=status, target=target, values=values,
                      errors=errors or Errors(), error=error, rhythm_options=options,
                      heading=translate(request, HEADINGS[target.kind]))  # fmt: skip


def first_values(account: Account | None, rhythm: str) -> dict[str, str]:
    return {"email": account.email if may_follow_as_account(account) and account else "", "language": "",
            "rhythm": rhythm if rhythm in RHYTHMS else ""}  # fmt: skip


@get("/follow/portfolio")
async def follow_portfolio_form(request: HxRequest, account: Viewer, rhythm: FromQuery[str] = "") -> Template:
    return await follow_form(request, await target_of(request, "", None), first_values(account, rhythm))


@get("/follow/{kind:str}/{target_id:uuid}")
async def follow_record_form(request: HxRequest, account: Viewer, kind: FromPath[str], target_id: FromPath[uuid.UUID],
                             rhythm: FromQuery[str] = "") -> Template:  # fmt: skip
    return await follow_form(request, await target_of(request, kind, target_id), first_values(account, rhythm))


def problems(lang: Language, values: dict[str, str]) -> Errors:
    """Every bad field at once, in the form's order."""
    errors = check(lang, values, FIELDS)
    if values["language"] not in LANGUAGES:
        errors.add("language", lang._("Select the language you want the emails in"))
    if values["rhythm"] not in RHYTHMS:
        errors.add("rhythm", lang._("Select how often you want emails"))
    return errors


async def subscribe(request: HxRequest, lang: Language, account: Account | None, target: Target) -> Template:
    form = await request.form()
    if form.get("own") == "1" and may_follow_as_account(account) and account is not None:
        # The one button: the account's own address, in its language, as things happen (or weekly,
        # from the weeknotes page).
        language = account.language if account.language in LANGUAGES else "both"
        rhythm = str(form.get("rhythm", ""))
        values = {"email": account.email, "language": language, "rhythm": rhythm if rhythm in RHYTHMS else "immediate"}
    else:
        values = {name: str(form.get(name, "")).strip() for name in ("email", "language", "rhythm")}
    errors = problems(lang, values)
    if errors:
        return await follow_form(request, target, values, errors=errors, status=422)
    body = {"email": values["email"], "target_kind": target.kind, "target_id": target.id,
            "language": values["language"], "rhythm": values["rhythm"]}  # fmt: skip
    # An account's own address is confirmed at once; the notifier sends anyone else a confirmation.
    path = "/api/v1/me/subscriptions" if may_follow_as_account(account) else "/api/v1/subscriptions"
    try:
        reply = await call(request, "notifier", "POST", path, json=body)
    except Down:
        return await follow_form(request, target, values, error=unavailable(request, "notifier"), status=503)
    if reply.status in (201, 202):
        return await page(request, "follow/done.html", target=target, email=values["email"],
                          confirmed=reply.status == 201)  # fmt: skip
    errors = api_errors(request, reply, {"": "email", "body": "email", "target_id": "email"})
    return await follow_form(request, target, values, errors=errors, status=422)


@post("/follow/portfolio")
async def follow_portfolio(request: HxRequest, lang: PageLanguage, account: Viewer) -> Template:
    return await subscribe(request, lang, account, await target_of(request, "", None))


@post("/follow/{kind:str}/{target_id:uuid}")
async def follow_record(request: HxRequest, lang: PageLanguage, account: Viewer, kind: FromPath[str],
                        target_id: FromPath[uuid.UUID]) -> Template:  # fmt: skip
    return await subscribe(request, lang, account, await target_of(request, kind, target_id))


# Managing one's own subscriptions, signed in ----------------------------------------------------

SAVED = {"saved": N_("Your choices have been saved."), "stopped": N_("You will no longer get emails about this.")}
WHOLE_PORTFOLIO = N_("The whole portfolio")


async def followed_name(request: HxRequest, lang: Language, subscription: dict[str, Any]) -> str:
    """What a subscription follows, as the account may read it now (a record it can no longer see is unnamed)."""
    kind, target_id = subscription["target_kind"], subscription["target_id"]
    if kind == "portfolio":
        return lang._(WHOLE_PORTFOLIO)
    path = f"/api/v1/{'projects' if kind == 'project' else 'partners'}/{target_id}"
    record, _ = await read_or_none(request, "portfolio", path)
    field = "title" if kind == "project" else "name"
    if not isinstance(record, dict):
        return lang._("A project you can no longer see") if kind == "project" else lang._("A partner organisation")
    return str(record.get(f"{field}_{lang.code}") or record.get(f"{field}_en") or "")


async def my_subscriptions_page(request: HxRequest, lang: Language, *, errors: Errors | None = None,
                                values: dict[str, dict[str, str]] | None = None, done: str = "",
                                status: int = 200) -> Template:  # fmt: skip
    found, error = await read_or_none(request, "notifier", "/api/v1/me/subscriptions")
    subscriptions = []
    for sub in found or []:
        if sub.get("confirmed"):
            chosen = (values or {}).get(str(sub["id"]), {})
            subscriptions.append({**sub, **chosen, "name": await followed_name(request, lang, sub)})
    options = [(code, translate(request, name), None) for code, (name, _hint) in RHYTHMS.items()]
    return await page(request, "follow/mine.html", status=status, subscriptions=subscriptions, error=error,
                      errors=errors or Errors(), rhythm_options=options,
                      done=lang._(SAVED[done]) if done in SAVED else None)  # fmt: skip


@get("/account/subscriptions", guards=[signed_in_or_sign_in_page])
async def my_subscriptions(request: HxRequest, lang: PageLanguage, done: FromQuery[str] = "") -> Template:
    return await my_subscriptions_page(request, lang, done=done)


@post("/account/subscriptions/{subscription_id:uuid}", guards=[signed_in_or_sign_in_page])
async def change_my_subscription(request: HxRequest, lang: PageLanguage,
                                 subscription_id: FromPath[uuid.UUID]) -> Response[Any]:  # fmt: skip
    form = await request.form()
    path = f"/api/v1/me/subscriptions/{subscription_id}"
    if form.get("action") == "stop":
        await call(request, "notifier", "DELETE", path)  # already gone (another tab) is no harm
        return Redirect("/account/subscriptions?done=stopped", status_code=303)
    # Each subscription's fields are named after it, so that every one on the page has its own ids.
    values = {name: str(form.get(f"{name}-{subscription_id}", "")) for name in ("language", "rhythm")}
    errors = Errors()
    if values["language"] not in LANGUAGES:
        errors.add(f"language-{subscription_id}", lang._("Select the language you want the emails in"))
    if values["rhythm"] not in RHYTHMS:
        errors.add(f"rhythm-{subscription_id}", lang._("Select how often you want emails"))
    if not errors:
        reply = await call(request, "notifier", "PATCH", path, json=values)
        if reply.ok:
            return Redirect("/account/subscriptions?done=saved", status_code=303)
        errors = api_errors(request, reply, {"": f"language-{subscription_id}"})
    return await my_subscriptions_page(request, lang, errors=errors, values={str(subscription_id): values}, status=422)


ROUTES = [follow_portfolio_form, follow_record_form, follow_portfolio, follow_record, my_subscriptions,
          change_my_subscription]  # fmt: skip
