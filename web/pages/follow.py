""""Get emails about this …": following a project, a partner or the whole portfolio from its page.

GOV.UK's email-subscription pattern: an email address, a language and a frequency on one form, then
the notifier's double opt-in (a confirmation email; nothing else until its link is followed). A
signed-in staff or partner account follows with one button, to its own address, confirmed at once
and hearing what the account may see; any other address it types takes the public double opt-in
(the notifier decides which, so the web cannot sign anyone up by mistake).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from web.accounts import Account
from web.context import Language, PageLanguage, Viewer
from web.i18n import N_
from web.pages import validation
from web.pages.common import Down, Errors, HxRequest, api_errors, call, page, read, translate, unavailable
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


ROUTES = [follow_portfolio_form, follow_record_form, follow_portfolio, follow_record]
