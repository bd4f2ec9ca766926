"""Live status: how many board viewers one web process holds, and how long an event takes to reach them.

Each client is a visitor with the board open: one text/event-stream connection to the web's
``/live?view=board`` (web/live.py), over a raw socket so that a thousand of them cost the load
generator little. For each step the clients connect (all must get the stream's opening), then public
projects are created through the portfolio API one after another; a client stamps each ``changed``
message that names a project when its line arrives. The latency of a message is that stamp minus
the API's 201, the same start as "201 → searchable" (bench/e2e.py), whose watcher measures the same
writes reaching the search index beside it.

Steps double the number of clients until one fails: a client not connected, or a message missed, or
the p99 of event → client over :data:`LIMIT_SECONDS`. The figure is the last step that passed.
The board's own refetch (what htmx then asks for) is the dashboard figure of bench/product.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
import uuid
from typing import Any

import httpx

from bench.e2e import Watcher
from bench.load import Latencies, poll_until
from bench.product import Product

LIMIT_SECONDS = 1.0
CONNECT_SECONDS = 30.0


class Client:
    """One board viewer's stream: when each project was first named in a message."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()
        self.heard: dict[str, float] = {}
        self.failed = False
        self._writer: asyncio.StreamWriter | None = None

    async def run(self, port: int) -> None:
        try:
            reader, self._writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
            self._writer.write(b"GET /live?view=board HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n")
            status = await reader.readline()
            if b" 200 " not in status:
                self.failed = True
                return
            while line := await reader.readline():
                if line.startswith(b": live"):
                    self.opened.set()
                elif line.startswith(b"data: ") and b'"project"' in line:
                    project = line.split(b'"project":"', 1)[1].split(b'"', 1)[0].decode()
                    self.heard.setdefault(project, time.monotonic())
        except OSError:
            self.failed = True
        finally:
            self.opened.set()  # never leave the step waiting on a client that failed

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


async def step(product: Product, clients: int, writes: int, watcher: Watcher, http: httpx.AsyncClient
               ) -> dict[str, Any]:  # fmt: skip
    port = product.processes["web"].port
    viewers = [Client() for _ in range(clients)]
    tasks = [asyncio.create_task(v.run(port)) for v in viewers]
    try:
        began = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(v.opened.wait() for v in viewers)), CONNECT_SECONDS)
        connect_s = time.monotonic() - began
        connected = sum(v.opened.is_set() and not v.failed for v in viewers)
        done: dict[str, float] = {}
        for n in range(writes):
            slug = f"live-{uuid.uuid4().hex[:10]}"
            response = await http.post(f"{product.url('portfolio')}/api/v1/projects", json={
                "slug": slug, "title_en": f"Live {n}", "title_cy": f"Byw {n}", "visibility": "public"})  # fmt: skip
            if response.status_code == 201:
                project = response.json()["id"]
                done[project] = time.monotonic()
                watcher.pending.add(uuid.UUID(project))
            await asyncio.sleep(0.2)

        async def all_heard() -> bool:
            return not any(p not in v.heard for v in viewers if not v.failed for p in done)

        await poll_until(all_heard, within=10, interval=0.05)
        await watcher.drained(10)
        lags = Latencies([v.heard.get(p, math.inf) - t for v in viewers for p, t in done.items()])
        searchable = Latencies([watcher.found.get(uuid.UUID(p), math.inf) - t for p, t in done.items()])
        summary = lags.summary()
        missed = sum(p not in v.heard for v in viewers for p in done)
        ok = connected == clients and missed == 0 and summary["p99_ms"] < LIMIT_SECONDS * 1000 and len(done) == writes
        return {"clients": clients, "connected": connected, "connect_s": connect_s, "writes": len(done),
                "missed": missed, **summary, **searchable.summary("searchable_"), "ok": ok}  # fmt: skip
    finally:
        for viewer in viewers:
            viewer.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run(product: Product, *, counts: tuple[int, ...], writes: int) -> dict[str, Any]:
    watcher = Watcher(product.dsn)
    watcher.start()
    steps: list[dict[str, Any]] = []
    try:
        async with httpx.AsyncClient(timeout=30, headers=product.headers()) as http:
            for clients in counts:
                steps.append(await step(product, clients, writes, watcher, http))
                if not steps[-1]["ok"]:
                    break
    finally:
        watcher.stop()
    passed = [s for s in steps if s["ok"]]
    held = passed[-1] if passed else steps[0]
    return {
        "max_clients": float(passed[-1]["clients"]) if passed else 0.0,
        "p50_ms": held["p50_ms"], "p99_ms": held["p99_ms"],
        "searchable_p50_ms": held["searchable_p50_ms"], "searchable_p99_ms": held["searchable_p99_ms"],
        "steps": steps,
    }  # fmt: skip
