"""Sends due deliveries to their endpoints, signed (Standard Webhooks), and records every attempt.

Each delivery is claimed with a lease committed before it is sent, so replicas never send one at
once and the outcome can be written after a PostgreSQL outage without sending it again. The
endpoint's address is resolved and checked at each send, and the request goes to the address that
was checked (a name that resolves elsewhere a moment later, DNS rebinding, changes nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from prometheus_client import Counter, Histogram

from services.webhooks import alerts, store
from services.webhooks.config import Options
from services.webhooks.consumer import refresh_floor
from services.webhooks.domain import (
    GONE,
    address_allowed,
    failing_reason,
    failure,
    headers,
    no_answer,
    retry_delay,
    verdict,
)
from shared.bilingual import Bilingual
from shared.db import DATABASE_UNAVAILABLE
from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import Health, pause
from shared.wakeup import Wakeup

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

DELIVERED = Counter("cdps_webhook_deliveries_total", "Webhook deliveries a receiver accepted (2xx)")
FAILURES = Counter("cdps_webhook_failures_total", "Webhook attempts that failed, by kind", ["kind"])
GAVE_UP = Counter("cdps_webhook_given_up_total", "Webhook deliveries given up on (a day of retries, or 410)")
DISABLED = Counter("cdps_webhook_endpoints_disabled_total", "Endpoints disabled (410 Gone, or failing for days)")
LAG = Histogram(
    "cdps_webhook_lag_seconds", "From an event happening to its receiver accepting it",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400),
)  # fmt: skip


class Refused(Exception):
    """The endpoint's address may not be called (private, loopback, link-local), or has none: why,
    in English (``str``, as the delivery log keeps it) and in Welsh (``cy``, for the admin's form)."""

    def __init__(self, en: str, cy: str, *, private: bool = False):
        super().__init__(en)
        self.cy = cy
        self.private = private
        """The address is private (not missing): an installation setting could allow it."""


async def checked_address(url: str, *, allow_private: bool, within: float) -> str:
    """An address of the URL's host that may be called; Refused if it has none, or any it has is
    not allowed (a name with one private address among public ones is refused)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    with contextlib.suppress(ValueError):  # an address already: nothing to look up
        literal = str(ipaddress.ip_address(host))
        if not address_allowed(literal, allow_private=allow_private):
            raise Refused(
                f"{host} is a private, loopback or link-local address",
                f"mae {host} yn gyfeiriad preifat neu leol",
                private=True,
            )
        return literal
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM), within
        )
    except (OSError, TimeoutError) as exc:
        raise Refused(
            f"the address of {host} could not be found ({exc.__class__.__name__})",
            f"ni ellir dod o hyd i gyfeiriad {host} ({exc.__class__.__name__})",
        ) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise Refused(f"{host} has no address", f"nid oes gan {host} gyfeiriad")
    refused = [a for a in addresses if not address_allowed(a, allow_private=allow_private)]
    if refused:
        raise Refused(
            f"{host} resolves to {refused[0]}, a private, loopback or link-local address",
            f"mae {host} yn arwain at {refused[0]}, cyfeiriad preifat neu leol",
            private=True,
        )
    return addresses[0]


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    latency_ms: int


async def post(client: httpx.AsyncClient, url: str, address: str, body: bytes, sent_headers: dict[str, str],
               *, limit: int) -> Answer:  # fmt: skip
    """POST to ``address`` (already checked) as if to the URL's host: Host header and TLS name are
    the URL's. No redirect is followed; at most ``limit`` bytes of the answer are read."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = literal + (f":{parts.port}" if parts.port else "")
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    host_header = parts.netloc.rpartition("@")[2]
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    started = time.monotonic()
    request = client.build_request("POST", target, content=body, headers={**sent_headers, "host": host_header},
                                   extensions=extensions)  # fmt: skip
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        read = b""
        async for chunk in response.aiter_raw():
            read += chunk
            if len(read) >= limit:
                break
    finally:
        await response.aclose()
    return Answer(response.status_code, read[:limit], int((time.monotonic() - started) * 1000))


def _detail(answer: Answer) -> str:
    text = answer.body.decode("utf-8", "replace").strip()
    return text[:500]


async def deliver(runtime: Runtime, options: Options, client: httpx.AsyncClient, row: asyncpg.Record,
                  health: Health) -> None:  # fmt: skip
    """Send one claimed delivery and record what happened."""
    msg_id = str(row["id"])
    body = row["body"].encode()
    valid = [row["secret"]] + ([row["previous"]] if row["previous"] else [])
    sent_headers = headers(valid, msg_id, int(time.time()), body)
    attempt = row["attempts"] + 1
    try:
        address = await checked_address(row["url"], allow_private=options.allow_private,
                                        within=options.timeout_seconds)  # fmt: skip
        answer = await asyncio.wait_for(
            post(client, row["url"], address, body, sent_headers, limit=options.response_limit),
            options.timeout_seconds,
        )
    except Refused as exc:
        FAILURES.labels("refused").inc()
        refusal = Bilingual(en=str(exc), cy=exc.cy)
        await _until_written(runtime, health, lambda conn: _retry(conn, options, row, attempt, "refused", None,
                                                                   None, refusal))  # fmt: skip
        return
    except (httpx.HTTPError, OSError, TimeoutError) as exc:
        # Sent, perhaps, and perhaps received: the next attempt carries the same webhook-id.
        FAILURES.labels("no_answer").inc()
        reason = no_answer(f"{exc.__class__.__name__}" + (f": {exc}" if str(exc) else ""))
        await _until_written(runtime, health, lambda conn: _retry(conn, options, row, attempt, "unknown", None,
                                                                   None, reason))  # fmt: skip
        return
    outcome = verdict(answer.status)
    if outcome == "delivered":
        await _until_written(runtime, health, lambda conn: _delivered(conn, row, attempt, answer), one_statement=True)
        DELIVERED.inc()
        LAG.observe(max(0.0, (dt.datetime.now(dt.UTC) - row["occurred_at"]).total_seconds()))
    elif outcome == "gone":
        FAILURES.labels("gone").inc()
        await _until_written(runtime, health, lambda conn: _gone(conn, options, row, attempt, answer))
    else:
        FAILURES.labels("refused_by_receiver" if answer.status < 500 else "receiver_error").inc()
        reason = failure(answer.status)
        await _until_written(runtime, health, lambda conn: _retry(conn, options, row, attempt, "failed",
                                                                   answer.status, answer.latency_ms, reason,
                                                                   detail=_detail(answer)))  # fmt: skip


async def _delivered(conn: Conn, row: asyncpg.Record, attempt: int, answer: Answer) -> None:
    await store.mark_delivered(conn, row["id"], row["endpoint_id"], attempt, answer.status, answer.latency_ms,
                               _detail(answer))  # fmt: skip


async def _gone(conn: Conn, options: Options, row: asyncpg.Record, attempt: int, answer: Answer) -> None:
    await store.record_attempt(conn, row["id"], attempt, "gone", answer.status, answer.latency_ms, _detail(answer))
    await store.mark_failed(conn, row["id"], answer.status, answer.latency_ms, GONE.en)
    if await store.disable(conn, row["endpoint_id"], GONE):
        await alerts.add(conn, row["endpoint_id"], GONE)
    GAVE_UP.inc()
    DISABLED.inc()
    log.warning("webhook endpoint disabled: 410 Gone", endpoint=str(row["endpoint_id"]))


async def _retry(
    conn: Conn, options: Options, row: asyncpg.Record, attempt: int, outcome: store.Outcome, status: int | None,
    latency_ms: int | None, reason: Bilingual, *, detail: str = "",
) -> None:  # fmt: skip
    """The delivery log keeps the English (a technical record); why the endpoint was turned off, if it
    was, is in both languages (admins read it on its page and in the email)."""
    await store.record_attempt(conn, row["id"], attempt, outcome, status, latency_ms, detail or reason.en)
    failing_for = await store.endpoint_failed(conn, row["endpoint_id"])
    now = await conn.fetchval("SELECT now()")
    if now - row["retry_from"] >= options.retry_for:
        await store.mark_failed(
            conn, row["id"], status, latency_ms, f"gave up after {attempt} attempts; last: {reason.en}"
        )
        GAVE_UP.inc()
    else:
        delay = retry_delay(attempt, base=options.retry_base_seconds, cap=options.retry_cap_seconds,
                            jitter=random.random())  # fmt: skip
        await store.mark_retry(conn, row["id"], status, latency_ms, reason.en, delay)
    if failing_for >= options.disable_after:
        why = failing_reason(options.disable_after.total_seconds() / 86400, reason)
        if await store.disable(conn, row["endpoint_id"], why):
            await alerts.add(conn, row["endpoint_id"], why)
            DISABLED.inc()
            log.warning("webhook endpoint disabled: failing for days", endpoint=str(row["endpoint_id"]))


async def _until_written(
    runtime: Runtime, health: Health, write: Callable[[Conn], Awaitable[None]], *, one_statement: bool = False
) -> None:
    """Write an outcome, trying again while PostgreSQL is away: what the receiver said is known only
    to this process, and the lease keeps other replicas from sending the delivery meanwhile. A write
    of ``one_statement`` is atomic by itself: no BEGIN and COMMIT round trips."""
    while True:
        try:
            async with runtime.pool.acquire() as conn:
                if one_statement:
                    await write(conn)
                else:
                    async with conn.transaction():
                        await write(conn)
            return
        except DATABASE_UNAVAILABLE as exc:
            await asyncio.sleep(health.failed(exc))


CHAIN = 100
"""Deliveries one task sends to an endpoint in a row before it gives its slot back (fairness)."""


async def deliver_in_turn(runtime: Runtime, options: Options, client: httpx.AsyncClient, row: asyncpg.Record,
                          health: Health) -> None:  # fmt: skip
    """Send a claimed delivery, then that endpoint's next ones while they are due: the next is
    claimed as soon as this one's outcome is written, with no wait for the main loop."""
    for turn in range(1, CHAIN + 1):
        await deliver(runtime, options, client, row, health)
        if runtime.stop.is_set() or turn == CHAIN:
            return  # claim no more: a delivery claimed and not sent would wait out its lease
        try:
            async with runtime.pool.acquire() as conn:  # one statement: it commits its lease by itself
                following = await store.claim_next(conn, lease_seconds=options.lease_seconds,
                                                   rate_per_second=options.rate_per_second,
                                                   endpoint=row["endpoint_id"])  # fmt: skip
        except DATABASE_UNAVAILABLE:
            return  # the main loop finds it (and says that PostgreSQL is away)
        if following is None:
            return
        row = following


async def claim(runtime: Runtime, options: Options) -> asyncpg.Record | float | None:
    """A claimed delivery; else the seconds until one is due (None: nothing waits)."""
    async with runtime.pool.acquire() as conn:
        row = await store.claim_next(
            conn, lease_seconds=options.lease_seconds, rate_per_second=options.rate_per_second
        )  # one statement: commits its lease
        if row is not None:
            return row
        return await store.seconds_until_due(conn)


def http_client(options: Options) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=False, timeout=options.timeout_seconds, trust_env=False,
        limits=httpx.Limits(max_connections=options.concurrency * 2, max_keepalive_connections=options.concurrency),
    )  # fmt: skip


async def run_sender(runtime: Runtime, options: Options, health: Health) -> None:
    """Send until the service stops, up to ``options.concurrency`` deliveries at once (each to a
    different endpoint). A stopping service finishes (and records) what it has in flight."""
    wakeup = Wakeup(runtime.dsn, store.CHANNEL)
    slots = asyncio.Semaphore(options.concurrency)
    in_flight: set[asyncio.Task[None]] = set()
    client = http_client(options)
    try:
        while not runtime.stop.is_set():
            await slots.acquire()
            try:
                claimed = await claim(runtime, options)
            except DATABASE_UNAVAILABLE as exc:
                slots.release()
                await pause(runtime.stop, health.failed(exc))
                continue
            if isinstance(claimed, asyncpg.Record):
                task = asyncio.create_task(deliver_in_turn(runtime, options, client, claimed, health))
                in_flight.add(task)

                def finished(done: asyncio.Task[None]) -> None:
                    in_flight.discard(done)
                    slots.release()
                    if not done.cancelled() and done.exception() is not None:
                        log.error("webhook delivery crashed", error=repr(done.exception()))

                task.add_done_callback(finished)
                health.progress()
                continue
            slots.release()
            if not in_flight:
                health.progress()
            if claimed is None:
                try:
                    await refresh_floor(runtime)
                except DATABASE_UNAVAILABLE as exc:
                    await pause(runtime.stop, health.failed(exc))
                    continue
            # Due now but claimed by another replica: look again shortly, not at once.
            wait = options.poll_seconds if claimed is None else min(options.poll_seconds, max(claimed, 0.01))
            await wakeup.wait(runtime.stop, wait)
    finally:
        if in_flight:
            await asyncio.gather(*in_flight, return_exceptions=True)
        await client.aclose()
        await wakeup.close()
