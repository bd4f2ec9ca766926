"""Accounts, sign-in links, sessions, rate limits and API tokens: the web schema's SQL, no HTTP.

Secrets (link tokens, session ids, API tokens) are random, shown once, and stored only as their
SHA-256: someone who reads the database cannot sign in with what they find there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import TYPE_CHECKING, Literal

import asyncpg
import msgspec

from shared.identity import Identity
from shared.replies.accounts import EmailAccount

if TYPE_CHECKING:
    from shared.db import Conn

LINK_LIFETIME = dt.timedelta(minutes=15)
INVITATION_LIFETIME = dt.timedelta(days=7)
"""An invitation is read when the invitee next looks at their email, not at once."""
SESSION_IDLE = dt.timedelta(minutes=30)
SESSION_ABSOLUTE = dt.timedelta(hours=12)
AccountRole = Literal["admin", "lead", "partner"]


class Account(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    name: str
    role: AccountRole
    partner_id: uuid.UUID | None
    language: str
    active: bool

    @property
    def identity(self) -> Identity:
        return Identity(sub=str(self.id), role=self.role, partner_id=self.partner_id, email=self.email)


class ApiToken(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class AccountExists(Exception):
    pass


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _account(row: asyncpg.Record | None) -> Account | None:
    return None if row is None else msgspec.convert({k: row[k] for k in Account.__struct_fields__}, Account)


async def add_account(
    conn: Conn, *, email: str, role: AccountRole, partner_id: uuid.UUID | None = None, name: str = "",
    language: str = "both",
) -> Account:  # fmt: skip
    try:
        row = await conn.fetchrow(
            """INSERT INTO accounts (id, email, name, role, partner_id, language)
               VALUES ($1, $2, $3, $4, $5, $6) RETURNING *""",
            uuid.uuid4(), email.strip().lower(), name, role, partner_id, language,
        )  # fmt: skip
    except asyncpg.UniqueViolationError as exc:
        raise AccountExists(email) from exc
    account = _account(row)
    assert account is not None
    return account


async def list_accounts(conn: Conn) -> list[Account]:
    rows = await conn.fetch("SELECT * FROM accounts ORDER BY email")
    return [a for a in (_account(r) for r in rows) if a is not None]


async def get_account(conn: Conn, account_id: uuid.UUID) -> Account | None:
    return _account(await conn.fetchrow("SELECT * FROM accounts WHERE id = $1", account_id))


async def change_account(conn: Conn, account_id: uuid.UUID, *, role: AccountRole, partner_id: uuid.UUID | None) -> None:
    """A new role (and partner, which only a partner account has): the next request of every session and
    API token of the account already acts in it, since each reads the account as it is now."""
    await conn.execute(
        "UPDATE accounts SET role = $2, partner_id = $3 WHERE id = $1", account_id, role,
        partner_id if role == "partner" else None,
    )  # fmt: skip


async def set_active(conn: Conn, account_id: uuid.UUID, active: bool) -> None:
    """Deactivating signs the account out everywhere at once: its sessions end, its API tokens are
    revoked and its unused sign-in links can no longer be used (every check also reads ``active``)."""
    async with conn.transaction():
        await conn.execute("UPDATE accounts SET active = $2 WHERE id = $1", account_id, active)
        if not active:
            await end_all_sessions(conn, account_id)
            await conn.execute(
                "UPDATE signin_links SET used_at = now() WHERE account_id = $1 AND used_at IS NULL", account_id
            )


async def emailable(
    conn: Conn, partner_id: uuid.UUID | None, ids: list[uuid.UUID], *, admins: bool = False
) -> list[EmailAccount]:
    """The active accounts of a partner's own people, the active accounts among ``ids``, and with
    ``admins`` every active admin; each once."""
    rows = await conn.fetch(
        """SELECT id, email, language FROM accounts
           WHERE active AND ((role = 'partner' AND partner_id = $1) OR id = ANY($2::uuid[])
                             OR ($3 AND role = 'admin'))
           ORDER BY email""",
        partner_id, ids, admins,
    )  # fmt: skip
    return [msgspec.convert(dict(row), EmailAccount) for row in rows]


async def find_account(conn: Conn, email: str) -> Account | None:
    return _account(await conn.fetchrow("SELECT * FROM accounts WHERE email = $1 AND active", email.strip().lower()))


async def create_signin_link(
    conn: Conn, account: Account, *, destination: str = "/", lifetime: dt.timedelta = LINK_LIFETIME
) -> str:
    """A one-time link's secret; ``destination`` (a path on this site, already checked) is where it leads."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO signin_links (token_hash, account_id, expires_at, destination) VALUES ($1, $2, now() + $3, $4)",
        digest(token), account.id, lifetime, destination,
    )  # fmt: skip
    return token


class SigninLink(msgspec.Struct, frozen=True, kw_only=True):
    account: Account
    destination: str


async def usable_signin_link(conn: Conn, token: str) -> SigninLink | None:
    """The link if it would sign someone in now, without spending it (opening the link only looks)."""
    row = await conn.fetchrow(
        """SELECT a.*, l.destination FROM signin_links l JOIN accounts a ON a.id = l.account_id
           WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND a.active""",
        digest(token),
    )
    account = _account(row)
    return None if row is None or account is None else SigninLink(account=account, destination=row["destination"])


async def redeem_signin_link(conn: Conn, token: str) -> SigninLink | None:
    """Use a link once: it must exist, be unused and unexpired; its account must be active."""
    row = await conn.fetchrow(
        """UPDATE signin_links SET used_at = now()
           WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
           RETURNING account_id, destination""",
        digest(token),
    )
    if row is None:
        return None
    account = _account(await conn.fetchrow("SELECT * FROM accounts WHERE id = $1 AND active", row["account_id"]))
    return None if account is None else SigninLink(account=account, destination=row["destination"])


async def start_session(conn: Conn, account: Account) -> str:
    """A new session id every time: the id a browser had before signing in is never reused."""
    session_id = secrets.token_urlsafe(32)
    await conn.execute("INSERT INTO sessions (id_hash, account_id) VALUES ($1, $2)", digest(session_id), account.id)
    return session_id


async def session_account(conn: Conn, session_id: str) -> Account | None:
    """The signed-in account, if the session is within its idle and absolute timeouts."""
    row = await conn.fetchrow(
        """UPDATE sessions s SET last_seen_at = now()
           FROM accounts a
           WHERE s.id_hash = $1 AND a.id = s.account_id AND a.active
             AND s.last_seen_at > now() - $2::interval AND s.created_at > now() - $3::interval
           RETURNING a.*""",
        digest(session_id), SESSION_IDLE, SESSION_ABSOLUTE,
    )  # fmt: skip
    return _account(row)


async def session_holds(conn: Conn, session_id: str, account_id: uuid.UUID) -> bool:
    """The session is still this account's and within its timeouts; a look only (an open live
    stream must not keep an idle session alive, as a request would)."""
    return bool(await conn.fetchval(
        """SELECT true FROM sessions s JOIN accounts a ON a.id = s.account_id
           WHERE s.id_hash = $1 AND a.id = $2 AND a.active
             AND s.last_seen_at > now() - $3::interval AND s.created_at > now() - $4::interval""",
        digest(session_id), account_id, SESSION_IDLE, SESSION_ABSOLUTE,
    ))  # fmt: skip


async def end_session(conn: Conn, session_id: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE id_hash = $1", digest(session_id))


async def end_all_sessions(conn: Conn, account_id: uuid.UUID) -> None:
    """Sign out everywhere: every session, and every API token too (whoever took one may hold the
    other), in one transaction."""
    async with conn.transaction():
        await conn.execute("DELETE FROM sessions WHERE account_id = $1", account_id)
        await conn.execute(
            "UPDATE api_tokens SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL", account_id
        )


async def hit_rate_limit(conn: Conn, key: str, *, limit: int, window: dt.timedelta) -> bool:
    """Count one attempt for ``key``; True if it is over ``limit`` in the current window."""
    seconds = int(window.total_seconds())
    hits: int = await conn.fetchval(
        """INSERT INTO rate_limits (key, window_start, hits)
           VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
           ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
           RETURNING hits""",
        key, seconds,
    )  # fmt: skip
    return hits > limit


async def create_api_token(conn: Conn, account: Account, name: str) -> tuple[ApiToken, str]:
    secret = f"cdps_{secrets.token_urlsafe(32)}"
    row = await conn.fetchrow(
        "INSERT INTO api_tokens (id, token_hash, account_id, name) VALUES ($1, $2, $3, $4) RETURNING *",
        uuid.uuid4(), digest(secret), account.id, name,
    )  # fmt: skip
    assert row is not None
    return msgspec.convert({k: row[k] for k in ApiToken.__struct_fields__}, ApiToken), secret


async def api_token_account(conn: Conn, secret: str) -> Account | None:
    row = await conn.fetchrow(
        """UPDATE api_tokens t SET last_used_at = now() FROM accounts a
           WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.id = t.account_id AND a.active
           RETURNING a.*""",
        digest(secret),
    )
    return _account(row)


async def list_api_tokens(conn: Conn, account_id: uuid.UUID) -> list[ApiToken]:
    rows = await conn.fetch("SELECT * FROM api_tokens WHERE account_id = $1 ORDER BY created_at", account_id)
    return [msgspec.convert({k: r[k] for k in ApiToken.__struct_fields__}, ApiToken) for r in rows]


async def revoke_api_token(conn: Conn, account_id: uuid.UUID, token_id: uuid.UUID) -> bool:
    status = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
        token_id, account_id,
    )  # fmt: skip
    return status.endswith(" 1")


# The longest window any rate limit counts in: a row whose window started before this is spent.
LONGEST_RATE_WINDOW = dt.timedelta(days=1)


async def delete_expired(conn: Conn) -> dict[str, int]:
    """Forget what can no longer be used: expired sign-in links (used or not), sessions past their idle
    or absolute timeout, and rate-limit counts of windows that have ended. Rows deleted per table."""
    links = await conn.execute("DELETE FROM signin_links WHERE expires_at < now()")
    sessions = await conn.execute(
        "DELETE FROM sessions WHERE last_seen_at < now() - $1::interval OR created_at < now() - $2::interval",
        SESSION_IDLE, SESSION_ABSOLUTE,
    )  # fmt: skip
    limits = await conn.execute("DELETE FROM rate_limits WHERE window_start < now() - $1::interval",
                                LONGEST_RATE_WINDOW)  # fmt: skip
    return {table: int(status.split()[-1]) for table, status in
            (("signin_links", links), ("sessions", sessions), ("rate_limits", limits))}  # fmt: skip
