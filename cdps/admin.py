"""`cdps users` and `cdps token`: what an operator does before anyone can sign in."""

from __future__ import annotations

import argparse

from cdps.services import service
from shared import db
from shared.settings import ConfigError
from web import accounts


async def manage_accounts(dsn: str, args: argparse.Namespace) -> str:
    await db.migrate(dsn, "web", service("web").migrations)
    conn = await db.connect(dsn)
    await conn.execute("SET search_path TO web, public")
    try:
        if args.command == "users" and args.action == "list":
            return "\n".join(f"{a.email}\t{a.role}\t{a.partner_id or ''}" for a in await accounts.list_accounts(conn))
        if args.command == "users":
            if (args.role == "partner") != (args.partner is not None):
                raise ConfigError("--partner is required for a partner account, and only for one")
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
