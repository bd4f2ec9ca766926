"""What the benchmark runs against: the servers, fresh databases, service processes, an SMTP sink.

PostgreSQL is started durable (fsync on, as in production) and NATS with fsync before every ack,
exactly as ``cdps run`` starts them, unless DATABASE_URL / NATS_URL point at servers of your own.
Every service runs as its own process (``python -m cdps serve NAME``), configured only by
environment variables, as tests/stack.py and production do. Children die with the benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats.js.errors
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from cdps.devstack import dev_postgres
from cdps.embedded import EmbeddedNats, EmbeddedPostgres, die_with_parent, free_port, shared_buffers_mb
from shared import bus

ROOT = Path(__file__).resolve().parent.parent


class Servers:
    """PostgreSQL and NATS for the run: embedded under `root`, or the ones the environment names.

    Embedded, PostgreSQL gets a quarter of the machine's memory for its cache, as a server of its
    own would (with the 128 MB default the search index does not stay in memory), unless
    ``like_cdps_run``: then both servers are sized as `cdps run` starts them (the product stage,
    whose idle memory is the embedded default's figure)."""

    def __init__(self, root: Path, *, like_cdps_run: bool = False):
        self.root = root
        self.like_cdps_run = like_cdps_run
        self._postgres: EmbeddedPostgres | None = None
        self._nats: EmbeddedNats | None = None
        self._loading_nats: EmbeddedNats | None = None
        self.admin_dsn = os.environ.get("DATABASE_URL", "")
        self.nats_url = os.environ.get("NATS_URL", "")
        self.databases: list[str] = []
        self.namespaces: list[str] = []

    def start(self) -> None:
        if not self.admin_dsn:
            pgdata = self.root / "postgres"
            self._postgres = (
                dev_postgres(pgdata) if self.like_cdps_run
                else EmbeddedPostgres(pgdata, durable=True, shared_buffers_mb=shared_buffers_mb())
            )  # fmt: skip
            self.admin_dsn = self._postgres.start()
        if not self.nats_url:
            self._nats = EmbeddedNats(self.root / "nats")
            self.nats_url = self._nats.start()

    def loading_nats_url(self, name: str) -> str:
        """Where a generated stream is loaded: with embedded servers, a NATS of its own (its store
        under `root`/`name`) that leaves fsync to its interval. The stream is generated again at will,
        so an fsync for each of its events while loading it would only cost minutes of the run. With
        NATS_URL set, that server."""
        if self._nats is None:
            return self.nats_url
        if self._loading_nats is None:
            self._loading_nats = EmbeddedNats(self.root / name, durable=False)
            self._loading_nats.start()
        return self._loading_nats.url

    def loaded_nats_made_durable(self) -> str:
        """The loading server restarted on its store and ports with fsync before every ack, as
        `cdps run`'s: what then reads and acks the stream is measured as on the durable server."""
        loading = self._loading_nats
        if loading is None:
            return self.nats_url
        loading.stop()
        self._loading_nats = EmbeddedNats(loading.store, port=loading.port, monitor_port=loading.monitor_port)
        return self._loading_nats.start()

    def stop_loading_nats(self) -> None:
        """A loaded stream is read once; its server (and the memory it holds) goes as soon as it is."""
        if self._loading_nats is not None:
            self._loading_nats.stop()
            self._loading_nats = None

    def stop(self) -> None:
        self.stop_loading_nats()
        if self._nats is not None:
            self._nats.stop()
        if self._postgres is not None:
            self._postgres.stop()

    async def release(self) -> None:
        """Stop what we started; on servers of your own, drop what we made there."""
        if not self.embedded:
            await self.clean_up()
        self.stop()

    @property
    def embedded(self) -> bool:
        return self._postgres is not None

    def dsn_for(self, database: str) -> str:
        return self.admin_dsn.rsplit("/", 1)[0] + f"/{database}"

    async def create_database(self, prefix: str) -> str:
        """A database made from scratch for one measurement; dropped by drop_databases()."""
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        self.databases.append(name)
        return self.dsn_for(name)

    def namespace(self) -> str:
        """A fresh NATS namespace: its own stream, subjects and consumers, even on a shared server."""
        space = f"b{uuid.uuid4().hex[:10]}"
        self.namespaces.append(space)
        return space

    async def clean_up(self) -> None:
        """On servers we did not start, leave nothing behind: our databases and streams go."""
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            for name in self.databases:
                await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await conn.close()
        nc = await bus.connect(self.nats_url, name="bench-clean-up")
        try:
            js = nc.jetstream()
            for space in self.namespaces:
                with contextlib.suppress(nats.js.errors.NotFoundError):
                    await js.delete_stream(f"{space.upper()}_PORTFOLIO")
        finally:
            await nc.close()


def service_env(
    *, database_url: str, nats_url: str, secret: str, data_dir: Path, space: str, ports: dict[str, int], smtp_port: int
) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        NATS_URL=nats_url,
        SMTP_URL=f"smtp://127.0.0.1:{smtp_port}",
        CDPS_SECRET_KEY=secret,
        CDPS_DATA_DIR=str(data_dir),
        CDPS_NAMESPACE=space,
        # Production's format; written to a file, so the benchmark's own output stays readable.
        CDPS_LOG_FORMAT="json",
        **{f"CDPS_{name.upper()}_PORT": str(port) for name, port in ports.items()},
        **{f"CDPS_{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in ports.items() if name != "web"},
    )


class Process:
    """A child process (a service or an ASGI server) with its log in a file."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path, port: int):
        self.name = name
        self.port = port
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                list(argv), env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def wait_ready(self, path: str = "/readyz", within: float = 90) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.popen.poll() is not None:
                    tail = self.log.read_text(errors="replace")[-3000:]
                    raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; its log:\n{tail}")
                try:
                    if (await client.get(self.url + path)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} was not ready within {within} s; see {self.log}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_service(name: str, env: dict[str, str], logs: Path) -> Process:
    port = int(env[f"CDPS_{name.upper()}_PORT"])
    return Process(name, [sys.executable, "-m", "cdps", "serve", name], env, logs / f"{name}.log", port)


async def start_services(names: Sequence[str], env: dict[str, str], logs: Path) -> dict[str, Process]:
    processes = {name: start_service(name, env, logs) for name in names}
    try:
        await asyncio.gather(*(p.wait_ready() for p in processes.values()))
    except BaseException:
        stop_all(processes.values())
        raise
    return processes


def stop_all(processes: Any) -> None:
    for process in processes:
        process.stop()


class Sink:
    """A local SMTP server (aiosmtpd) in this process: notes when each message was handed over.

    The time is taken when the DATA command completes, i.e. when the notifier has handed the email
    to SMTP, keyed by the Message-ID the notifier sets (its delivery id).
    """

    def __init__(self) -> None:
        self.received: dict[str, float] = {}
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def port(self) -> int:
        port: int = self._controller.port
        return port

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        arrived = time.monotonic()
        content = envelope.original_content or b""
        message_id = ""
        for line in content.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip().strip(b"<>").split(b"@", 1)[0].decode()
        with self._lock:
            self.received[message_id or f"unknown-{len(self.received)}"] = arrived
        return "250 OK"

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def arrivals(self) -> dict[str, float]:
        with self._lock:
            return dict(self.received)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
