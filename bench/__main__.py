"""`make bench` (python -m bench): how the whole system performs on this machine, in one report.

Ceilings first (raw PostgreSQL, JetStream, SMTP, and bare HTTP under both ASGI servers), then the
product, each figure beside its ceiling: phase changes through the API, end-to-end lag to
"searchable" and to "email handed to SMTP", the highest load that keeps p99 lags under their limits, search
latency on a large generated corpus, the web pages, live indexing and rebuild, and memory.

Writes ``latest.json`` and ``latest.md`` to ``--out`` (``bench/results``) and prints the table. A
stage that fails is reported (its figures are "missing") and the exit status is 1.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench import ceilings, e2e, figures, live, portfolio, product, search, webhooks
from bench.corpus import Size
from bench.load import MemorySampler
from bench.report import Report
from bench.servers import Servers
from shared.logs import configure_logging
from shared.settings import Settings

T = TypeVar("T")
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Plan:
    """How big and how long each measurement is: the full run, or a tiny one for the smoke test."""

    quick: bool
    seconds: float
    corpus: Size
    stream: Size
    http_clients: int = 16
    api_clients: int = 32
    steady_rate: float = 20.0
    steady_seconds: float = 15.0
    ramp_steps: int = 10
    step_seconds: float = 5.0
    burst: int = 30
    email_rate: float = 200.0
    """Writes per second at which the p99 lag 201 -> SMTP is held to its aim (250 ms)."""
    search_seconds: float = 30.0
    """Time budget for search queries, the mix repeated until it is spent."""
    sse_clients: tuple[int, ...] = (125, 250, 500, 1000, 2000, 4000)
    """Live board viewers of each step (bench/live.py), doubling until a step fails."""
    sse_writes: int = 10
    webhook_events: int = 1000
    """Events of the webhook burst, each to every one of ``webhook_endpoints`` endpoints."""
    webhook_endpoints: int = 4
    webhook_rate: float = 20.0
    webhook_seconds: float = 5.0
    search_only: bool = False
    """Only the search figures and the ceiling they are read against (``--search-only``)."""


def make_plan(quick: bool, seconds: float | None, search_only: bool = False) -> Plan:
    plan = _plan(quick, seconds)
    return dataclasses.replace(plan, search_only=search_only)


def _plan(quick: bool, seconds: float | None) -> Plan:
    if quick:
        return Plan(
            quick=True, seconds=seconds or 0.5, corpus=Size(projects=200, events=3_000),
            stream=Size(projects=30, events=300), steady_rate=10, steady_seconds=1, ramp_steps=2, step_seconds=1,
            burst=4, email_rate=20, search_seconds=1.5, sse_clients=(5, 10), sse_writes=2, webhook_events=40,
            webhook_endpoints=2, webhook_rate=10, webhook_seconds=1,
        )  # fmt: skip
    # The corpus is the 10,000 projects and 1,000,000 events (rebuilt, then queried); live
    # indexing catches up on a tenth of that.
    return Plan(
        quick=False, seconds=seconds or 5.0, corpus=Size(projects=10_000, events=1_000_000),
        stream=Size(projects=1_000, events=100_000),
    )  # fmt: skip


class Stages:
    """Runs each stage, timing it; a failure is recorded and the run goes on to the next stage."""

    def __init__(self, report: Report):
        self.report = report
        self.began = time.perf_counter()

    async def run(self, name: str, work: Awaitable[T]) -> T | None:
        started = time.perf_counter()
        print(f"[{started - self.began:6.1f} s] {name} …", flush=True)
        try:
            return await work
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(exc)).strip().splitlines()
            self.report.errors.append({"stage": name, "error": detail[0] if detail else repr(exc)})
            print(f"           {name} failed:\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            return None
        finally:
            print(f"           {name}: {time.perf_counter() - started:.1f} s", flush=True)


async def measure(plan: Plan, servers: Servers, root: Path, report: Report) -> dict[str, Any]:
    if plan.search_only:
        return await measure_search(plan, servers, root, Stages(report))
    stages = Stages(report)
    raw: dict[str, Any] = {}
    s = plan.seconds
    dsn = await servers.create_database("bench_ceiling")
    raw["pg_1"] = await stages.run(
        "ceiling: asyncpg, 1 connection", ceilings.asyncpg_rate(dsn, connections=1, seconds=s)
    )
    raw["pg_32"] = await stages.run(
        "ceiling: asyncpg, 32 connections", ceilings.asyncpg_rate(dsn, connections=plan.api_clients, seconds=s)
    )
    raw["js"] = await stages.run("ceiling: JetStream", ceilings.jetstream(servers.nats_url, seconds=s))
    raw["smtp"] = await stages.run("ceiling: SMTP", ceilings.smtp_rate(s / 2))
    for server in ("uvicorn", "granian"):
        raw[f"asgi_{server}"] = await stages.run(
            f"ceiling: bare Litestar under {server}",
            ceilings.http(server, seconds=s, clients=plan.http_clients, logs=root / "logs"),
        )

    # Phase changes are read against pg_32 above (bench/portfolio.py alone measures asyncpg itself).
    raw["portfolio"] = await stages.run(
        "portfolio: phase changes",
        portfolio.run(
            servers.admin_dsn, servers.nats_url, seconds=s, clients=plan.api_clients,
            servers=("uvicorn",) if plan.quick else ("uvicorn", "granian"),
            ceiling_per_s=(raw["pg_32"] or {}).get("tps"),
        ),
    )  # fmt: skip

    raw.update(await measure_product(plan, root, stages))
    raw["webhooks"] = await stages.run(
        "webhooks: deliveries to a local receiver",
        webhooks.run(servers, root, events=plan.webhook_events, endpoints=plan.webhook_endpoints,
                     rate=plan.webhook_rate, seconds=plan.webhook_seconds),
    )  # fmt: skip
    raw.update(await measure_search(plan, servers, root, stages, ceilings_measured=True))
    return raw


async def measure_product(plan: Plan, root: Path, stages: Stages) -> dict[str, Any]:
    """The product's figures (web pages, end-to-end lag, live viewers) and its memory, on servers of
    its own sized as `cdps run` sizes them: its idle memory is then the embedded default's, not that
    of servers the earlier stages filled."""
    raw: dict[str, Any] = {}
    s = plan.seconds
    servers = Servers(root / "product-servers", like_cdps_run=True)
    try:
        stack = await stages.run("product: demo portfolio and five services", product.start_on(servers, root))
        if stack is None:
            return raw
        try:
            await asyncio.sleep(1)  # let start-up work settle before "idle"
            raw["rss_idle"] = stack.rss()
            raw["footprint_idle"] = stack.footprint(servers)
            with MemorySampler(stack.pids()) as sampler:
                raw["web"] = await stages.run(
                    "product: web pages", product.measure_web(stack, seconds=s, clients=plan.http_clients)
                )
                raw["e2e"] = await stages.run(
                    "product: end-to-end lag, ramp and emails",
                    e2e.run(stack, rate=plan.steady_rate, seconds=plan.steady_seconds, ramp_steps=plan.ramp_steps,
                            step_seconds=plan.step_seconds, burst=plan.burst, email_rate=plan.email_rate),
                )  # fmt: skip
                raw["sse"] = await stages.run(
                    "product: live status to board viewers",
                    live.run(stack, counts=plan.sse_clients, writes=plan.sse_writes),
                )
            raw["rss_load"] = sampler.peak_mb
        finally:
            stack.stop()
    finally:
        await servers.release()
    return raw


async def measure_search(
    plan: Plan, servers: Servers, root: Path, stages: Stages, *, ceilings_measured: bool = False
) -> dict[str, Any]:
    """The search figures: rebuild, queries beside their counting floor, live indexing; alone
    (``--search-only``), they also measure the ceiling they are read against (consume-and-ack)."""
    raw: dict[str, Any] = {}
    if not ceilings_measured:
        raw["js"] = await stages.run("ceiling: JetStream", ceilings.jetstream(servers.nats_url, seconds=plan.seconds))
    smtp_port = 9  # the search services never send mail; a port is only needed to satisfy the settings
    built = await stages.run(
        f"search: {plan.corpus.events:,} events of {plan.corpus.projects:,} projects, published and rebuilt",
        search.build_corpus(servers, root, size=plan.corpus),
    )
    if built is not None:
        dsn, raw["rebuild"] = built
        raw["search"] = await stages.run(
            "search: queries on the rebuilt index",
            search.query_latency(servers, root, dsn=dsn, seconds=plan.search_seconds, smtp_port=smtp_port),
        )
    raw["live"] = await stages.run(
        f"search: live indexing of {plan.stream.events:,} events",
        search.live_indexing(servers, root, size=plan.stream, smtp_port=smtp_port),
    )
    return raw


async def main_async(plan: Plan, out: Path) -> int:
    report = Report()
    # Anything else running lowers every number: measure how busy the machine is before we start.
    busy = psutil.cpu_percent(interval=1.0)
    report.details["load"] = {"cpu_busy_before_percent": busy, "average_start": os.getloadavg()[0]}
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="cdps-bench-"))
    servers = Servers(root)
    try:
        servers.start()
        raw = await measure(plan, servers, root, report)
    finally:
        await servers.release()
        shutil.rmtree(root, ignore_errors=True)
    report.details["load"]["average_end"] = os.getloadavg()[0]
    figures.fill(report, raw)
    report.details["raw"] = raw
    seconds = time.perf_counter() - clock
    report.figure(
        "run_seconds", "benchmark run time", seconds, "count", aim="< 600 s on 2 cores (full run)",
        meets=seconds < figures.RUN_LIMIT_SECONDS if not plan.quick else None,
    )  # fmt: skip
    config = {**asdict(plan), "servers": "embedded" if servers.embedded else "from DATABASE_URL / NATS_URL"}
    print(report.write(out, config=config, started=started, seconds=seconds))
    return 1 if report.errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes and short windows (the smoke test's run)")
    parser.add_argument("--seconds", type=float, help="timed window of each measurement (default 5, quick 0.5)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for latest.json and latest.md")
    parser.add_argument("--search-only", action="store_true", help="only the search figures and their ceiling")
    args = parser.parse_args(argv)
    # The in-process parts (migrations, the rebuild) log like a service would; only warnings matter here.
    configure_logging(Settings(secret_key="-", data_dir=Path(tempfile.gettempdir()), log_level="WARNING"), "bench")
    return asyncio.run(main_async(make_plan(args.quick, args.seconds, args.search_only), args.out))


if __name__ == "__main__":
    sys.exit(main())
