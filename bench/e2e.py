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

import asyncpg
import httpx

from bench.load import Latencies, poll_until
from bench.product import Product, demo_projects

LAG_LIMIT_SECONDS = 0.250
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
    def __init__(self, product: Product, client: httpx.AsyncClient, watcher: Watcher):
        self._product = product
        self._client = client
        self._watcher = watcher
        self.errors = 0

    async def write(self, project_id: str, n: int) -> Write | None:
        body = {"body_en": f"Benchmark update {n}: tested the service with users.",
                "body_cy": f"Diweddariad meincnod {n}: wedi profi'r gwasanaeth gyda defnyddwyr."}  # fmt: skip
        try:
            response = await self._client.post(
                f"{self._product.url('portfolio')}/api/v1/projects/{project_id}/updates", json=body
            )
        except httpx.HTTPError:
            self.errors += 1
            return None
        done = time.monotonic()
        if response.status_code != 201:
            self.errors += 1
            return None
        write = Write(
            done=done,
            update_id=uuid.UUID(response.json()["id"]),
            position=int(response.headers["x-event-position"]),
            project=project_id,
        )
        self._watcher.pending.add(write.update_id)
        return write


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


async def run(
    product: Product, *, rate: float, seconds: float, ramp_steps: int, step_seconds: float, burst: int
) -> dict[str, Any]:
    projects = [p["id"] for p in await demo_projects(product)]
    followed = projects[::10]
    quiet = [p for p in projects if p not in followed]
    watcher = Watcher(product.dsn)
    watcher.start()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    result: dict[str, Any] = {}
    try:
        async with httpx.AsyncClient(timeout=30, limits=limits, headers=product.headers()) as client:
            await follow(product, client, followed)
            writer = Writer(product, client, watcher)

            # Steady load: every project in turn, so one write in ten is on a followed project.
            writes, achieved = await open_loop(writer, rate, seconds, lambda k: projects[k % len(projects)])
            await watcher.drained(10)
            emailed = [w for w in writes if w.project in followed]
            result.update(search_lags(writes, watcher).summary("searchable_"))
            result.update((await email_lags(product, writes, len(emailed), 10 + len(emailed) / 2)).summary("email_"))
            result.update({"steady_rate": rate, "steady_achieved": achieved, "steady_writes": float(len(writes))})

            # Ramp: double the rate until the p99 lag to searchable reaches the limit or the API falls behind.
            steps, best = [], 0.0
            for i in range(ramp_steps):
                target, errors = rate * 2**i, writer.errors
                writes, achieved = await open_loop(writer, target, step_seconds, lambda k: quiet[k % len(quiet)])
                await watcher.drained(10)
                lags = search_lags(writes, watcher).summary()
                ok = lags["p99_ms"] < LAG_LIMIT_SECONDS * 1000 and achieved >= 0.9 * target and writer.errors == errors
                steps.append({"target": target, "achieved": achieved, **lags, "ok": ok})
                if not ok:
                    break
                best = target
            result["max_rate_p99_under_250ms"] = best
            result["ramp"] = steps

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
        watcher.stop()
    return result
