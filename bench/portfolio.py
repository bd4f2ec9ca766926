"""Phase changes per second through the portfolio API, beside the raw asyncpg ceiling of the same run.

Not a test: a measurement. Each run

1. makes a fresh database and migrates it (every service's schema, as ``cdps migrate`` does);
2. measures the **asyncpg ceiling**: ``clients`` connections, each running transactions of one
   UPDATE (its own row of a small table) and one INSERT (an event-sized jsonb row), as fast as
   PostgreSQL commits them: the most any API write that stores a row and its event could do here;
3. starts the portfolio service as its own process on a fresh database (uvicorn exactly as
   ``cdps serve portfolio`` starts it, and granian with the same app for comparison), creates
   projects, then drives **phase changes** with ``clients`` concurrent clients (``bench.load.Connection``,
   one keep-alive connection each): each client cycles its own projects (advance to alpha, go back to
   discovery with a reason, ...), sending If-Match with the ETag of its last answer, as the web front
   end does.

It reports phase changes per second, latency percentiles, the ratio to the ceiling (the aim is at
least 0.5), and the CPU each party used (in cores; the machine's core count bounds the sum), so a
low ratio can be told apart from a load generator or a database that had no CPU left.

``python -m bench.portfolio`` starts embedded PostgreSQL (durable: fsync on, as in production) and
NATS under a temporary folder unless DATABASE_URL / NATS_URL name servers to use, and prints a table
with the load generator's own ceiling (the same clients on a bare endpoint) last: about 40 s with
``--seconds 5 --servers uvicorn``, what to run while working on the write path.
``--profile out/portfolio.svg`` records a py-spy profile of the service during each timed window
(``out/portfolio-uvicorn.svg``, …): a flame graph, or collapsed stacks if the name ends in ``.txt``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.load import Connection
from cdps.embedded import EmbeddedNats, EmbeddedPostgres, die_with_parent, free_port, shared_buffers_mb
from cdps.services import migrate_all
from shared import bus
from shared.identity import Identity, sign
from shared.logs import configure_logging
from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("uvicorn", "granian")
PROJECTS_PER_CLIENT = 4
WARMUP_SECONDS = 1.0
JSON = {"Content-Type": "application/json"}
PHASES = ("discovery", "alpha")
"""The phases each project goes between: advance to alpha, go back to discovery."""
# About the size of a phase change's event (the project's snapshot and the change), so the ceiling's
# INSERT writes what the API's does.
EVENT_PAYLOAD = {
    "project": {"slug": "x" * 40, "title_en": "x" * 60, "title_cy": "x" * 60, "summary_en": "x" * 300,
                "summary_cy": "x" * 300, "phase": "alpha", "state": "active", "tags": ["forms", "cloud"]},
    "kind": "advance", "from_phase": "discovery", "to_phase": "alpha", "reason": "", "effective": "2025-01-01",
}  # fmt: skip


# Statistics and CPU -----------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of seconds, in milliseconds; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1] * 1000


def latency_summary(prefix: str, values: Sequence[float]) -> dict[str, float]:
    return {f"{prefix}_p{p}_ms": percentile(values, p) for p in (50, 95, 99)}


def _cpu_seconds(process: psutil.Process) -> float | None:
    try:
        times = process.cpu_times()
    except psutil.Error:
        return None
    return float(times.user + times.system)


class CpuMeter:
    """CPU used by a set of processes over a window, in cores (1.0 = one core busy throughout).

    ``find`` is asked again at the end, so processes that start during the window (PostgreSQL's
    backends for new connections) count from zero; read it before processes of interest exit.
    """

    def __init__(self, find: Callable[[], Sequence[psutil.Process]]):
        self._find = find
        self._began = time.perf_counter()
        self._start: dict[int, float] = {}
        for process in find():
            if (used := _cpu_seconds(process)) is not None:
                self._start[process.pid] = used

    def cores(self) -> float:
        elapsed = time.perf_counter() - self._began
        used = 0.0
        for process in self._find():
            if (now := _cpu_seconds(process)) is not None:
                used += now - self._start.get(process.pid, 0.0)
        return used / elapsed if elapsed else 0.0


Finder = Callable[[], list[psutil.Process]]


async def postgres_processes(dsn: str) -> Finder:
    """The processes of the PostgreSQL server behind ``dsn`` (none when it runs on another machine).

    Found from a backend's parent (the postmaster), so another PostgreSQL on the machine (say, a test
    run's) is not counted.
    """
    conn = await asyncpg.connect(dsn)
    try:  # while the backend lives
        postmaster = psutil.Process(await conn.fetchval("SELECT pg_backend_pid()")).parent()
    except psutil.Error:
        postmaster = None
    finally:
        await conn.close()
    if postmaster is None or postmaster.name() not in ("postgres", "postmaster"):
        return list

    def find() -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [postmaster, *postmaster.children()]
        return []

    return find


def service_processes(pid: int) -> list[psutil.Process]:
    """A server and its workers (granian serves from child processes)."""
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    return []


# Databases --------------------------------------------------------------------------------------


def dsn_for(admin_dsn: str, database: str) -> str:
    return admin_dsn.rsplit("/", 1)[0] + f"/{database}"


@contextlib.asynccontextmanager
async def fresh_database(admin_dsn: str) -> AsyncIterator[str]:
    """A new, migrated database for one measurement; dropped afterwards."""
    name = f"bench_portfolio_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()
    dsn = dsn_for(admin_dsn, name)
    try:
        await migrate_all(dsn)
        yield dsn
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


# The asyncpg ceiling ----------------------------------------------------------------------------


async def asyncpg_ceiling(dsn: str, *, connections: int, seconds: float, postgres: Finder) -> dict[str, float]:
    """Transactions per second: each one UPDATE of the connection's own row and one INSERT."""
    setup = await asyncpg.connect(dsn)
    try:
        await setup.execute(
            """CREATE TABLE bench_rows (id integer PRIMARY KEY, version integer NOT NULL);
               CREATE TABLE bench_events (position bigserial PRIMARY KEY, row_id integer NOT NULL,
                                          occurred_at timestamptz NOT NULL DEFAULT now(), data jsonb NOT NULL)"""
        )
        await setup.execute("INSERT INTO bench_rows SELECT g, 1 FROM generate_series(1, $1) g", connections)
    finally:
        await setup.close()
    conns = await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(connections)))
    payload = json.dumps(EVENT_PAYLOAD)
    latencies: list[float] = []
    start = time.perf_counter()
    measure_from = start + WARMUP_SECONDS
    until = measure_from + seconds

    async def worker(conn: asyncpg.Connection, row: int) -> None:
        while (started := time.perf_counter()) < until:
            async with conn.transaction():
                await conn.execute("UPDATE bench_rows SET version = version + 1 WHERE id = $1", row)
                await conn.execute("INSERT INTO bench_events (row_id, data) VALUES ($1, $2::jsonb)", row, payload)
            if started >= measure_from:
                latencies.append(time.perf_counter() - started)

    try:
        meters: dict[str, CpuMeter] = {}

        async def start_meters() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            meters["postgres"] = CpuMeter(postgres)
            meters["client"] = CpuMeter(lambda: [psutil.Process()])

        await asyncio.gather(start_meters(), *(worker(c, i + 1) for i, c in enumerate(conns)))
        elapsed = time.perf_counter() - measure_from
        cpu = {name: meter.cores() for name, meter in meters.items()}  # before the backends exit
    finally:
        await asyncio.gather(*(c.close() for c in conns))
    return {
        "asyncpg_tx_per_s": len(latencies) / elapsed,
        **latency_summary("asyncpg", latencies),
        **{f"asyncpg_{name}_cpu": cores for name, cores in cpu.items()},
    }


# The portfolio service --------------------------------------------------------------------------


def portfolio_app() -> Any:
    """App factory for granian (``--factory bench.portfolio:portfolio_app``): settings from the environment."""
    from services.portfolio.app import create_app
    from shared.logs import configure_logging
    from shared.settings import load_settings

    settings = load_settings()
    configure_logging(settings, "portfolio")
    return create_app(settings)


def server_command(server: str, port: int) -> list[str]:
    if server == "uvicorn":  # exactly what `cdps serve portfolio` runs
        return [sys.executable, "-m", "cdps", "serve", "portfolio"]
    if server == "granian":  # one worker process, as uvicorn has
        return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
                "--port", str(port), "--workers", "1", "--no-ws", "--log-level", "warning",
                "bench.portfolio:portfolio_app"]  # fmt: skip
    raise ValueError(f"unknown ASGI server {server!r}: use one of {', '.join(SERVERS)}")


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def spawn(server: str, env: dict[str, str], log: Path) -> Service:
    port = int(env["CDPS_PORTFOLIO_PORT"])
    with log.open("ab") as out:
        process = subprocess.Popen(
            server_command(server, port), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent, start_new_session=True,
        )  # fmt: skip
    return Service(process, f"http://127.0.0.1:{port}", log)


def exited(service: Service, server: str) -> RuntimeError:
    tail = service.log.read_text(errors="replace")[-3000:]
    return RuntimeError(f"{server} exited with {service.process.returncode}; its log:\n{tail}")


async def start_service(server: str, env: dict[str, str], log: Path) -> Service:
    service = spawn(server, env, log)
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=service.url, timeout=2) as client:
        while True:
            if service.process.poll() is not None:
                raise exited(service, server)
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return service
            if time.monotonic() > deadline:
                service.stop()
                raise RuntimeError(f"{server} was not ready within 90 s; see {log}")
            await asyncio.sleep(0.1)


@dataclass
class Tracked:
    """A project a client drives: where it is and the ETag of the last answer."""

    id: str
    etag: str
    phase: str = "discovery"


@dataclass
class Drive:
    latencies: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)


async def create_projects(url: str, headers: dict[str, str], count: int) -> list[Tracked]:
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:

        async def create(i: int) -> Tracked:
            body = {"slug": f"bench-{i}-{uuid.uuid4().hex[:6]}", "title_en": f"Benchmark project {i}",
                    "title_cy": f"Prosiect meincnodi {i}"}  # fmt: skip
            response = await client.post("/api/v1/projects", json=body)
            response.raise_for_status()
            return Tracked(id=response.json()["id"], etag=response.headers["etag"])

        return list(await asyncio.gather(*(create(i) for i in range(count))))


def _host_port(url: str) -> tuple[str, int]:
    host, _, port = url.removeprefix("http://").partition(":")
    return host, int(port)


def next_change(project: Tracked, today: str) -> dict[str, str]:
    if project.phase == "discovery":
        return {"kind": "advance", "effective": today}
    return {"kind": "go_back", "to_phase": "discovery", "effective": today, "reason": "Benchmark: back to discovery"}


async def drive_phase_changes(
    url: str, headers: dict[str, str], projects: list[Tracked], *, clients: int, seconds: float, service_pid: int,
    postgres: Finder, profile: Path | None = None,
) -> tuple[Drive, float, dict[str, float]]:  # fmt: skip
    """``clients`` clients, each with its own connection and its own projects, changing phases.

    They are ``bench.load.Connection``s, not httpx: on two cores the load generator shares the CPU
    with the service, and httpx spent about as much CPU per phase change as the service did."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    drive = Drive()
    start = time.perf_counter()
    measure_from = start + WARMUP_SECONDS
    until = measure_from + seconds
    host, port = _host_port(url)
    bodies = {phase: json.dumps(next_change(Tracked("", "", phase), today)).encode() for phase in PHASES}

    async def client_loop(mine: list[Tracked]) -> None:
        connection = await Connection.open(host, port)
        try:
            turn = 0
            while (started := time.perf_counter()) < until:
                project = mine[turn % len(mine)]
                turn += 1
                response = await connection.request(
                    "POST", f"/api/v1/projects/{project.id}/phase", {**headers, **JSON, "If-Match": project.etag},
                    bodies[project.phase],
                )  # fmt: skip
                done = time.perf_counter()
                if response.status == 200:
                    project.etag = response.headers[b"etag"].decode()
                    project.phase = "alpha" if project.phase == "discovery" else "discovery"
                    # Counted when answered within the window, wherever it began: on a busy machine one
                    # phase change can take longer than the quick run's whole window.
                    if done >= measure_from:
                        drive.latencies.append(done - started)
                    continue
                drive.errors[response.status] = drive.errors.get(response.status, 0) + 1
                fresh = await connection.request("GET", f"/api/v1/projects/{project.id}", headers)  # resynchronise
                if fresh.status != 200:
                    raise RuntimeError(f"cannot read project {project.id}: {fresh.status} {fresh.body[:500]!r}")
                project.etag, project.phase = fresh.headers[b"etag"].decode(), json.loads(fresh.body)["phase"]
        finally:
            connection.close()

    meters: dict[str, CpuMeter] = {}

    async def at_measure_from() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        meters["client"] = CpuMeter(lambda: [psutil.Process()])
        meters["service"] = CpuMeter(lambda: service_processes(service_pid))
        meters["postgres"] = CpuMeter(postgres)
        if profile is not None:
            start_profile(service_pid, profile, seconds)

    per_client = [projects[i::clients] for i in range(clients)]
    await asyncio.gather(at_measure_from(), *(client_loop(mine) for mine in per_client))
    elapsed = time.perf_counter() - measure_from
    return drive, elapsed, {name: meter.cores() for name, meter in meters.items()}


def start_profile(pid: int, output: Path, seconds: float) -> None:
    """py-spy, sampling the service (and granian's workers) for the timed window, if it is installed.

    The format follows the file's suffix: ``.svg`` a flame graph, ``.txt`` collapsed stacks.
    """
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        print(f"py-spy is not installed; no profile for {output.name}", file=sys.stderr)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    subprocess.Popen(
        [py_spy, "record", "--pid", str(pid), "--subprocesses", "--duration", str(max(1, int(seconds))),
         "--rate", "200", "--output", str(output), "--format", "raw" if output.suffix == ".txt" else "flamegraph",
         "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent,
    )  # fmt: skip


async def phase_changes(
    dsn: str,
    nats_url: str,
    server: str,
    *,
    clients: int,
    seconds: float,
    work: Path,
    profile: Path | None,
    postgres: Finder,
) -> dict[str, float]:
    secret = "bench-" + uuid.uuid4().hex
    settings = Settings(secret_key=secret, data_dir=work, namespace=f"bench{uuid.uuid4().hex[:8]}")
    env = dict(
        os.environ,
        DATABASE_URL=dsn,
        NATS_URL=nats_url,
        CDPS_SECRET_KEY=secret,
        CDPS_NAMESPACE=settings.namespace,
        CDPS_DATA_DIR=str(work),
        CDPS_PORTFOLIO_PORT=str(free_port()),
        CDPS_LOG_FORMAT="json",
        CDPS_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    token = sign(Identity(sub="bench-lead", role="lead"), secret, lifetime=int(seconds) + 600)
    headers = {"Authorization": f"Bearer {token}"}
    service = await start_service(server, env, work / f"portfolio-{server}.log")
    profile = profile.with_name(f"{profile.stem}-{server}{profile.suffix}") if profile else None
    try:
        projects = await create_projects(service.url, headers, clients * PROJECTS_PER_CLIENT)
        drive, elapsed, cpu = await drive_phase_changes(
            service.url, headers, projects, clients=clients, seconds=seconds, service_pid=service.process.pid,
            postgres=postgres, profile=profile,
        )  # fmt: skip
    finally:
        service.stop()
        await delete_stream(nats_url, settings)
    return {
        f"{server}_phase_changes_per_s": len(drive.latencies) / elapsed,
        **latency_summary(server, drive.latencies),
        f"{server}_errors": float(sum(drive.errors.values())),
        **{f"{server}_{name}_cpu": cores for name, cores in cpu.items()},
    }


def _spawn_command(command: list[str], port: int, log: Path) -> Service:
    with log.open("ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   preexec_fn=die_with_parent, start_new_session=True)  # fmt: skip
    return Service(process, f"http://127.0.0.1:{port}", log)


async def client_ceiling(*, clients: int, seconds: float, work: Path) -> dict[str, float]:
    """The load generator's own ceiling: the same ``clients`` clients, each on its own
    connection, POSTing the same JSON with If-Match to a bare endpoint (``bench/bare_app.py``
    ``/phase``, uvicorn, one worker) that does no work. Phase changes near this rate mean the client,
    not the service, was the limit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1", "--port", str(port),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
    service = _spawn_command(command, port, work / "bare-phase.log")
    process = service.process
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=service.url, timeout=2) as probe:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                if process.poll() is not None or time.monotonic() > deadline:
                    raise exited(service, "bare uvicorn")
                await asyncio.sleep(0.1)
        today = dt.datetime.now(dt.UTC).date().isoformat()
        done = [0]
        start = time.perf_counter()
        measure_from, until = start + WARMUP_SECONDS, start + WARMUP_SECONDS + seconds
        body = json.dumps({"kind": "advance", "effective": today}).encode()

        async def client_loop() -> None:
            connection = await Connection.open("127.0.0.1", port)
            try:
                etag = '"1"'
                while (started := time.perf_counter()) < until:
                    response = await connection.request("POST", "/phase", {**JSON, "If-Match": etag}, body)
                    etag = response.headers.get(b"etag", etag.encode()).decode()
                    if response.status == 200 and started >= measure_from:
                        done[0] += 1
            finally:
                connection.close()

        meter: list[CpuMeter] = []

        async def at_measure_from() -> None:
            await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
            meter.append(CpuMeter(lambda: [psutil.Process()]))

        await asyncio.gather(at_measure_from(), *(client_loop() for _ in range(clients)))
        elapsed = time.perf_counter() - measure_from
        return {"client_ceiling_per_s": done[0] / elapsed, "client_ceiling_cpu": meter[0].cores()}
    finally:
        service.stop()


async def delete_stream(nats_url: str, settings: Settings) -> None:
    """Leave nothing behind on a NATS server that is not ours."""
    nc = await bus.connect(nats_url, name="bench-cleanup")
    try:
        with contextlib.suppress(Exception):
            await nc.jetstream().delete_stream(settings.stream_name)
    finally:
        await nc.close()


async def run(
    dsn_admin: str, nats_url: str, *, seconds: float = 10.0, clients: int = 32,
    servers: Sequence[str] = SERVERS, profile: Path | None = None, ceiling_per_s: float | None = None,
) -> dict[str, float]:  # fmt: skip
    """Measure; keys: ``asyncpg_tx_per_s``, ``asyncpg_p50_ms`` … and, per ASGI server (``uvicorn``,
    ``granian``), ``<server>_phase_changes_per_s``, ``<server>_p50_ms``/``p95``/``p99``,
    ``<server>_ratio`` (to the ceiling), ``<server>_errors`` and the CPU cores each party used.
    ``ceiling_per_s``: the asyncpg ceiling already measured (`make bench` has), not measured again."""
    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cdps-bench-portfolio-") as tmp:
        postgres = await postgres_processes(dsn_admin)
        if ceiling_per_s is not None:
            result["asyncpg_tx_per_s"] = ceiling_per_s
        else:
            async with fresh_database(dsn_admin) as dsn:
                result.update(await asyncpg_ceiling(dsn, connections=clients, seconds=seconds, postgres=postgres))
        for server in servers:
            async with fresh_database(dsn_admin) as dsn:
                measured = await phase_changes(
                    dsn, nats_url, server, clients=clients, seconds=seconds, work=Path(tmp), profile=profile,
                    postgres=postgres,
                )  # fmt: skip
            measured[f"{server}_ratio"] = measured[f"{server}_phase_changes_per_s"] / result["asyncpg_tx_per_s"]
            result.update(measured)
        result.update(await client_ceiling(clients=clients, seconds=seconds, work=Path(tmp)))
    return result


# The command ------------------------------------------------------------------------------------


PARTIES = ("client", "service", "postgres")


def table(result: dict[str, float], servers: Sequence[str], clients: int) -> str:
    """Rates, latencies, the ratio to the ceiling, and CPU: cores busy and milliseconds per operation."""

    def row(name: str, prefix: str, rate: float, ratio: str) -> str:
        cores = [result.get(f"{prefix}_{who}_cpu") for who in PARTIES]
        busy = " ".join(f"{c:>8.2f}" if c is not None else f"{'-':>8}" for c in cores)
        each = " ".join(f"{c / rate * 1000:>8.2f}" if c is not None and rate else f"{'-':>8}" for c in cores)
        return (f"{name:<16} {rate:>7.0f} {result[f'{prefix}_p50_ms']:>7.1f} {result[f'{prefix}_p95_ms']:>7.1f} "
                f"{result[f'{prefix}_p99_ms']:>7.1f} {ratio:>6} | {busy} | {each}")  # fmt: skip

    who = " ".join(f"{w:>8}" for w in PARTIES)
    lines = [
        f"Portfolio phase changes with {clients} concurrent clients; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at the end (other work on the machine lowers every figure).",
        f"{'':<16} {'per s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'ratio':>6} | {'CPU cores busy':^26} "
        f"| {'CPU ms per operation':^26}",
        f"{'':<16} {'':>7} {'':>7} {'':>7} {'':>7} {'':>6} | {who} | {who}",
        row("asyncpg ceiling", "asyncpg", result["asyncpg_tx_per_s"], "1.00"),
    ]
    for server in servers:
        lines.append(row(f"API, {server}", server, result[f"{server}_phase_changes_per_s"],
                         f"{result[f'{server}_ratio']:.2f}"))  # fmt: skip
        if result.get(f"{server}_errors"):
            lines.append(f"  ({result[f'{server}_errors']:.0f} answers other than 200 under {server})")
    rate, cores = result["client_ceiling_per_s"], result["client_ceiling_cpu"]
    lines.append(f"{'load generator':<16} {rate:>7.0f} {'':>7} {'':>7} {'':>7} {'':>6} | {cores:>8.2f} {'':>17} "
                 f"| {cores / rate * 1000 if rate else math.nan:>8.2f}")  # fmt: skip
    lines.append("  (the clients alone, on a bare POST that does no work: the most they can send here)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portfolio", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="timed window of each measurement")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--servers", default=",".join(SERVERS), help="ASGI servers to measure, comma-separated")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE",
        help="py-spy profile of the service, FILE-<server>.svg (flame graph) or .txt (collapsed stacks)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    servers = [s for s in args.servers.split(",") if s]
    admin_dsn, nats_url = os.environ.get("DATABASE_URL", ""), os.environ.get("NATS_URL", "")
    with tempfile.TemporaryDirectory(prefix="cdps-bench-servers-") as tmp:
        configure_logging(Settings(secret_key="-", data_dir=Path(tmp), log_level="WARNING"), "bench")  # the table only
        postgres = (
            EmbeddedPostgres(Path(tmp) / "postgres", durable=True, shared_buffers_mb=shared_buffers_mb())
            if not admin_dsn else None
        )  # fmt: skip
        nats = EmbeddedNats(Path(tmp) / "nats") if not nats_url else None
        try:
            admin_dsn = postgres.start() if postgres else admin_dsn
            nats_url = nats.start() if nats else nats_url
            result = asyncio.run(
                run(admin_dsn, nats_url, seconds=args.seconds, clients=args.clients, servers=servers,
                    profile=args.profile)
            )  # fmt: skip
        finally:
            if nats is not None:
                nats.stop()
            if postgres is not None:
                postgres.stop()
    print(table(result, servers, args.clients))
    return 0


if __name__ == "__main__":
    sys.exit(main())
