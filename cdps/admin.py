"""`cdps users`, `cdps token` and `cdps partners`: what an operator does before anyone can sign in."""

from __future__ import annotations

import argparse
import uuid

from cdps.services import migrate_all
from services.portfolio import store as portfolio
from shared import db
from shared.settings import ConfigError
from web import accounts


async def manage_accounts(dsn: str, args: argparse.Namespace) -> str:
    await migrate_all(dsn)
    conn = await db.connect(dsn)
    await conn.execute("SET search_path TO web, public")
    try:
        if args.command == "users" and args.action == "list":
            return "\n".join(f"{a.email}\t{a.role}\t{a.partner_id or ''}" for a in await accounts.list_accounts(conn))
        if args.command == "users":
            if (args.role == "partner") != (args.partner is not None):
                raise ConfigError("--partner is required for a partner account, and only for one")
            if args.partner is not None and args.partner not in await partner_ids(dsn):
                raise ConfigError(f"no partner organisation has the id {args.partner}: see `cdps partners list`")
            try:
                added = await accounts.add_account(
                    conn, email=args.email, role=args.role, partner_id=args.partner, name=args.name
                )
            except accounts.AccountExists:
                raise ConfigError(f"an account for {args.email} already exists") from None
            return f"added {added.email} as {added.role}"
        account = await accounts.find_account(conn, args.email)
        if account is None:
            raise ConfigError(f"no active account for {args.email}")
        if args.action == "revoke":
            done = await accounts.revoke_api_token(conn, account.id, args.id)
            return "revoked" if done else "no such active token for that account"
        token, secret = await accounts.create_api_token(conn, account, args.name)
        return f"token {token.id} for {account.email} (shown once):\n{secret}"
    finally:
        await conn.close()


async def list_partners(dsn: str) -> str:
    """One line per partner organisation: id, slug, English / Welsh name (inactive ones marked)."""
    await migrate_all(dsn)
    conn = await db.connect(dsn)
    try:
        await conn.execute("SET search_path TO portfolio, public")
        partners = await portfolio.list_partners(conn, include_inactive=True)
    finally:
        await conn.close()
    if not partners:
        return "no partner organisations yet: `cdps seed --demo` or `cdps import partners FILE.csv` adds them"
    lines = [f"{p.id}\t{p.slug}\t{p.name_en} / {p.name_cy}" + ("" if p.active else "\t(inactive)") for p in partners]
    return "\n".join(lines)


async def partner_ids(dsn: str) -> set[uuid.UUID]:
    conn = await db.connect(dsn)
    try:
        await conn.execute("SET search_path TO portfolio, public")
        return {p.id for p in await portfolio.list_partners(conn, include_inactive=True)}
    finally:
        await conn.close()
