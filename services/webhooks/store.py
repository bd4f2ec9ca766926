"""SQL for webhook endpoints and their deliveries (plain statements, no rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any, Literal

import asyncpg
import msgspec

from services.webhooks.domain import Target
from shared.bilingual import Bilingual, from_row
from shared.events import Envelope

if TYPE_CHECKING:
    from shared.db import Conn

CHANNEL = "webhooks_deliveries"
"""NOTIFY channel: deliveries were recorded, sent again, or an endpoint turned on. (A delivery that
ends sends none: the sender goes straight on to that endpoint's next one itself.)"""

Status = Literal["pending", "delivered", "failed"]
Outcome = Literal["delivered", "failed", "unknown", "refused", "gone"]


class Endpoint(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    partner_id: uuid.UUID | None
    internal: bool
    enabled: bool
    disabled_reason: Bilingual | None
    """Why it turned itself off (a 410, or days of failures), in both languages; None while on or when
    an admin turned it off."""
    failing_since: dt.datetime | None
    previous_secret_until: dt.datetime | None
    """While a rotated secret still signs deliveries (24 hours after the rotation)."""
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class EndpointWithSecret(Endpoint, kw_only=True):
    secret: str
    """Shown this once: keep it where the receiver can read it."""


_ENDPOINT = """id, url, description, event_types, partner_id, internal, enabled, disabled_reason_en, disabled_reason_cy,
    failing_since,
    CASE WHEN previous_until > now() THEN previous_until END AS previous_secret_until, version, created_at,
    updated_at"""


def _fields(row: asyncpg.Record) -> dict[str, Any]:
    fields = {k: v for k, v in row.items() if k not in ("disabled_reason_en", "disabled_reason_cy")}
    reason = from_row(row, "disabled_reason")
    return fields | {"disabled_reason": None if reason.blank else reason}


def _endpoint(row: asyncpg.Record) -> Endpoint:
    return msgspec.convert(_fields(row), Endpoint)


async def add_endpoint(
    conn: Conn, *, url: str, description: str, event_types: list[str], partner_id: uuid.UUID | None,
    internal: bool, enabled: bool, secret: str, created_by: str,
) -> EndpointWithSecret:  # fmt: skip
    row = await conn.fetchrow(
        f"""INSERT INTO endpoints (id, url, description, event_types, partner_id, internal, enabled, secret,
                                   created_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {_ENDPOINT}""",
        uuid.uuid4(), url, description, event_types, partner_id, internal, enabled, secret, created_by,
    )  # fmt: skip
    assert row is not None
    return msgspec.convert(_fields(row) | {"secret": secret}, EndpointWithSecret)


async def list_endpoints(conn: Conn) -> list[Endpoint]:
    rows = await conn.fetch(f"SELECT {_ENDPOINT} FROM endpoints ORDER BY created_at DESC, id")
    return [_endpoint(r) for r in rows]


async def get_endpoint(conn: Conn, endpoint_id: uuid.UUID, *, lock: bool = False) -> Endpoint | None:
    row = await conn.fetchrow(
        f"SELECT {_ENDPOINT} FROM endpoints WHERE id = $1{' FOR UPDATE' if lock else ''}", endpoint_id
    )
    return None if row is None else _endpoint(row)


async def update_endpoint(conn: Conn, endpoint_id: uuid.UUID, changes: dict[str, Any]) -> Endpoint:
    """Set the given columns (names from the code, never from a request), and move the version on."""
    columns = list(changes)
    sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(columns, 2))
    row = await conn.fetchrow(
        f"""UPDATE endpoints SET {sets}{", " if sets else ""}version = version + 1, updated_at = now()
            WHERE id = $1 RETURNING {_ENDPOINT}""",
        endpoint_id, *changes.values(),
    )  # fmt: skip
    assert row is not None
    return _endpoint(row)


async def rotate_secret(conn: Conn, endpoint_id: uuid.UUID, secret: str, keep_previous: dt.timedelta) -> None:
    await conn.execute(
        """UPDATE endpoints SET previous_secret = secret, previous_until = now() + $3, secret = $2,
               version = version + 1, updated_at = now()
           WHERE id = $1""",
        endpoint_id, secret, keep_previous,
    )  # fmt: skip


async def delete_endpoint(conn: Conn, endpoint_id: uuid.UUID) -> bool:
    return await conn.fetchval("DELETE FROM endpoints WHERE id = $1 RETURNING true", endpoint_id) is not None


# --- the consumer's side ------------------------------------------------------------------------


async def enabled_targets(conn: Conn) -> list[Target]:
    rows = await conn.fetch("SELECT id, event_types, partner_id, internal FROM endpoints WHERE enabled")
    return [Target(r["id"], tuple(r["event_types"]), r["partner_id"], r["internal"]) for r in rows]


async def add_message(conn: Conn, envelope: Envelope, body: bytes) -> None:
    await conn.execute(
        """INSERT INTO messages (event_id, event_type, occurred_at, body) VALUES ($1, $2, $3, $4)
           ON CONFLICT (event_id) DO NOTHING""",
        envelope.id, envelope.type, envelope.occurred_at, body.decode(),
    )  # fmt: skip


async def add_deliveries(conn: Conn, rows: list[tuple[uuid.UUID, uuid.UUID, uuid.UUID, str, int]]) -> None:
    """(delivery id, endpoint id, event id, event type, stream sequence) each; one already recorded
    is left as it is. The sender hears of them when the ack floor passes them (``raise_floor``)."""
    await conn.executemany(
        """INSERT INTO deliveries (id, endpoint_id, event_id, event_type, stream_seq) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (endpoint_id, event_id) DO NOTHING""",
        rows,
    )


async def raise_floor(conn: Conn, stream_seq: int) -> None:
    """Every event up to ``stream_seq`` has been applied: its deliveries may go. The sender is woken
    only if the floor passed some waiting delivery (most batches record none: no endpoint wants them)."""
    await conn.execute(
        """WITH old AS (SELECT stream_seq FROM applied_floor),
                raised AS (UPDATE applied_floor SET stream_seq = $1, updated_at = now() WHERE stream_seq < $1
                           RETURNING true)
           SELECT pg_notify($2, '') FROM old
           WHERE EXISTS (SELECT FROM raised)
             AND EXISTS (SELECT FROM deliveries d WHERE d.status = 'pending'
                         AND d.stream_seq > old.stream_seq AND d.stream_seq <= $1)""",
        stream_seq, CHANNEL,
    )  # fmt: skip


async def waiting_beyond_floor(conn: Conn) -> bool:
    """Some delivery waits for the ack floor to pass it."""
    waiting: bool = await conn.fetchval(
        """SELECT EXISTS (SELECT FROM deliveries WHERE status = 'pending'
                          AND stream_seq > (SELECT stream_seq FROM applied_floor))"""
    )
    return waiting


# --- the sender's side --------------------------------------------------------------------------


async def claim_next(
    conn: Conn, *, lease_seconds: float, rate_per_second: float, endpoint: uuid.UUID | None = None
) -> asyncpg.Record | None:
    """The first waiting delivery of an endpoint, if it is due and the endpoint's rate allows: its
    endpoint's row is locked (SKIP LOCKED: replicas take different endpoints), the delivery is
    leased (not due again for ``lease_seconds`` once this commits) and the endpoint's next slot set.
    An endpoint has one delivery in flight at a time, the first in stream order, so it gets them in
    order; and none beyond the ack floor (an earlier event may still be on its way to the consumer).
    With ``endpoint``, only that endpoint's (the sender goes on with an endpoint it has just sent to)."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """WITH due AS (
               SELECT head.id, e.id AS endpoint_id FROM endpoints e
               CROSS JOIN LATERAL (
                   SELECT d.id, d.next_attempt, d.stream_seq FROM deliveries d
                   WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.stream_seq, d.position LIMIT 1
               ) head
               WHERE e.enabled AND e.next_send_at <= clock_timestamp() AND head.next_attempt <= clock_timestamp()
                 AND head.stream_seq <= (SELECT stream_seq FROM applied_floor)
                 AND ($3::uuid IS NULL OR e.id = $3)
               ORDER BY head.next_attempt LIMIT 1
               FOR UPDATE OF e SKIP LOCKED
           ), leased AS (
               UPDATE deliveries d SET next_attempt = clock_timestamp() + make_interval(secs => $1)
               FROM due WHERE d.id = due.id
               RETURNING d.id, d.event_id, d.endpoint_id, d.attempts, d.retry_from
           ), paced AS (
               UPDATE endpoints e
               SET next_send_at = GREATEST(e.next_send_at, clock_timestamp()) + make_interval(secs => $2)
               FROM due WHERE e.id = due.endpoint_id
               RETURNING e.url, e.secret, CASE WHEN e.previous_until > now() THEN e.previous_secret END AS previous
           )
           SELECT l.*, p.url, p.secret, p.previous, m.body, m.occurred_at
           FROM leased l, paced p, messages m WHERE m.event_id = l.event_id""",
        lease_seconds, 1.0 / rate_per_second, endpoint,
    )  # fmt: skip
    return row


async def seconds_until_due(conn: Conn) -> float | None:
    """How long until some endpoint's first waiting delivery is due (None: nothing waits, or what
    waits is beyond the ack floor)."""
    value = await conn.fetchval(
        """SELECT extract(epoch FROM min(GREATEST(head.next_attempt, e.next_send_at)) - clock_timestamp())::float8
           FROM endpoints e CROSS JOIN LATERAL (
               SELECT d.next_attempt, d.stream_seq FROM deliveries d
               WHERE d.endpoint_id = e.id AND d.status = 'pending' ORDER BY d.stream_seq, d.position LIMIT 1
           ) head
           WHERE e.enabled AND head.stream_seq <= (SELECT stream_seq FROM applied_floor)"""
    )
    return None if value is None else max(float(value), 0.0)


async def record_attempt(
    conn: Conn, delivery: uuid.UUID, attempt: int, outcome: Outcome, status: int | None, latency_ms: int | None,
    detail: str,
) -> None:  # fmt: skip
    await conn.execute(
        """INSERT INTO delivery_attempts (delivery_id, attempt, outcome, status_code, latency_ms, detail)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        delivery, attempt, outcome, status, latency_ms, detail,
    )  # fmt: skip


async def mark_delivered(
    conn: Conn, delivery: uuid.UUID, endpoint: uuid.UUID, attempt: int, status: int, latency_ms: int, detail: str
) -> None:
    """The attempt, the delivery delivered and its endpoint no longer failing, in one statement."""
    await conn.execute(
        """WITH attempt AS (
               INSERT INTO delivery_attempts (delivery_id, attempt, outcome, status_code, latency_ms, detail)
               VALUES ($1, $3, 'delivered', $4, $5, $6) ON CONFLICT DO NOTHING
           ), endpoint AS (
               UPDATE endpoints SET failing_since = NULL WHERE id = $2 AND failing_since IS NOT NULL
           )
           UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $4,
               last_latency_ms = $5, last_error = NULL, delivered_at = now()
           WHERE id = $1""",
        delivery, endpoint, attempt, status, latency_ms, detail,
    )  # fmt: skip


async def mark_retry(
    conn: Conn, delivery: uuid.UUID, status: int | None, latency_ms: int | None, error: str, delay: float
) -> None:
    await conn.execute(
        """UPDATE deliveries SET attempts = attempts + 1, last_status = $2, last_latency_ms = $3, last_error = $4,
               next_attempt = clock_timestamp() + make_interval(secs => $5)
           WHERE id = $1""",
        delivery, status, latency_ms, error, delay,
    )  # fmt: skip


async def mark_failed(conn: Conn, delivery: uuid.UUID, status: int | None, latency_ms: int | None, error: str) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_status = $2, last_latency_ms = $3,
               last_error = $4
           WHERE id = $1""",
        delivery, status, latency_ms, error,
    )  # fmt: skip


async def endpoint_failed(conn: Conn, endpoint: uuid.UUID) -> dt.timedelta:
    """Note a failure; how long the endpoint has been failing (since its last success)."""
    value: dt.timedelta = await conn.fetchval(
        """UPDATE endpoints SET failing_since = coalesce(failing_since, now()) WHERE id = $1
           RETURNING now() - failing_since""",
        endpoint,
    )
    return value


async def disable(conn: Conn, endpoint: uuid.UUID, reason: Bilingual) -> bool:
    """Disable the endpoint (its waiting deliveries wait until it is enabled again); False if it was
    disabled already (another replica's delivery to it ended the same way)."""
    done = await conn.fetchval(
        """UPDATE endpoints SET enabled = false, disabled_reason_en = $2, disabled_reason_cy = $3,
               version = version + 1, updated_at = now()
           WHERE id = $1 AND enabled RETURNING true""",
        endpoint, reason.en, reason.cy,
    )  # fmt: skip
    return done is not None


# --- the delivery log ---------------------------------------------------------------------------


class Attempt(msgspec.Struct, kw_only=True):
    attempt: int
    attempted_at: dt.datetime
    outcome: Outcome
    status_code: int | None
    latency_ms: int | None
    detail: str


class Delivery(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    """The ``webhook-id`` header of every attempt."""
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: Status
    attempts: int
    next_attempt: dt.datetime
    last_status: int | None
    last_error: str | None
    last_latency_ms: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class DeliveryDetail(Delivery, kw_only=True):
    attempt_log: list[Attempt]


_DELIVERY = ", ".join(Delivery.__struct_fields__)


async def list_deliveries(conn: Conn, endpoint: uuid.UUID, *, status: Status | None, limit: int) -> list[Delivery]:
    rows = await conn.fetch(
        f"""SELECT {_DELIVERY} FROM deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at DESC, position DESC LIMIT $3""",
        endpoint, status, limit,
    )  # fmt: skip
    return [msgspec.convert(dict(r), Delivery) for r in rows]


async def get_delivery(conn: Conn, endpoint: uuid.UUID, delivery: uuid.UUID) -> DeliveryDetail | None:
    row = await conn.fetchrow(
        f"SELECT {_DELIVERY} FROM deliveries WHERE id = $1 AND endpoint_id = $2", delivery, endpoint
    )
    if row is None:
        return None
    attempts = await conn.fetch(
        """SELECT attempt, attempted_at, outcome, status_code, latency_ms, detail FROM delivery_attempts
           WHERE delivery_id = $1 ORDER BY attempt""",
        delivery,
    )
    return msgspec.convert(dict(row) | {"attempt_log": [dict(a) for a in attempts]}, DeliveryDetail)


async def send_again(conn: Conn, endpoint: uuid.UUID, delivery: uuid.UUID) -> bool:
    """A delivery back to waiting, due now, with a fresh day of retries (the same webhook-id)."""
    found = await conn.fetchval(
        """UPDATE deliveries SET status = 'pending', next_attempt = now(), retry_from = now(), delivered_at = NULL
           WHERE id = $1 AND endpoint_id = $2 RETURNING true""",
        delivery, endpoint,
    )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return found is not None


async def pending_count(conn: Conn) -> int:
    value: int = await conn.fetchval("SELECT count(*) FROM deliveries WHERE status = 'pending'")
    return value
