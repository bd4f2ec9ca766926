"""`cdps run`: the whole product on one machine, for development and demos.

Starts what is not configured (embedded PostgreSQL, embedded NATS, the mail sink), migrates,
loads the demo portfolio the first time, then runs the five services as child processes. Ctrl-C
(or SIGTERM) stops the services first, then the servers: nothing is left running.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import asyncpg

from cdps.embedded import (
    EmbeddedNats,
    EmbeddedNatsCluster,
    EmbeddedPostgres,
    die_with_parent,
    free_port,
    port_is_free,
)
from cdps.runstate import RunLock, RunningStack
from cdps.services import SERVICES
from shared import db
from shared.settings import ConfigError, Settings

DATABASE = "cdps"
LISTENERS_PER_SERVICE = 3
"""The most LISTEN connections (shared/wakeup.py) one service opens beside its pool."""
DEV_SHARED_BUFFERS_MB = 32
"""`cdps run`'s PostgreSQL cache: the demo portfolio and a team's own data fit many times over, and
the operating system caches the files behind it. Every page of the cache a server has read stays
resident: a quarter of the memory (what `make bench` gives its servers) made the stack idle above
400 MB."""


def dev_postgres(pgdata: Path) -> EmbeddedPostgres:
    """The PostgreSQL `cdps run` starts (and `make bench` measures the stack's memory on): as many
    connections as the services' pools and listeners can open, and 20 for commands and a reindex
    beside them. Each allowed connection costs shared memory the server keeps resident from start."""
    connections = len(SERVICES) * (db.POOL_MAX_SIZE + LISTENERS_PER_SERVICE) + 20
    return EmbeddedPostgres(pgdata, shared_buffers_mb=DEV_SHARED_BUFFERS_MB, max_connections=connections)


async def ensure_database(admin_dsn: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()
    return admin_dsn.rsplit("/", 1)[0] + f"/{DATABASE}"


def check_ports(settings: Settings) -> None:
    wanted = {service.port_variable: service.port(settings) for service in SERVICES}
    if settings.smtp_url is None:
        wanted["CDPS_SMTP_SINK_PORT"] = settings.smtp_sink_port
    for variable, port in wanted.items():
        if not port_is_free(settings.host, port):
            raise ConfigError(f"port {port} ({variable}) is in use: stop what listens there or set {variable}")


def wait_ready(
    urls: dict[str, str], children: list[subprocess.Popen[bytes]], stopping: Callable[[], bool], timeout: float = 90
) -> None:
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline and not stopping():
        for child in children:
            if child.poll() is not None:
                raise ConfigError(f"{child.args!r} exited with code {child.returncode}")
        for name, url in list(pending.items()):
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:
                    if response.status == 200:
                        del pending[name]
            except OSError:
                pass
        time.sleep(0.2)
    if pending and not stopping():
        raise ConfigError(f"not ready after {timeout:.0f} s: {', '.join(pending)}")


def banner(web: str, mail: str | None) -> str:
    lines = [f"\nCDPS portfolio is running: {web}"]
    if mail is not None:
        lines.append(f"Mail sink (every email it sends): {mail}")
    lines += [
        "In another shell, in this folder, `.venv/bin/cdps users add ...` and the README's other commands",
        "find this run by themselves.",
        "(Ctrl-C stops everything)\n",
    ]
    return "\n".join(lines)


def run_stack(settings: Settings) -> int:
    lock = RunLock(settings.data_dir)
    lock.acquire()  # first: a second run on the same data folder would stop this one's servers
    try:
        return _run(settings, lock)
    finally:
        lock.release()


def _run(settings: Settings, lock: RunLock) -> int:
    check_ports(settings)
    data = settings.data_dir
    env = dict(os.environ, CDPS_DATA_DIR=str(data), CDPS_SECRET_KEY=settings.secret_key)
    # Whoever tries the product's webhooks has a receiver on this machine (http://127.0.0.1:…),
    # which an installation refuses: on the development stack it may be called, unless set otherwise.
    env.setdefault("CDPS_WEBHOOKS_ALLOW_PRIVATE", "true")
    children: list[subprocess.Popen[bytes]] = []
    postgres: EmbeddedPostgres | None = None
    nats: EmbeddedNats | EmbeddedNatsCluster | None = None
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    def spawn(*args: str) -> subprocess.Popen[bytes]:
        # Own session: a Ctrl-C reaches only us, and we stop the children in the right order.
        child = subprocess.Popen(
            [sys.executable, "-m", "cdps", *args],
            env=env, preexec_fn=die_with_parent, start_new_session=True,
        )  # fmt: skip
        children.append(child)
        return child

    try:
        if settings.database_url is None:
            postgres = dev_postgres(data / "postgres")
            env["DATABASE_URL"] = asyncio.run(ensure_database(postgres.start()))
            print(f"PostgreSQL (embedded)  {env['DATABASE_URL']}")
        if settings.nats_url is None and settings.nats_cluster > 1:
            nats = EmbeddedNatsCluster(data / f"nats-cluster-{settings.nats_cluster}", size=settings.nats_cluster)
            env["NATS_URL"] = nats.start()
            # As many copies of the stream as a majority can keep through the loss of a node.
            env.setdefault("CDPS_STREAM_REPLICAS", str(min(settings.nats_cluster, 3)))
            print(f"NATS JetStream (embedded, {settings.nats_cluster}-node cluster)  {env['NATS_URL']}")
        elif settings.nats_url is None:
            nats = EmbeddedNats(data / "nats")
            env["NATS_URL"] = nats.start()
            print(f"NATS JetStream (embedded)  {env['NATS_URL']}")
        if settings.smtp_url is None:
            smtp_port = free_port()
            env["SMTP_URL"] = f"smtp://127.0.0.1:{smtp_port}"
            spawn("mail-sink", "--smtp-port", str(smtp_port), "--http-port", str(settings.smtp_sink_port))
            print(f"Mail sink  {env['SMTP_URL']}  (read it at http://127.0.0.1:{settings.smtp_sink_port})")
        # In a child, as the seeding: the services' app modules (which hold their migrations) would
        # stay in this process's memory for as long as the stack runs.
        migrate = spawn("migrate")
        if migrate.wait() != 0:
            if stopping:
                return 0
            raise ConfigError(f"migrating failed (exit code {migrate.returncode}); see above")
        children.remove(migrate)
        marker = data / "demo-loaded"
        if not marker.exists():
            seed = spawn("seed", "--demo")
            if seed.wait() != 0:
                if stopping:
                    return 0
                raise ConfigError(f"loading the demo portfolio failed (exit code {seed.returncode}); see above")
            children.remove(seed)
            marker.touch()
        if stopping:  # Ctrl-C while migrating or seeding
            return 0
        for service in SERVICES:
            spawn("serve", service.name)
        urls: dict[str, str] = {s.name: f"http://{settings.host}:{s.port(settings)}" for s in SERVICES}
        wait_ready(urls, children, lambda: stopping)
        mail = f"http://127.0.0.1:{settings.smtp_sink_port}" if settings.smtp_url is None else None
        lock.publish(RunningStack(
            pid=os.getpid(), database_url=env["DATABASE_URL"], nats_url=env["NATS_URL"],
            smtp_url=env.get("SMTP_URL"), web_url=urls["web"], mail_url=mail,
        ))  # fmt: skip
        if not stopping:
            print(banner(urls["web"], mail), flush=True)
        while not stopping:
            if any(child.poll() is not None for child in children):
                print("a service stopped unexpectedly; stopping everything", file=sys.stderr)
                return 1
            time.sleep(0.3)
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if nats is not None:
            nats.stop()
        if postgres is not None:
            postgres.stop()
        print("stopped", file=sys.stderr)
