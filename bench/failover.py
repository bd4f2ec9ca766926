"""`python -m bench.failover`: how long the product stalls when the NATS node that leads the stream
is killed (kill -9) during steady writes, with the stream at 1 and at 3 replicas.

Each run starts a fresh 3-node cluster (cdps.embedded), PostgreSQL, and the portfolio and search
services as processes, writes a project every 50 ms through the API, kills the stream's leader,
and reports the seconds until publishing (outbox to stream) and indexing (stream to search)
resume. With 1 replica the killed node is started again at once, as a supervisor would; with 3 it
stays down. It checks that every write was published and indexed once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import httpx
import nats

from cdps.embedded import EmbeddedNats, EmbeddedNatsCluster, EmbeddedPostgres, free_port
from shared.identity import Identity, sign

ROOT = Path(__file__).parent.parent
SECRET = "failover-" + uuid.uuid4().hex


def start_services(
    env: dict[str, str], root: Path, replicas: int
) -> tuple[dict[str, int], list[subprocess.Popen[bytes]]]:
    ports = {"portfolio": free_port(), "search": free_port()}
    processes = [
        subprocess.Popen([sys.executable, "-m", "cdps", "serve", name], cwd=ROOT,
                         env=dict(env, **{f"CDPS_{name.upper()}_PORT": str(port)}),
                         stdout=subprocess.DEVNULL, stderr=(root / f"{name}-r{replicas}.log").open("wb"))
        for name, port in ports.items()
    ]  # fmt: skip
    return ports, processes


async def measure(replicas: int, root: Path, admin_dsn: str) -> dict[str, float]:
    cluster = EmbeddedNatsCluster(root / f"nats-r{replicas}")
    await asyncio.to_thread(cluster.start)
    database = f"failover_r{replicas}"
    admin = await asyncpg.connect(admin_dsn)
    await admin.execute(f"CREATE DATABASE {database}")
    await admin.close()
    dsn = admin_dsn.rsplit("/", 1)[0] + f"/{database}"
    env = dict(os.environ, DATABASE_URL=dsn, NATS_URL=cluster.url, CDPS_SECRET_KEY=SECRET, CDPS_DATA_DIR=str(root),
               CDPS_STREAM_REPLICAS=str(replicas), CDPS_ACK_WAIT_SECONDS="5", CDPS_RELAY_POLL_SECONDS="0.2",
               CDPS_LOG_FORMAT="json", CDPS_LOG_LEVEL="WARNING")  # fmt: skip
    ports, processes = start_services(env, root, replicas)
    pool: asyncpg.Pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for port in ports.values():
                await _until(lambda port=port: _ready(client, port))  # type: ignore[misc]
            token = sign(Identity(sub="bench-lead", role="lead", partner_id=None), SECRET)
            writes: list[str] = []
            stop = asyncio.Event()
            writer = asyncio.create_task(_write(client, ports["portfolio"], token, writes, stop))
            await asyncio.sleep(3)
            leader = await _stream_leader(cluster)
            killed_at = dt.datetime.now(dt.UTC)
            leader.kill()
            killed = time.monotonic()
            # Resumed: an event written after the kill is in the stream, or in the index.
            published = _counter(
                pool, "portfolio.events WHERE occurred_at > $1 AND published_at IS NOT NULL", killed_at
            )
            indexed = _counter(pool, "search.documents d JOIN portfolio.events e ON e.aggregate_id = d.id "
                               "WHERE e.occurred_at > $1", killed_at)  # fmt: skip
            everything_published = _counter(pool, "portfolio.events WHERE published_at IS NOT NULL")
            everything_indexed = _counter(pool, "search.aggregates")
            # One copy: nothing works until its node is back, started at once (as a supervisor would).
            back = asyncio.create_task(asyncio.to_thread(cluster.restart, leader)) if replicas == 1 else None
            publishing, indexing = await asyncio.gather(_resumed(published, killed), _resumed(indexed, killed))
            if back is not None:
                await back
            await asyncio.sleep(2)
            stop.set()
            await writer
            await _until(lambda: _all(everything_published, len(writes)), within=120)
            await _until(lambda: _all(everything_indexed, len(writes)), within=120)
        return {"publishing": publishing, "indexing": indexing, "writes": float(len(writes))}
    finally:
        await pool.close()
        for process in processes:
            process.terminate()
            process.wait()
        cluster.stop()


async def _write(client: httpx.AsyncClient, port: int, token: str, writes: list[str], stop: asyncio.Event) -> None:
    while not stop.is_set():
        slug = f"failover-{uuid.uuid4().hex[:10]}"
        response = await client.post(
            f"http://127.0.0.1:{port}/api/v1/projects", headers={"Authorization": f"Bearer {token}"},
            json={"slug": slug, "title_en": slug, "title_cy": slug},
        )  # fmt: skip
        response.raise_for_status()
        writes.append(slug)
        await asyncio.sleep(0.05)


def _counter(pool: asyncpg.Pool, what: str, *args: object) -> Callable[[], Awaitable[int]]:
    async def count() -> int:
        return int(await pool.fetchval(f"SELECT count(*) FROM {what}", *args))

    return count


async def _resumed(count: Callable[[], Awaitable[int]], since: float) -> float:
    await _until(lambda: _all(count, 1), every=0.02)
    return time.monotonic() - since


async def _all(count: Callable[[], Awaitable[int]], wanted: int) -> bool:
    return await count() >= wanted


async def _ready(client: httpx.AsyncClient, port: int) -> bool:
    try:
        return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def _stream_leader(cluster: EmbeddedNatsCluster) -> EmbeddedNats:
    nc = await nats.connect(servers=cluster.url.split(","))
    try:
        (info,) = await nc.jetstream().streams_info()  # the services' one stream, PORTFOLIO
        assert info.cluster is not None and info.cluster.leader
        return cluster.node(info.cluster.leader)
    finally:
        await nc.close()


async def _until(check: Callable[[], Awaitable[object]], within: float = 60, every: float = 0.1) -> object:
    deadline = time.monotonic() + within
    while True:
        try:
            value = await check()
            if value:
                return value
        except (OSError, asyncpg.PostgresError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"not done within {within} s")
        await asyncio.sleep(every)


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdps-failover-") as tmp:
        postgres = EmbeddedPostgres(Path(tmp) / "postgres", durable=False, keeps_commits_when_crashed=True)
        admin_dsn = postgres.start()
        try:
            results = {replicas: await measure(replicas, Path(tmp), admin_dsn) for replicas in (1, 3)}
        finally:
            postgres.stop()
    print("| stream replicas | publishing resumed after | indexing resumed after | writes, all published and indexed |")
    print("| --- | --- | --- | --- |")
    for replicas, figures in results.items():
        print(f"| {replicas} | {figures['publishing']:.1f} s | {figures['indexing']:.1f} s | {figures['writes']:.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
