"""SQL for the delivery queue (claiming, attempts, pacing) and the admins' delivery log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Literal

import asyncpg
import msgspec

from services.notifier.domain import ONE_OFF

if TYPE_CHECKING:
    from shared.db import Conn

Status = Literal["pending", "held", "sent", "failed", "cancelled"]
"""``held``: waiting for the Welsh of what it tells (CDPS_WELSH_BEFORE_PUBLISHING=required)."""
Outcome = Literal["sent", "temporary", "permanent"]


class Attempt(msgspec.Struct, kw_only=True):
    attempt: int
    attempted_at: dt.datetime
    outcome: Outcome
    smtp_code: int | None
    detail: str


class Delivery(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    template: str
    recipient: str
    language: str
    subject: str | None
    status: Status
    attempts: int
    next_attempt: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


class DeliveryDetail(Delivery, kw_only=True):
    attempt_log: list[Attempt]


_FIELDS = ", ".join(Delivery.__struct_fields__)


# --- the sender's side ------------------------------------------------------------------------


async def claim_due(conn: Conn, *, lease_seconds: float) -> asyncpg.Record | None:
    """Claim the next due delivery: it is not due again for ``lease_seconds`` once this transaction
    commits, so no replica takes it while its email is handed over and its outcome recorded.
    SKIP LOCKED: replicas claiming at the same moment take different rows."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """WITH due AS (
               SELECT d.id FROM deliveries d
               WHERE d.status = 'pending' AND d.next_attempt <= now()
               ORDER BY d.next_attempt, d.created_at LIMIT 1
               FOR UPDATE SKIP LOCKED
           ), leased AS (
               UPDATE deliveries d SET next_attempt = clock_timestamp() + make_interval(secs => $1)
               FROM due WHERE d.id = due.id
               RETURNING d.*
           )
           SELECT d.id, d.template, d.recipient, d.language, d.subscription_id, d.attempts,
                  d.attempts - d.budget_from AS round_attempts, n.payload,
                  d.subscription_id IS NULL OR s.id IS NOT NULL AS wanted
           FROM leased d JOIN notices n ON n.id = d.event_id
           LEFT JOIN subscriptions s ON s.id = d.subscription_id""",
        lease_seconds,
    )
    return row


async def reserve_slot(pool: asyncpg.Pool, rate_per_second: float) -> float:
    """Seconds to wait before this process may send: the next free slot of the installation-wide
    rate. Its own statement (autocommit), so replicas queue on the row for microseconds only."""
    wait: float = await pool.fetchval(
        """UPDATE send_pacing SET next_at = GREATEST(next_at, clock_timestamp()) + make_interval(secs => $1)
           WHERE id = 1
           RETURNING extract(epoch FROM next_at - make_interval(secs => $1) - clock_timestamp())::float8""",
        1.0 / rate_per_second,
    )
    return max(wait, 0.0)


async def record_attempt(
    conn: Conn, delivery_id: uuid.UUID, attempt: int, outcome: Outcome, code: int | None, detail: str
) -> None:
    await conn.execute(
        """INSERT INTO delivery_attempts (delivery_id, attempt, outcome, smtp_code, detail)
           VALUES ($1, $2, $3, $4, $5)""",
        delivery_id, attempt, outcome, code, detail,
    )  # fmt: skip


async def mark_sent(conn: Conn, delivery_id: uuid.UUID, subject: str) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'sent', attempts = attempts + 1, subject = $2, sent_at = now(),
               last_error = NULL
           WHERE id = $1""",
        delivery_id, subject,
    )  # fmt: skip


async def defer(conn: Conn, delivery_id: uuid.UUID, subject: str | None, error: str, delay: float) -> None:
    await conn.execute(
        """UPDATE deliveries SET attempts = attempts + 1, subject = coalesce($2, subject), last_error = $3,
               next_attempt = clock_timestamp() + make_interval(secs => $4)
           WHERE id = $1""",
        delivery_id, subject, error, delay,
    )  # fmt: skip


async def mark_failed(conn: Conn, delivery_id: uuid.UUID, subject: str | None, error: str) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'failed', attempts = attempts + 1, subject = coalesce($2, subject),
               last_error = $3
           WHERE id = $1""",
        delivery_id, subject, error,
    )  # fmt: skip


async def cancel(conn: Conn, delivery_id: uuid.UUID, reason: str) -> None:
    await conn.execute("UPDATE deliveries SET status = 'cancelled', last_error = $2 WHERE id = $1", delivery_id, reason)


# --- the admins' log --------------------------------------------------------------------------


async def list_deliveries(
    conn: Conn, *, status: Status | None, event_type: str | None, recipient: str | None, limit: int
) -> list[Delivery]:
    rows = await conn.fetch(
        f"""SELECT {_FIELDS} FROM deliveries
            WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR event_type = $2)
              AND ($3::text IS NULL OR recipient = $3)
            ORDER BY created_at DESC, id DESC LIMIT $4""",
        status, event_type, recipient, limit,
    )  # fmt: skip
    return [msgspec.convert(dict(r), Delivery) for r in rows]


async def get_delivery(conn: Conn, delivery_id: uuid.UUID) -> DeliveryDetail | None:
    row = await conn.fetchrow(f"SELECT {_FIELDS} FROM deliveries WHERE id = $1", delivery_id)
    if row is None:
        return None
    attempts = await conn.fetch(
        """SELECT attempt, attempted_at, outcome, smtp_code, detail FROM delivery_attempts
           WHERE delivery_id = $1 ORDER BY attempt""",
        delivery_id,
    )
    return msgspec.convert(dict(row) | {"attempt_log": [dict(a) for a in attempts]}, DeliveryDetail)


class NotRetryable(Exception):
    """Only a failed delivery can be retried, and never a sign-in link or invitation (the link is not kept)."""


async def retry(conn: Conn, delivery_id: uuid.UUID) -> DeliveryDetail | None:
    """A failed delivery back to pending, due now, with a fresh allowance of temporary failures; its
    attempt log is kept."""
    async with conn.transaction():
        row = await conn.fetchrow("SELECT status, template FROM deliveries WHERE id = $1 FOR UPDATE", delivery_id)
        if row is None:
            return None
        if row["template"] in ONE_OFF:
            raise NotRetryable("signin")
        if row["status"] != "failed":
            raise NotRetryable(row["status"])
        await conn.execute(
            "UPDATE deliveries SET status = 'pending', next_attempt = now(), budget_from = attempts WHERE id = $1",
            delivery_id,
        )
    return await get_delivery(conn, delivery_id)


async def log_signin(
    conn: Conn, *, delivery_id: uuid.UUID, template: str, recipient: str, language: str, subject: str,
    outcome: Outcome, code: int | None, detail: str,
) -> None:  # fmt: skip
    """The delivery log's row for a sign-in email or invitation, sent already. The link is not kept:
    it signs someone in, so it lives only in their mailbox (and never in the stream)."""
    await conn.execute(
        "INSERT INTO notices (id, type, payload) VALUES ($1, 'auth.signin_link', $2)",
        delivery_id,
        {"language": language},
    )
    await conn.execute(
        """INSERT INTO deliveries (id, event_id, event_type, template, recipient, language, subject, status,
                                   attempts, last_error, sent_at)
           VALUES ($1, $1, 'auth.signin_link', $2, $3, $4, $5, $6, 1, $7,
                   CASE WHEN $6 = 'sent' THEN now() END)""",
        delivery_id, template, recipient, language, subject, "sent" if outcome == "sent" else "failed",
        detail or None,
    )  # fmt: skip
    await record_attempt(conn, delivery_id, 1, outcome, code, detail)
