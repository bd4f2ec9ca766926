"""The whole product for the benchmark: the five service processes on the demo portfolio, an SMTP
sink, and the web measurements (dashboard, project page, search fragment through the web service)."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.load import build_request, closed_loop, each_once, get_status, listening_process, poll_until, pss_mb, rss_mb
from bench.servers import Process, Servers, Sink, service_env, start_services, stop_all
from cdps.embedded import free_port
from cdps.services import migrate_all
from services.portfolio.demo import seed_demo
from shared.identity import Identity, sign

SERVICES = ("portfolio", "search", "notifier", "webhooks", "web")
SMTP_RATE = 1000.0
"""The installation's email pacing in the benchmark (``CDPS_SMTP_RATE``). Production's 5/s is a
courtesy to mail servers, not the machine's limit: above the offered load, the lag and the emails
per second measured are the notifier's own, not a queue behind the pacing."""
# Searches people make on the demo portfolio: English, Welsh (mutated and not), a typo, a tag word.
WEB_QUERIES = ["forms", "Caerdydd", "yng Nghaerdydd", "ysgol", "user research", "prescriptons", "cloud", "dŵr"]


@dataclass
class Product:
    dsn: str
    processes: dict[str, Process]
    sink: Sink
    secret: str

    def url(self, service: str) -> str:
        return self.processes[service].url

    def headers(self, role: str = "lead", email: str | None = None) -> dict[str, str]:
        """A signed-in caller's headers; ``email`` is the account's own address (what it may follow with)."""
        identity = Identity(sub=f"bench-{role}", role=role, email=email)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {sign(identity, self.secret, lifetime=3600)}"}

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def rss(self) -> dict[str, float]:
        return {name: rss_mb(psutil.Process(pid)) for name, pid in self.pids().items()}

    def footprint(self, servers: Servers) -> dict[str, float]:
        """The whole stack's memory: the five services, PostgreSQL (its processes) and NATS, each by
        proportional memory, and their sum; the services' resident memory beside it. Summed resident
        memory would count each page the processes share (the interpreter, the libraries, PostgreSQL's
        shared buffers) once per process. The servers are found by the port they listen on; one on
        another machine counts as missing."""
        processes = [psutil.Process(pid) for pid in self.pids().values()]
        services = sum(pss_mb(process) for process in processes)
        found: dict[str, float] = {"services_mb": services, "services_rss_mb": sum(map(rss_mb, processes))}
        for name, url in (("postgres", servers.admin_dsn), ("nats", servers.nats_url.split(",")[0])):
            port = urlsplit(url).port
            process = listening_process(port) if port else None
            if process is not None:
                found[f"{name}_mb"] = pss_mb(process)
        if {"postgres_mb", "nats_mb"} <= found.keys():
            found["total_mb"] = services + found["postgres_mb"] + found["nats_mb"]
        return found

    def stop(self) -> None:
        stop_all(self.processes.values())
        self.sink.stop()


async def start_on(servers: Servers, root: Path) -> Product:
    """`servers` started, then the product on them (they stay up if it fails: stop them after)."""
    servers.start()
    return await start(servers, root)


async def start(servers: Servers, root: Path) -> Product:
    """A fresh database with the demo portfolio, then the five services, as `cdps run` would start them."""
    dsn = await servers.create_database("bench_product")
    await migrate_all(dsn)
    await seed_demo(dsn)
    sink = Sink()
    sink.start()
    secret = "bench-" + uuid.uuid4().hex
    ports = {name: free_port() for name in SERVICES}
    env = service_env(
        database_url=dsn, nats_url=servers.nats_url, secret=secret, data_dir=root / "product",
        space=servers.namespace(), ports=ports, smtp_port=sink.port,
    )  # fmt: skip
    env["CDPS_SMTP_RATE"] = f"{SMTP_RATE:g}"
    try:
        processes = await start_services(SERVICES, env, root / "logs")
    except BaseException:
        sink.stop()
        raise
    product = Product(dsn=dsn, processes=processes, sink=sink, secret=secret)
    await wait_emailed(product, await wait_indexed(product))
    return product


async def wait_indexed(product: Product, within: float = 120) -> int:
    """Until the search index has caught up with the stream (the demo's history is relayed first);
    the stream position it caught up with."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            lag = (await client.get(f"{product.url('search')}/api/v1/search/lag")).json()
            if lag["stream_seq"] > 0 and lag["lag"] == 0:
                return int(lag["stream_seq"])
            if time.monotonic() > deadline:
                raise RuntimeError(f"the search index did not catch up with the demo portfolio: {lag}")
            await asyncio.sleep(0.2)


async def wait_emailed(product: Product, stream_seq: int, within: float = 120) -> None:
    """Until the notifier has read the stream up to `stream_seq` and sent every email due. The
    demo's history owes emails of its own (86 today: assessments published, comments), and the lag
    measured afterwards must be the product's, not the time to work through that backlog first."""
    conn = await asyncpg.connect(product.dsn)

    async def all_sent() -> bool:
        done: bool = await conn.fetchval(
            """SELECT coalesce((SELECT stream_seq FROM notifier.consumer_state WHERE consumer = 'notifier'), 0) >= $1
                   AND NOT EXISTS (SELECT FROM notifier.deliveries
                                   WHERE status = 'pending' AND next_attempt <= now())""",
            stream_seq,
        )
        return done

    try:
        if not await poll_until(all_sent, within=within, interval=0.2):
            raise RuntimeError("the notifier did not send the demo portfolio's emails in time")
    finally:
        await conn.close()


async def demo_projects(product: Product) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10, headers=product.headers()) as client:
        response = await client.get(f"{product.url('portfolio')}/api/v1/projects", params={"limit": 200})
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def project_page_path(product: Product, project: dict[str, Any]) -> str | None:
    """Where the web serves a project's page (probed, so the benchmark follows the web's routes)."""
    port = product.processes["web"].port
    for path in (f"/projects/{project['slug']}", f"/projects/{project['id']}", f"/project/{project['slug']}"):
        if await get_status("127.0.0.1", port, path) == 200:
            return path
    return None


async def measure_web(product: Product, *, seconds: float, clients: int) -> dict[str, float]:
    """Requests per second with `clients` concurrent clients, and latency with one, for each page."""
    port = product.processes["web"].port
    projects = [p for p in await demo_projects(product) if p.get("visibility", "public") == "public"]
    pages: dict[str, list[bytes]] = {"dashboard": [build_request("127.0.0.1", port, "/")]}
    paths = [path for p in projects[:10] if (path := await project_page_path(product, p))]
    if paths:
        pages["project_page"] = [build_request("127.0.0.1", port, path) for path in paths]
    pages["search_fragment"] = [
        build_request("127.0.0.1", port, f"/search?q={quote(q)}", {"HX-Request": "true"}) for q in WEB_QUERIES
    ]
    result: dict[str, float] = {}
    for name, requests in pages.items():
        # Each request once first, outside the timed windows: a page's first answer (templates
        # compiled, the services' first queries) is no steady-state figure, and on a busy machine it
        # can outlast a quick run's whole window, leaving that window without a single sample.
        await each_once("127.0.0.1", port, requests)
        one = await closed_loop("127.0.0.1", port, requests, clients=1, seconds=seconds / 2)
        many = await closed_loop("127.0.0.1", port, requests, clients=clients, seconds=seconds)
        result.update({
            f"{name}_p50_ms": one.latencies.summary()["p50_ms"], f"{name}_p95_ms": one.latencies.summary()["p95_ms"],
            f"{name}_rps": many.rps, f"{name}_loaded_p95_ms": many.latencies.summary()["p95_ms"],
            f"{name}_errors": float(one.errors + many.errors),
        })  # fmt: skip
    return result
