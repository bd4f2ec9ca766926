"""Sends due deliveries through SMTP, one row lock at a time, records every attempt, and retries
temporary failures with backoff; permanent failures are marked failed with the server's reason."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy
from email.policy import default as default_policy
from email.utils import formatdate
from functools import partial
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib
import asyncpg
from prometheus_client import Counter

from services.notifier import deliveries, store
from services.notifier.compose import Composer, Email
from services.notifier.config import Options
from services.notifier.domain import retry_delay
from shared.db import DATABASE_UNAVAILABLE
from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import Health, Outage, pause
from shared.wakeup import Wakeup

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

SENT = Counter("cdps_emails_sent_total", "Emails handed to the SMTP server")
FAILED = Counter("cdps_emails_failed_total", "Emails that failed permanently")
DEFERRED = Counter("cdps_emails_deferred_total", "Temporary SMTP failures, to be retried")


class SmtpTarget:
    """Where and how to send, from SMTP_URL: smtp:// uses STARTTLS when the server offers it,
    smtps:// is TLS from the start; user:pass@ logs in."""

    def __init__(self, url: str, timeout: float = 10.0):
        parts = urlsplit(url)
        self.hostname = parts.hostname or "localhost"
        self.use_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.use_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.hostname, port=self.port, use_tls=self.use_tls,
            start_tls=None if not self.use_tls else False,  # None: STARTTLS if the server offers it
            username=self.username, password=self.password, timeout=self.timeout,
        )  # fmt: skip


class Mailer:
    """One SMTP connection reused while there is mail to send; any error drops it, so the next
    email starts from a clean session."""

    def __init__(self, target: SmtpTarget):
        self._target = target
        self._client: aiosmtplib.SMTP | None = None

    async def send(self, message: EmailMessage) -> None:
        if self._client is None or not self._client.is_connected:
            self._client = self._target.client()
            await self._client.connect()
        try:
            await self._client.send_message(message)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await asyncio.wait_for(client.quit(), timeout=2)
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
_NOT_ABOUT_THE_MESSAGE = (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPHeloError, aiosmtplib.SMTPConnectError)


def classify(exc: BaseException) -> tuple[Literal["temporary", "permanent"], int | None, str]:
    """(kind, SMTP code, reason). 4xx, refused connections, timeouts and disconnects are temporary;
    a 5xx about the message or its recipient is permanent. A 5xx at log-in or greeting is about
    our configuration, not this email: temporary, so fixing SMTP_URL lets the mail go out."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reason = f"{exc.code} {exc.message}"
        permanent = 500 <= exc.code < 600 and not isinstance(exc, _NOT_ABOUT_THE_MESSAGE)
        return ("permanent" if permanent else "temporary"), exc.code, reason
    return "temporary", None, f"{exc.__class__.__name__}: {exc}"


class AsWritten(UnstructuredHeader, BaseHeader):
    """A header of ASCII URIs in angle brackets, written exactly so. The generator would fold an
    unstructured header whose one word is longer than a line into RFC 2047 encoded words
    (``=?utf-8?q?=3Chttp...``), which no mail program reads as a URI (RFC 2369, RFC 8058)."""

    def fold(self, *, policy: Policy) -> str:
        value = str(self)
        assert value.isascii() and "\n" not in value and "\r" not in value, value
        return f"{self.name}: {value}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", AsWritten)
_HEADERS.map_to_type("list-unsubscribe-post", AsWritten)
MESSAGE_POLICY = default_policy.clone(header_factory=_HEADERS)


def build_message(email: Email, *, delivery_id: uuid.UUID, recipient: str, from_address: str) -> EmailMessage:
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = from_address
    message["To"] = recipient
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    # A stable Message-ID lets a mail server drop the copy if we are killed after handing it over.
    message["Message-ID"] = f"<{delivery_id}@cdps-portfolio>"
    message["Auto-Submitted"] = "auto-generated"
    if email.unsubscribe_url:
        # RFC 8058 one-click: mail clients show an unsubscribe button that POSTs to this URL.
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    message["Content-Language"] = email.content_language  # after set_content, which drops Content-* headers
    return message


async def wait_for_slot(runtime: Runtime, options: Options) -> None:
    await asyncio.sleep(await deliveries.reserve_slot(runtime.pool, options.rate_per_second))


Outcome = Literal["idle", "sent", "deferred", "failed", "cancelled", "unreachable"]

LEASE_SECONDS = 300.0
"""A claimed delivery is not due again for this long: time enough to wait for a sending slot, hand
it over and record the outcome, even if PostgreSQL is away for a while in between. Only a process
killed in that window leaves it to be sent again when the lease runs out (with the same Message-ID)."""


async def send_next(runtime: Runtime, options: Options, composer: Composer, mailer: Mailer, health: Health) -> Outcome:
    """Send the next due delivery, if any. Claiming it commits a lease before the email is handed
    over, so the outcome can be recorded later in a transaction of its own: once the SMTP server
    has accepted an email, a database outage delays writing "sent" but never sends it again."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        row = await deliveries.claim_due(conn, lease_seconds=LEASE_SECONDS)
        if row is None:
            return "idle"
        if not row["wanted"]:
            await deliveries.cancel(conn, row["id"], "unsubscribed before it was sent")
            return "cancelled"
        try:
            email = composer.compose(
                template=row["template"], language=row["language"], payload=row["payload"],
                recipient=row["recipient"], subscription_id=row["subscription_id"],
            )  # fmt: skip
            message = build_message(email, delivery_id=row["id"], recipient=row["recipient"],
                                    from_address=options.from_address)  # fmt: skip
        except Exception as exc:  # one unrenderable row must not stop every other email
            await deliveries.mark_failed(conn, row["id"], None, f"could not render the email: {exc!r}")
            FAILED.inc()
            log.error("email not rendered", delivery=str(row["id"]), error=repr(exc))
            return "failed"
    await wait_for_slot(runtime, options)
    try:
        await mailer.send(message)
    except SMTP_ERRORS as exc:
        failure = partial(_record_failure, row=row, subject=email.subject, exc=exc, options=options)
        return await _until_written(runtime, health, failure)
    await _until_written(runtime, health, partial(_record_sent, row=row, subject=email.subject))
    SENT.inc()
    return "sent"


async def _record_sent(conn: Conn, row: asyncpg.Record, subject: str) -> Outcome:
    await deliveries.record_attempt(conn, row["id"], row["attempts"] + 1, "sent", 250, "")
    await deliveries.mark_sent(conn, row["id"], subject)
    return "sent"


async def _until_written(runtime: Runtime, health: Health, write: Callable[[Conn], Awaitable[Outcome]]) -> Outcome:
    """Write an email's outcome, trying again while PostgreSQL is away: what the SMTP server said is
    known only to this process, and the lease keeps other replicas from sending the email meanwhile.
    Even a stopping service keeps trying, until it is cancelled."""
    while True:
        try:
            async with runtime.pool.acquire() as conn, conn.transaction():
                outcome = await write(conn)
            return outcome
        except DATABASE_UNAVAILABLE as exc:
            await asyncio.sleep(health.failed(exc))


async def _record_failure(
    conn: Conn, row: asyncpg.Record, subject: str, exc: BaseException, options: Options
) -> Outcome:
    """Temporary: try again later (backing off), until the allowance is used up. Permanent: failed."""
    kind, code, reason = classify(exc)
    tries = row["round_attempts"] + 1
    await deliveries.record_attempt(conn, row["id"], row["attempts"] + 1, kind, code, reason)
    if kind == "temporary" and tries < options.max_attempts:
        delay = retry_delay(tries, base=options.retry_base_seconds, cap=options.retry_cap_seconds,
                            jitter=random.random())  # fmt: skip
        await deliveries.defer(conn, row["id"], subject, reason, delay)
        DEFERRED.inc()
        log.warning("email deferred", delivery=str(row["id"]), attempt=tries, error=reason, retry_in=delay)
        return "unreachable" if code is None else "deferred"
    if kind == "temporary":
        reason = f"gave up after {tries} temporary failures; last: {reason}"
    await deliveries.mark_failed(conn, row["id"], subject, reason)
    FAILED.inc()
    log.error("email failed", delivery=str(row["id"]), error=reason)
    return "failed"


async def run_sender(runtime: Runtime, options: Options, composer: Composer, health: Health) -> None:
    """Send until the service stops. PostgreSQL's faults pause it (its health says so); a mail
    server that cannot be reached is logged once per outage, each email backing off on its own."""
    if runtime.settings.smtp_url is None:
        log.warning("SMTP_URL is not set: deliveries are recorded but not sent")
        await runtime.stop.wait()  # nothing to do, but a job that returns would end the service
        return
    mailer = Mailer(SmtpTarget(runtime.settings.smtp_url, options.smtp_timeout_seconds))
    smtp = Outage("SMTP server")
    wakeup = Wakeup(runtime.dsn, store.DELIVERIES_CHANNEL)
    try:
        while not runtime.stop.is_set():
            try:
                outcome = await send_next(runtime, options, composer, mailer, health)
            except DATABASE_UNAVAILABLE as exc:
                await mailer.close()
                await pause(runtime.stop, health.failed(exc))
                continue
            health.progress()
            if outcome == "unreachable":
                smtp.down(ConnectionError("no answer"), server=runtime.settings.smtp_url.rpartition("@")[2])
            elif outcome in ("sent", "deferred"):
                smtp.up()
            if outcome == "idle":  # nothing due: hang up, and look again when a delivery is added
                await mailer.close()
                await wakeup.wait(runtime.stop, options.poll_seconds)
            elif outcome == "unreachable":
                # The server is down: hang up and look again shortly, rather than burning through
                # every due row's attempts in one go.
                await mailer.close()
                await pause(runtime.stop, options.poll_seconds)
    finally:
        await mailer.close()
        await wakeup.close()
