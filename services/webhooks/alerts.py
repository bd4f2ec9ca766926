"""Emails to every active admin when an endpoint is disabled (410 Gone, or days of failures), each in
their account's language: Welsh only ('cy'), English only ('en'), or Welsh then English ('both').

The disabling transaction writes a disabling (so none is lost, and none is announced for a
disabling that rolled back). The alerts job asks the web who the active admins are (core NATS,
``accounts.emailable`` with ``admins``: accounts are the web's, and their addresses stay out of this
schema until an email is due), writes one alert per admin, and sends each through SMTP_URL, retried
until sent. While no web answers, the disabling waits and is asked about again: never dropped,
never sent to nobody."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
import asyncpg
import msgspec
import nats.errors
from nats.aio.client import Client

from shared.bilingual import Bilingual
from shared.db import DATABASE_UNAVAILABLE
from shared.logs import get_logger
from shared.replies.accounts import ACCOUNTS_SUBJECT, AccountsAnswer, AccountsQuery, EmailAccount
from shared.service import Runtime
from shared.supervision import Health, pause
from shared.wakeup import Wakeup

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

CHANNEL = "webhooks_alerts"
SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
ASK_SECONDS = 5.0
"""How long the job waits for a web to say who the admins are."""


class WebAway(ConnectionError):
    """No web answered ``accounts.emailable``. An OSError, so the job pauses (as while PostgreSQL is
    away) and asks again; the disabling stays waiting."""


async def add(conn: Conn, endpoint_id: uuid.UUID, reason: Bilingual) -> None:
    """Announce, once this transaction commits, that the endpoint was turned off and why."""
    await conn.execute(
        "INSERT INTO disablings (id, endpoint_id, reason_en, reason_cy) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(), endpoint_id, reason.en, reason.cy,
    )  # fmt: skip
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


async def active_admins(nc: Client, subject: str, within: float = ASK_SECONDS) -> list[EmailAccount]:
    """Every active admin, as the web knows them; ``WebAway`` when no web answers in time."""
    try:
        reply = await nc.request(subject, msgspec.json.encode(AccountsQuery(admins=True)), timeout=within)
    except (nats.errors.NoRespondersError, nats.errors.TimeoutError, nats.errors.ConnectionClosedError) as exc:
        raise WebAway(f"no answer to {ACCOUNTS_SUBJECT}: {exc!r}") from exc
    return msgspec.json.decode(reply.data, type=AccountsAnswer).accounts


def compose(language: str, name: str, url: str, reason: Bilingual, link: str) -> tuple[str, str]:
    """The subject and body in the admin's language (both: Welsh first, as everywhere)."""
    cy = (
        f"Mae'r pwynt terfyn gwe-fachyn “{name}” ({url}) wedi'i ddiffodd, felly ni anfonir dim ato nes i "
        f"weinyddwr ei droi ymlaen eto. Y rheswm: {reason.cy or reason.en}\n\nEi gofnod danfon: {link}\n"
    )
    en = (
        f"The webhook endpoint “{name}” ({url}) has been turned off, so nothing is sent to it until an "
        f"admin turns it on again. The reason: {reason.en or reason.cy}\n\nIts delivery log: {link}\n"
    )
    if language == "cy":
        return f"Gwe-fachyn wedi'i ddiffodd: {name}"[:250], cy
    if language == "en":
        return f"Webhook turned off: {name}"[:250], en
    return f"Gwe-fachyn wedi'i ddiffodd / Webhook turned off: {name}"[:250], f"{cy}\n---\n\n{en}"


async def address_waiting(runtime: Runtime, public_url: str) -> int:
    """Turn each waiting disabling into one alert per active admin; how many alerts were written.

    Recorded per recipient: each admin's email is its own alert, written for all of them in the
    transaction that marks the disabling addressed, and each marked sent only once its own SMTP
    handover succeeded. So a failure for one admin (a full mailbox, a server gone mid-way) retries
    that admin alone, and those already told are never told twice; the admins are those active when
    the web answered."""
    subject = runtime.settings.subject_for(ACCOUNTS_SUBJECT)
    written = 0
    while True:
        away: WebAway | None = None
        async with runtime.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT d.id, d.endpoint_id, d.reason_en, d.reason_cy, d.attempts, d.last_error, e.url, e.description
                   FROM disablings d JOIN endpoints e ON e.id = d.endpoint_id
                   WHERE d.addressed_at IS NULL AND d.next_attempt <= now() ORDER BY d.created_at LIMIT 1
                   FOR UPDATE OF d SKIP LOCKED"""
            )
            if row is None:
                return written
            try:
                admins = await active_admins(runtime.nc, subject)
            except WebAway as exc:
                # Not its next_attempt: a web back is asked again within seconds (the job's pause).
                await conn.execute("UPDATE disablings SET attempts = attempts + 1, last_error = $2 WHERE id = $1",
                                   row["id"], str(exc))  # fmt: skip
                if row["attempts"] == 0 or row["last_error"] != str(exc):
                    log.warning("no web answered who the admins are: the webhook alert is kept, not sent, and "
                                "asked about again", endpoint=str(row["endpoint_id"]), error=str(exc))  # fmt: skip
                away = exc
            else:
                if admins:
                    written += await _write_alerts(conn, row, admins, public_url)
                    continue
                await _later(conn, row, "no active admin")
                log.warning("no active admin to tell that a webhook endpoint was turned off: the alert is kept "
                            "and asked about again", endpoint=str(row["endpoint_id"]))  # fmt: skip
        if away is not None:
            raise away


async def _later(conn: Conn, row: asyncpg.Record, why: str) -> None:
    delay = min(3600.0, 30.0 * 2.0 ** row["attempts"])
    await conn.execute(
        """UPDATE disablings SET attempts = attempts + 1, last_error = $2,
               next_attempt = now() + make_interval(secs => $3) WHERE id = $1""",
        row["id"], why, delay,
    )  # fmt: skip


async def _write_alerts(conn: Conn, row: asyncpg.Record, admins: list[EmailAccount], public_url: str) -> int:
    name = row["description"] or row["url"]
    link = f"{public_url.rstrip('/')}/admin/webhooks/{row['endpoint_id']}"
    reason = Bilingual(en=row["reason_en"], cy=row["reason_cy"])
    for admin in admins:
        subject, body = compose(admin.language, name, row["url"], reason, link)
        await conn.execute(
            """INSERT INTO alerts (id, endpoint_id, disabling_id, recipient, language, subject, body)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
            uuid.uuid4(), row["endpoint_id"], row["id"], admin.email.strip().lower(), admin.language, subject, body,
        )  # fmt: skip
    await conn.execute("UPDATE disablings SET addressed_at = now() WHERE id = $1", row["id"])
    return len(admins)


async def send_waiting(runtime: Runtime, from_address: str) -> int:
    """Send every alert that is due; how many went."""
    smtp_url = runtime.settings.smtp_url
    assert smtp_url is not None
    sent = 0
    while True:
        async with runtime.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """SELECT id, recipient, language, subject, body, attempts FROM alerts
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
            message.set_content(row["body"])  # before Content-Language: it clears every Content-* header
            message["Content-Language"] = "cy, en" if row["language"] == "both" else row["language"]
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


async def run_alerts(runtime: Runtime, from_address: str, public_url: str, health: Health, poll_seconds: float) -> None:
    if runtime.settings.smtp_url is None:
        log.warning("SMTP_URL is not set: webhook alerts are recorded but not emailed")
        await runtime.stop.wait()
        return
    wakeup = Wakeup(runtime.dsn, CHANNEL)
    try:
        while not runtime.stop.is_set():
            try:
                await send_waiting(runtime, from_address)  # those addressed already, even while no web answers
                if await address_waiting(runtime, public_url):
                    await send_waiting(runtime, from_address)
            except DATABASE_UNAVAILABLE as exc:  # WebAway too: ask again shortly
                await pause(runtime.stop, health.failed(exc))
                continue
            health.progress()
            await wakeup.wait(runtime.stop, poll_seconds)
    finally:
        await wakeup.close()
