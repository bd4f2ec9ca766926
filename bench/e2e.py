"""End-to-end lag: from the portfolio API's 201 to "searchable" and to "email handed to SMTP".

Writes are update posts (``POST /api/v1/projects/{id}/updates`` answers 201 with the update's id
and the event's outbox position), issued open-loop at a fixed rate, so a slow system gets the
same arrivals a busy office would send it rather than fewer. The path each write takes is the
product's: the portfolio's transaction and outbox, the relay to JetStream, the search consumer's
transaction, and the notifier's consumer and sender to a local SMTP server.

"Searchable" is the moment the update's document is committed in the search index: a watcher
polls ``search.documents`` by primary key every 5 ms and stamps a document with the start of the
first poll that sees it (so the error is at most one poll interval). "Handed to SMTP" is the end
of the DATA command at the in-process SMTP sink, matched to the write through the delivery id
(the email's Message-ID) and the event's position.

The notifier paces sending (``CDPS_SMTP_RATE``, installation-wide); the benchmark sets it far above
the offered load (``bench.product.SMTP_RATE``) and starts measuring once the demo's own emails are
sent, so the lag is the product's, not a queue. One project in ten is followed.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import msgspec
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.load import Connection, HttpError, Latencies, poll_until
from bench.product import Product, demo_projects

SEARCHABLE_LIMIT_SECONDS = 0.100
EMAIL_LIMIT_SECONDS = 0.250
"""A ramp step passes while p99 201 → searchable stays under the first and 201 → SMTP under the second."""
RAMP_FACTOR = 1.5
"""Each ramp step's rate over the last's (doubling skipped from 160/s straight to 320/s)."""
KEEP_ALIVE_SECONDS = 4.0
"""How long the writer reuses an idle connection: under uvicorn's keep-alive timeout (5 s)."""
FOLLOWER = "bench-follower@example.org"


@dataclass
class Write:
    done: float
    update_id: uuid.UUID
    position: int
    project: str


class Watcher:
    """Notes when each written document becomes visible in the search index."""

    def __init__(self, dsn: str):
        self._dsn = dsn
        self.pending: set[uuid.UUID] = set()
        self.found: dict[uuid.UUID, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            while True:
                if self.pending:
                    polled = time.monotonic()
                    rows = await conn.fetch("SELECT id FROM search.documents WHERE id = ANY($1::uuid[])", self.pending)
                    for row in rows:
                        self.found[row["id"]] = polled
                        self.pending.discard(row["id"])
                await asyncio.sleep(0.005)
        finally:
            await conn.close()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def drained(self, within: float) -> None:
        async def empty() -> bool:
            return not self.pending

        await poll_until(empty, within=within, interval=0.02)

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


class Writer:
    """Posts updates on keep-alive connections of the lean client (bench/load.py), one request in
    flight on each, opening another when every one is busy: httpx spent more CPU per write than the
    portfolio does to answer it, on the same two cores as the product."""

    def __init__(self, product: Product, watcher: Watcher, headers: dict[str, str]):
        self._product = product
        self._watcher = watcher
        self._headers = {**headers, "Content-Type": "application/json"}
        self._idle: list[tuple[Connection, float]] = []
        """Connections with no request in flight, and when each last answered (one that failed is closed)."""
        self.errors = 0

    async def write(self, project_id: str, n: int) -> Write | None:
        body = msgspec.json.encode(
            {
                "body_en": f"Benchmark update {n}: tested the service with users.",
                "body_cy": f"Diweddariad meincnod {n}: wedi profi'r gwasanaeth gyda defnyddwyr.",
            }
        )
        connection = await self._connection()
        try:
            answer = await connection.request("POST", f"/api/v1/projects/{project_id}/updates", self._headers, body)
        except (OSError, asyncio.IncompleteReadError, HttpError):
            self.errors += 1
            connection.close()
            return None
        done = time.monotonic()
        self._idle.append((connection, done))
        if answer.status != 201:
            self.errors += 1
            return None
        write = Write(
            done=done,
            update_id=uuid.UUID(msgspec.json.decode(answer.body)["id"]),
            position=int(answer.headers[b"x-event-position"]),
            project=project_id,
        )
        self._watcher.pending.add(write.update_id)
        return write

    async def _connection(self) -> Connection:
        """An idle connection the server has not closed yet (it closes one idle for its keep-alive
        timeout, and the next request on it would fail: between ramp steps, a write error), or a new one."""
        while self._idle:
            connection, answered = self._idle.pop()
            if time.monotonic() - answered < KEEP_ALIVE_SECONDS:
                return connection
            connection.close()
        return await self._open()

    async def _open(self) -> Connection:
        address = urlsplit(self._product.url("portfolio"))
        return await Connection.open(address.hostname or "127.0.0.1", address.port or 80)

    def close(self) -> None:
        """Once every write has been answered: each connection is then idle, or closed already."""
        for connection, _answered in self._idle:
            connection.close()
        self._idle.clear()


async def open_loop(
    writer: Writer, rate: float, seconds: float, pick: Callable[[int], str]
) -> tuple[list[Write], float]:
    """Issue writes at `rate` per second whatever the answers' speed; returns them and the rate achieved."""
    count = max(1, round(rate * seconds))
    began = time.monotonic()
    tasks = []
    for k in range(count):
        delay = began + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(writer.write(pick(k), k)))
    writes = [w for w in await asyncio.gather(*tasks) if w is not None]
    finished = max((w.done for w in writes), default=time.monotonic())
    return writes, len(writes) / max(finished - began, 1e-9)


def search_lags(writes: list[Write], watcher: Watcher) -> Latencies:
    """Lag of each write; one never seen counts as infinitely late (it fails any percentile it reaches)."""
    return Latencies([watcher.found.get(w.update_id, math.inf) - w.done for w in writes])


async def email_lags(product: Product, writes: list[Write], expected: int, within: float) -> Latencies:
    deadline = time.monotonic() + within
    conn = await asyncpg.connect(product.dsn)
    try:
        while True:
            rows = await conn.fetch(
                """SELECT e.position, d.id::text AS delivery FROM portfolio.events e
                   JOIN notifier.deliveries d ON d.event_id = e.id WHERE e.position = ANY($1::bigint[])""",
                [w.position for w in writes],
            )
            arrivals = product.sink.arrivals()
            if sum(r["delivery"] in arrivals for r in rows) >= expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    done = {w.position: w.done for w in writes}
    lags = [arrivals[r["delivery"]] - done[r["position"]] for r in rows if r["delivery"] in arrivals]
    return Latencies(lags + [math.inf] * max(0, expected - len(lags)))


async def follow(product: Product, client: httpx.AsyncClient, project_ids: list[str]) -> None:
    for project_id in project_ids:
        response = await client.post(
            f"{product.url('notifier')}/api/v1/me/subscriptions",
            json={"email": FOLLOWER, "target_kind": "project", "target_id": project_id, "language": "en"},
            headers=product.headers(email=FOLLOWER),  # an account follows with its own address
        )
        response.raise_for_status()


async def measured(
    product: Product,
    writer: Writer,
    watcher: Watcher,
    rate: float,
    seconds: float,
    projects: list[str],
    followed: set[str],
) -> tuple[list[Write], float, Latencies, Latencies, float]:
    """Writes at ``rate`` to the projects in turn, then each one's lag to searchable and, of those on
    followed projects, to SMTP; with the rate achieved and this process's CPU share (the client's)."""
    me = psutil.Process()
    before, began = sum(me.cpu_times()[:2]), time.monotonic()
    writes, achieved = await open_loop(writer, rate, seconds, lambda k: projects[k % len(projects)])
    client_cpu = (sum(me.cpu_times()[:2]) - before) / max(time.monotonic() - began, 1e-9)
    await watcher.drained(10)
    emailed = [w for w in writes if w.project in followed]
    emails = await email_lags(product, emailed, len(emailed), 10 + len(emailed) / 2)
    return writes, achieved, search_lags(writes, watcher), emails, client_cpu


async def run(
    product: Product,
    *,
    rate: float,
    seconds: float,
    ramp_steps: int,
    step_seconds: float,
    burst: int,
    email_rate: float,
) -> dict[str, Any]:
    projects = [p["id"] for p in await demo_projects(product)]
    followed = projects[::10]  # every project in turn: one write in ten is on a followed project
    followed_set = set(followed)
    watcher = Watcher(product.dsn)
    watcher.start()
    writer = Writer(product, watcher, product.headers())
    result: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(timeout=30, headers=product.headers()) as client:
            await follow(product, client, followed)

        writes, achieved, searched, emailed, _cpu = await measured(
            product, writer, watcher, rate, seconds, projects, followed_set
        )
        result.update(searched.summary("searchable_"))
        result.update(emailed.summary("email_"))
        result.update({"steady_rate": rate, "steady_achieved": achieved, "steady_writes": float(len(writes))})

        # Ramp: the rate grows by half each step until a p99 lag passes its limit or the API falls behind.
        steps, best = [], 0.0
        for i in range(1, ramp_steps + 1):
            target, errors = rate * RAMP_FACTOR**i, writer.errors
            _writes, achieved, searched, emailed, client_cpu = await measured(
                product, writer, watcher, target, step_seconds, projects, followed_set
            )
            search_p99, email_p99 = searched.summary()["p99_ms"], emailed.summary()["p99_ms"]
            ok = (search_p99 < SEARCHABLE_LIMIT_SECONDS * 1000 and email_p99 < EMAIL_LIMIT_SECONDS * 1000
                  and achieved >= 0.9 * target and writer.errors == errors)  # fmt: skip
            steps.append({"target": target, "achieved": achieved, "searchable_p99_ms": search_p99,
                          "email_p99_ms": email_p99, "client_cpu": client_cpu, "ok": ok})  # fmt: skip
            if not ok:
                break
            best = target
        result["max_rate_within_lag_limits"] = best
        result["ramp"] = steps

        # The email lag at the rate the issue names for it (200 writes/s, one in ten followed).
        _writes, achieved, _searched, emailed, _cpu = await measured(
            product, writer, watcher, email_rate, step_seconds, projects, followed_set
        )
        result.update(emailed.summary("email_at_rate_"))
        result.update({"email_rate": email_rate, "email_rate_achieved": achieved})

        # Burst on followed projects: how fast the notifier hands emails to SMTP.
        before = set(product.sink.arrivals())
        writes, _ = await open_loop(writer, 50, burst / 50, lambda k: followed[k % len(followed)])
        burst_lags = await email_lags(product, writes, len(writes), 20 + len(writes) / 2)
        arrived = sorted(t for m, t in product.sink.arrivals().items() if m not in before)
        span = arrived[-1] - arrived[0] if len(arrived) > 1 else math.nan
        result["emails_per_s"] = (len(arrived) - 1) / span if span and span > 0 else math.nan
        result["burst_emails"] = float(len(arrived))
        result.update(burst_lags.summary("burst_email_"))
        result["write_errors"] = float(writer.errors)
    finally:
        writer.close()
        watcher.stop()
    return result
