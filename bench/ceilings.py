"""Ceilings: what the building blocks do on this machine with none of the product's code in the way.

Each product figure is read against one of these, measured first in the same run on the same
servers, so a ratio says how much of the machine's raw capability the product keeps, and a change
to the product moves the ratio rather than a number that also depends on the hardware.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from bench.corpus import Size, envelopes
from bench.load import Latencies, build_request, closed_loop, rss_mb
from bench.servers import Process, Sink
from cdps.embedded import free_port
from shared import bus
from shared.events import encode

WARMUP = 0.5


def sample_payloads() -> list[bytes]:
    """Real encoded events from the generator (about a kilobyte each, like the product's)."""
    return [encode(e) for e in envelopes(Size(projects=50, events=1000))]


async def asyncpg_rate(dsn: str, *, connections: int, seconds: float) -> dict[str, float]:
    """Transactions per second, each one UPDATE and one INSERT: a write and its event, as the API makes.

    Each connection updates its own row, as each API client drives its own projects, so the figure
    is PostgreSQL's commit rate and not a queue on one row lock.
    """
    table = f"bench_rows_{connections}"
    setup = await asyncpg.connect(dsn)
    try:
        await setup.execute(
            f"""CREATE TABLE {table} (id integer PRIMARY KEY, version integer NOT NULL);
                CREATE TABLE IF NOT EXISTS bench_log (position bigserial PRIMARY KEY, row_id integer NOT NULL,
                                                      at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL);
                INSERT INTO {table} SELECT g, 0 FROM generate_series(1, {connections}) g;"""
        )
    finally:
        await setup.close()
    pool = await asyncpg.create_pool(dsn, min_size=connections, max_size=connections)
    payload = sample_payloads()[-1].decode()
    times = Latencies()
    began = time.perf_counter()
    measure_from = began + WARMUP
    until = measure_from + seconds

    async def worker(row: int) -> None:
        async with pool.acquire() as conn:
            while (started := time.perf_counter()) < until:
                async with conn.transaction():
                    await conn.execute(f"UPDATE {table} SET version = version + 1 WHERE id = $1", row)
                    await conn.execute("INSERT INTO bench_log (row_id, data) VALUES ($1, $2::jsonb)", row, payload)
                if started >= measure_from:
                    times.values.append(time.perf_counter() - started)

    try:
        await asyncio.gather(*(worker(i + 1) for i in range(connections)))
    finally:
        await pool.close()
    return {"tps": len(times.values) / (time.perf_counter() - measure_from), **times.summary()}


async def jetstream(nats_url: str, *, seconds: float) -> dict[str, float]:
    """Publish awaited (one at a time, as the outbox relay does), pipelined, then consume and ack.

    The stream is configured as the product's (file storage, the server fsyncs before each ack), and
    the messages are real encoded events of typical size.
    """
    nc = await bus.connect(nats_url, name="bench-ceiling")
    js = nc.jetstream()
    name = f"BENCH_{uuid.uuid4().hex[:8].upper()}"
    subject = f"{name.lower()}.portfolio.project.update_posted"
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"], storage=StorageType.FILE))
    payloads = sample_payloads()
    result: dict[str, float] = {}
    try:
        awaited = Latencies()
        count = 0
        until = time.perf_counter() + seconds
        while (started := time.perf_counter()) < until:
            await js.publish(subject, payloads[count % len(payloads)], stream=name, timeout=5)
            awaited.values.append(time.perf_counter() - started)
            count += 1
        result["publish_awaited_per_s"] = count / seconds
        result.update(awaited.summary("publish_awaited_"))

        count = 0
        began = time.perf_counter()
        until = began + seconds
        while time.perf_counter() < until:
            for _ in range(500):  # a window at a time, so the clock is read rarely
                await js.publish_async(subject, payloads[count % len(payloads)], stream=name)
                count += 1
        await js.publish_async_completed()
        result["publish_pipelined_per_s"] = count / (time.perf_counter() - began)

        total = (await js.stream_info(name)).state.messages
        durable = "bench-consumer"
        await js.add_consumer(
            name, ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL,
                                 max_ack_pending=20_000),
        )  # fmt: skip
        sub = await js.pull_subscribe_bind(durable=durable, stream=name)
        consumed = 0
        began = time.perf_counter()
        until = began + seconds
        while consumed < total and time.perf_counter() < until:
            for msg in await sub.fetch(min(1000, total - consumed), timeout=5):
                await msg.ack()
                consumed += 1
        await nc.flush()  # the acks have left this process
        result["consume_ack_per_s"] = consumed / (time.perf_counter() - began)
        await sub.unsubscribe()
    finally:
        await js.delete_stream(name)
        await nc.close()
    return result


async def smtp_rate(seconds: float) -> dict[str, float]:
    """Emails handed over per second, one connection kept open (as the notifier's sender does)."""
    sink = Sink()
    sink.start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "bench@cdps.example", "to@example.org", "Ceiling"
        message.set_content("A short email of about the size the notifier sends.\n" * 20)
        sent = 0
        async with aiosmtplib.SMTP(hostname="127.0.0.1", port=sink.port, start_tls=False) as smtp:
            began = time.perf_counter()
            while time.perf_counter() - began < seconds:
                del message["Message-ID"]
                message["Message-ID"] = f"<{uuid.uuid4()}@bench>"
                await smtp.send_message(message)
                sent += 1
        return {"emails_per_s": sent / (time.perf_counter() - began)}
    finally:
        sink.stop()


def asgi_command(server: str, port: int) -> list[str]:
    """The bare app under each server, configured as the product's services are (one process)."""
    if server == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1", "--port", str(port),
                "--no-access-log", "--log-level", "warning", "--lifespan", "on"]  # fmt: skip
    return [sys.executable, "-m", "granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--no-ws", "--log-level", "warning", "bench.bare_app:app"]  # fmt: skip


async def http(server: str, *, seconds: float, clients: int, logs: Path) -> dict[str, float]:
    """The bare JSON endpoint and the bare Jinja2 page: latency with one client, throughput with many."""
    port = free_port()
    process = Process(f"bare-{server}", asgi_command(server, port), dict(os.environ), logs / f"bare-{server}.log", port)
    try:
        await process.wait_ready("/healthz", within=60)
        result = {"rss_idle_mb": rss_mb(psutil.Process(process.pid))}
        for name, path in (("json", "/json"), ("page", "/page")):
            request = [build_request("127.0.0.1", port, path)]
            one = await closed_loop("127.0.0.1", port, request, clients=1, seconds=seconds / 2)
            many = await closed_loop("127.0.0.1", port, request, clients=clients, seconds=seconds)
            result.update({f"{name}_p50_ms": one.latencies.summary()["p50_ms"],
                           f"{name}_p95_ms": one.latencies.summary()["p95_ms"],
                           f"{name}_rps": many.rps, f"{name}_client_cpu": many.client_cpu,
                           f"{name}_errors": float(one.errors + many.errors)})  # fmt: skip
        return result
    finally:
        process.stop()
