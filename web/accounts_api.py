"""Accounts for admins' scripts: /api/v1/accounts on the web itself, which owns accounts (the gateway
forwards every other /api/v1/ path to a service). An admin's API token only: list the accounts, change
one's role or partner, deactivate one (its sessions end and its API tokens are refused at once) or
reactivate it. Refusals are the services' bilingual error bodies, every bad field named at once."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.params import FromPath

from shared.http import (
    ApiError,
    Conflict,
    FieldError,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorised,
    api_error_handler,
)
from shared.validation import problems
from web import accounts
from web.context import Connection, Viewer
from web.pages.common import Down, call

Role = Literal["admin", "lead", "partner"]


class AccountChanges(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    role: Role
    partner_id: uuid.UUID | None = None
    """The partner a partner account works for (required for one, ignored for the others)."""


class AccountReply(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    name: str
    role: str
    partner_id: uuid.UUID | None
    language: str
    active: bool


class PortfolioDown(ApiError):
    status = 503

    def __init__(self) -> None:
        super().__init__("The portfolio service is not available", "Nid yw'r gwasanaeth portffolio ar gael")


def reply(account: accounts.Account) -> AccountReply:
    return AccountReply(**{k: getattr(account, k) for k in AccountReply.__struct_fields__})


def admin(account: accounts.Account | None) -> accounts.Account:
    if account is None:
        raise Unauthorised()
    if account.role != "admin":
        raise Forbidden()
    return account


async def the_account(conn: Any, account_id: uuid.UUID) -> accounts.Account:
    found = await accounts.get_account(conn, account_id)
    if found is None:
        raise NotFound("account", "cyfrif")
    return found


@get("/")
async def list_accounts(account: Viewer, conn: Connection) -> list[AccountReply]:
    admin(account)
    return [reply(a) for a in await accounts.list_accounts(conn)]


@patch("/{account_id:uuid}")
async def change_account(
    request: Request[Any, Any, Any], account: Viewer, conn: Connection, account_id: FromPath[uuid.UUID]
) -> AccountReply:
    me = admin(account)
    try:
        raw = msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        raise Invalid([FieldError("body", "The body is not JSON", "Nid JSON yw'r corff")]) from None
    found = problems(AccountChanges, raw)
    if found:
        raise Invalid(found)
    changes = msgspec.convert(raw, AccountChanges)
    target = await the_account(conn, account_id)
    errors = []
    if target.id == me.id and changes.role != "admin":
        errors.append(
            FieldError(
                "role",
                "You cannot take away your own administrator role: ask another administrator",
                "Ni allwch dynnu eich rôl gweinyddwr eich hun: gofynnwch i weinyddwr arall",
            )
        )
    if changes.role == "partner":
        known = False
        if changes.partner_id is not None:
            try:
                known = (await call(request, "portfolio", "GET", f"/api/v1/partners/{changes.partner_id}")).ok
            except Down:
                raise PortfolioDown() from None
        if not known:
            errors.append(FieldError("partner_id", "A partner account needs the id of a partner that exists",
                                     "Mae angen id partner sy'n bod ar gyfer cyfrif partner"))  # fmt: skip
    if errors:
        raise Invalid(errors)
    await accounts.change_account(conn, target.id, role=changes.role, partner_id=changes.partner_id)
    return reply(await the_account(conn, target.id))


@post("/{account_id:uuid}/{change:str}", status_code=200)
async def activate(account: Viewer, conn: Connection, account_id: FromPath[uuid.UUID],
                   change: FromPath[str]) -> AccountReply:  # fmt: skip
    """``deactivate`` (every session and API token of the account refused at once) or ``reactivate``."""
    me = admin(account)
    if change not in ("deactivate", "reactivate"):
        raise NotFound()
    target = await the_account(conn, account_id)
    if change == "deactivate" and target.id == me.id:
        raise Conflict("You cannot deactivate your own account: ask another administrator",
                       "Ni allwch analluogi eich cyfrif eich hun: gofynnwch i weinyddwr arall")  # fmt: skip
    await accounts.set_active(conn, target.id, change == "reactivate")
    return reply(await the_account(conn, target.id))


def _error(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    return api_error_handler(request, exc)


ROUTER = Router(
    path="/api/v1/accounts", route_handlers=[list_accounts, change_account, activate],
    exception_handlers={ApiError: _error}, include_in_schema=False,
)  # fmt: skip
