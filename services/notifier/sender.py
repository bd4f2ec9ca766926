"""Sends pending deliveries through SMTP, records every attempt, retries temporary failures."""

from __future__ import annotations

import asyncio
import contextlib
import random
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
import asyncpg
from prometheus_client import Counter

from shared.logs import get_logger
from shared.service import Runtime

log = get_logger(__name__)

SENT = Counter("cdps_emails_sent_total", "Emails handed to the SMTP server")
FAILED = Counter("cdps_emails_failed_total", "Emails that failed permanently")
FROM_ADDRESS = "CDPS Portfolio <portfolio@cdps.example>"
MAX_ATTEMPTS = 8


class SmtpTarget:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.hostname = parts.hostname or "localhost"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.use_tls = parts.scheme == "smtps"
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message, hostname=self.hostname, port=self.port, use_tls=self.use_tls,
            start_tls=None, username=self.username, password=self.password, timeout=10,
        )  # fmt: skip


def build_message(row: asyncpg.Record) -> EmailMessage:
    message = EmailMessage()
    message["From"] = FROM_ADDRESS
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    # A stable Message-ID lets a mail server drop the copy if we are killed after sending.
    message["Message-ID"] = f"<{row['id']}@cdps-portfolio>"
    message.set_content(row["body"])
    return message


def is_temporary(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 400 <= exc.code < 500
    return True  # connection refused, timeouts, disconnects: try again later


async def send_due(runtime: Runtime, smtp: SmtpTarget, batch: int = 50) -> int:
    """Send the deliveries that are due; rows are locked so that replicas never send one twice."""
    sent = 0
    async with runtime.pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt <= now()
               ORDER BY next_attempt LIMIT $1 FOR UPDATE SKIP LOCKED""",
            batch,
        )
        for row in rows:
            try:
                await smtp.send(build_message(row))
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await _record_failure(conn, row, exc)
                continue
            await conn.execute(
                "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = now() WHERE id = $1",
                row["id"],
            )
            SENT.inc()
            sent += 1
    return sent


async def _record_failure(conn: asyncpg.pool.PoolConnectionProxy[asyncpg.Record], row: asyncpg.Record,
                          exc: Exception) -> None:  # fmt: skip
    attempts = row["attempts"] + 1
    if is_temporary(exc) and attempts < MAX_ATTEMPTS:
        # Exponential backoff with full jitter, capped at 15 minutes.
        delay = random.uniform(0, min(900.0, 2.0**attempts))
        await conn.execute(
            "UPDATE deliveries SET attempts = $2, last_error = $3, "
            "next_attempt = now() + make_interval(secs => $4) WHERE id = $1",
            row["id"], attempts, repr(exc), delay,
        )  # fmt: skip
        log.warning("email deferred", delivery=str(row["id"]), attempt=attempts, error=repr(exc))
        return
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', attempts = $2, last_error = $3 WHERE id = $1",
        row["id"], attempts, repr(exc),
    )  # fmt: skip
    FAILED.inc()
    log.error("email failed", delivery=str(row["id"]), error=repr(exc))


async def run_sender(runtime: Runtime) -> None:
    if runtime.settings.smtp_url is None:
        log.warning("SMTP_URL is not set: deliveries are recorded but not sent")
        return
    smtp = SmtpTarget(runtime.settings.smtp_url)
    while not runtime.stop.is_set():
        try:
            sent = await send_due(runtime, smtp)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("sender paused", error=repr(exc))
            sent = 0
        if sent == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runtime.stop.wait(), 0.2)
