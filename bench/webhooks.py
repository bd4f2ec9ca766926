"""Webhooks: how fast the webhooks service delivers events to a local receiver, and how long an
event takes to reach it.

The webhooks service runs as its own process (`cdps serve webhooks`) on a fresh database, with
``endpoints`` endpoints that all want every event, at a receiver in this process (a bare HTTP/1.1
server on loopback answering 204 at once, so the service, not the receiver, is the limit). Events
are published straight to JetStream, as the portfolio's relay would:

- a burst of ``events`` events: deliveries per second, from the first publish to the last delivery
  received (``events`` × ``endpoints`` deliveries), read beside JetStream's consume-and-ack;
- a steady ``rate`` of events for ``seconds``: the lag from each event's ``occurred_at`` (when it was
  made, just before its publish) to its arrival at the receiver, p50/p95/p99.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats

from bench.load import Latencies
from bench.servers import Servers, service_env, start_services, stop_all
from cdps.embedded import free_port
from cdps.services import migrate_all
from shared.bilingual import EMPTY
from shared.events import Actor, ProjectCreated, ProjectSnapshot, encode, make_envelope
from shared.identity import Identity, sign


class _Head(msgspec.Struct):
    id: str
    occurred_at: dt.datetime


_decode = msgspec.json.Decoder(_Head).decode


class Receiver:
    """A bare HTTP/1.1 server (keep-alive) that notes when each delivery arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, tuple[float, float]] = {}
        """webhook-id -> (arrival, seconds from the event's occurred_at to its arrival)."""
        self.port = free_port()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(":", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ":" in line)
                headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                now = time.time()
                event = _decode(body)
                self.arrived.setdefault(headers["webhook-id"], (now, now - event.occurred_at.timestamp()))
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


def _project(n: int) -> ProjectCreated:
    return ProjectCreated(project=ProjectSnapshot(
        slug=f"bench-{n}", partner_id=None, title_en=f"Project {n}", title_cy=f"Prosiect {n}", summary_en="",
        summary_cy="", lead_id="lead-1", phase="discovery", state="active", health="green", health_reason=EMPTY,
        tags=[], visibility="public", start_date=None,
    ))  # fmt: skip


async def _publish(js: Any, space: str, count: int, first: int) -> None:
    actor = Actor(id="bench", role="lead")
    pending = []
    for n in range(first, first + count):
        envelope = make_envelope(_project(n), actor=actor, aggregate_id=uuid.uuid4(), aggregate_seq=1, partner_id=None)
        pending.append(js.publish(f"{space}.{envelope.type}", encode(envelope),
                                  headers={"Nats-Msg-Id": str(envelope.id)}))  # fmt: skip
        if len(pending) >= 256:
            await asyncio.gather(*pending)
            pending = []
    await asyncio.gather(*pending)


async def _until(receiver: Receiver, wanted: int, within: float) -> None:
    deadline = time.monotonic() + within
    while len(receiver.arrived) < wanted:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(receiver.arrived)} of {wanted} deliveries arrived within {within:.0f} s")
        await asyncio.sleep(0.02)


async def run(servers: Servers, root: Path, *, events: int, endpoints: int, rate: float, seconds: float
              ) -> dict[str, float]:  # fmt: skip
    dsn = await servers.create_database("bench_webhooks")
    await migrate_all(dsn)
    receiver = Receiver()
    await receiver.start()
    secret = "bench-" + uuid.uuid4().hex
    space = servers.namespace()
    port = free_port()
    env = service_env(database_url=dsn, nats_url=servers.nats_url, secret=secret, data_dir=root / "webhooks",
                      space=space, ports={"webhooks": port}, smtp_port=9)  # fmt: skip
    env |= {"CDPS_WEBHOOKS_ALLOW_PRIVATE": "true", "CDPS_WEBHOOK_RATE": "10000"}
    processes = await start_services(("webhooks",), env, root / "logs")
    nc = await nats.connect(servers.nats_url)
    try:
        admin = {"Authorization": "Bearer " + sign(Identity(sub="bench-admin", role="admin"), secret, lifetime=3600)}
        async with httpx.AsyncClient(base_url=processes["webhooks"].url, timeout=30) as client:
            for n in range(endpoints):
                url = f"http://127.0.0.1:{receiver.port}/hook/{n}"
                made = await client.post("/api/v1/webhooks", headers=admin, json={"url": url, "event_types": ["*"]})
                made.raise_for_status()
        js = nc.jetstream()
        began = time.time()
        await _publish(js, space, events, 0)
        await _until(receiver, events * endpoints, within=600)
        last = max(at for at, _ in receiver.arrived.values())
        burst = events * endpoints / (last - began)
        receiver.arrived.clear()
        sent = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            await _publish(js, space, 1, events + sent)
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))
        await _until(receiver, sent * endpoints, within=120)
        lags = Latencies([lag for _, lag in receiver.arrived.values()])
        return {"deliveries_per_s": burst, "deliveries": events * endpoints, "endpoints": endpoints,
                "steady_rate": rate, **lags.summary()}  # fmt: skip
    finally:
        await nc.close()
        stop_all(processes.values())
        await receiver.stop()
