"""Emails to admins when an endpoint is disabled (410 Gone, or days of failures): written in the
transaction that disables it, sent by a job of their own through SMTP_URL, retried until sent.
Bilingual, Welsh first (the reason too): the webhooks service does not know the admin's language."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import aiosmtplib

from shared.bilingual import Bilingual
from shared.db import DATABASE_UNAVAILABLE
from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import Health, pause
from shared.wakeup import Wakeup

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

CHANNEL = "webhooks_alerts"
SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


async def add(conn: Conn, endpoint_id: uuid.UUID, reason: Bilingual, public_url: str) -> int:
    """One alert to each admin who registered or last changed the endpoint; how many."""
    row = await conn.fetchrow("SELECT url, description, admin_email, changed_by_email FROM endpoints WHERE id = $1",
                              endpoint_id)  # fmt: skip
    if row is None:
        return 0
    recipients = {email.strip().lower() for email in (row["admin_email"], row["changed_by_email"]) if email}
    name = row["description"] or row["url"]
    link = f"{public_url.rstrip('/')}/admin/webhooks/{endpoint_id}"
    subject = f"Gwe-fachyn wedi'i ddiffodd / Webhook turned off: {name}"[:250]
    body = (
        f"Mae'r pwynt terfyn gwe-fachyn “{name}” ({row['url']}) wedi'i ddiffodd, felly ni anfonir dim ato nes i "
        f"weinyddwr ei droi ymlaen eto. Y rheswm: {reason.cy}\n\nEi gofnod danfon: {link}\n\n"
        f"---\n\nThe webhook endpoint “{name}” ({row['url']}) has been turned off, so nothing is sent to it until an "
        f"admin turns it on again. The reason: {reason.en}\n\nIts delivery log: {link}\n"
    )
    for recipient in sorted(recipients):
        await conn.execute(
            "INSERT INTO alerts (id, endpoint_id, recipient, subject, body) VALUES ($1, $2, $3, $4, $5)",
            uuid.uuid4(), endpoint_id, recipient, subject, body,
        )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)
    return len(recipients)


async def send_waiting(runtime: Runtime, from_address: str) -> int:
    """Send every alert that is due; how many went."""
    smtp_url = runtime.settings.smtp_url
    assert smtp_url is not None
    sent = 0
    while True:
        async with runtime.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT id, recipient, subject, body, attempts FROM alerts
                   WHERE sent_at IS NULL AND next_attempt <= now() ORDER BY created_at LIMIT 1
                   FOR UPDATE SKIP LOCKED"""
            )
            if row is None:
                return sent
            message = EmailMessage()
            message["From"] = from_address
            message["To"] = row["recipient"]
            message["Subject"] = row["subject"]
            message["Date"] = formatdate(usegmt=True)
            # Stable, so a mail server can drop the copy if we are killed after handing it over.
            message["Message-ID"] = f"<alert-{row['id']}@cdps-portfolio>"
            message["Auto-Submitted"] = "auto-generated"
            message["Content-Language"] = "cy, en"
            message.set_content(row["body"])
            try:
                await aiosmtplib.send(message, **_smtp(smtp_url), timeout=10)
            except SMTP_ERRORS as exc:
                delay = min(3600.0, 30.0 * 2.0 ** row["attempts"])
                await conn.execute(
                    """UPDATE alerts SET attempts = attempts + 1, last_error = $2,
                           next_attempt = now() + make_interval(secs => $3) WHERE id = $1""",
                    row["id"], f"{exc.__class__.__name__}: {exc}", delay,
                )  # fmt: skip
                log.warning("webhook alert email not sent; will retry", recipient=row["recipient"], error=repr(exc))
                continue
            await conn.execute("UPDATE alerts SET sent_at = now(), attempts = attempts + 1 WHERE id = $1", row["id"])
            sent += 1


def _smtp(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    tls = parts.scheme == "smtps"
    return {
        "hostname": parts.hostname or "localhost", "port": parts.port or (465 if tls else 25), "use_tls": tls,
        "start_tls": None if not tls else False,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }  # fmt: skip


async def run_alerts(runtime: Runtime, from_address: str, health: Health, poll_seconds: float) -> None:
    if runtime.settings.smtp_url is None:
        log.warning("SMTP_URL is not set: webhook alerts are recorded but not emailed")
        await runtime.stop.wait()
        return
    wakeup = Wakeup(runtime.dsn, CHANNEL)
    try:
        while not runtime.stop.is_set():
            try:
                await send_waiting(runtime, from_address)
            except DATABASE_UNAVAILABLE as exc:
                await pause(runtime.stop, health.failed(exc))
                continue
            health.progress()
            await wakeup.wait(runtime.stop, poll_seconds)
    finally:
        await wakeup.close()
