"""What the fault specifications run on: a three-node NATS JetStream cluster shared by the session,
and the services as real processes (``cdps serve``), each with its own log file to read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cdps.embedded import EmbeddedNatsCluster, free_port
from tests.helpers import SERVICE_START_SECONDS

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="session")
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedNatsCluster]:
    """Three nats-server processes on loopback, routed into one JetStream cluster. Never skipped:
    if it cannot start, every test that needs it fails."""
    cluster = EmbeddedNatsCluster(tmp_path_factory.mktemp("nats-cluster"))
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def whole_cluster(nats_cluster: EmbeddedNatsCluster) -> Iterator[EmbeddedNatsCluster]:
    """The shared cluster, with every node a test stopped started again afterwards."""
    yield nats_cluster
    for node in nats_cluster.nodes:
        if not node.running:
            nats_cluster.restart(node)


class ServiceProcess:
    """One service run as its operators run it, `cdps serve NAME`, logging JSON lines to a file."""

    def __init__(self, name: str, env: dict[str, str], logs: Path):
        self.name = name
        self.port = free_port()
        self.env = dict(env, **{f"CDPS_{name.upper()}_PORT": str(self.port)})
        self.log = logs / f"{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **overrides: str | None) -> ServiceProcess:
        env = dict(self.env)
        for variable, value in overrides.items():
            if value is None:
                env.pop(variable, None)
            else:
                env[variable] = value
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cdps", "serve", self.name],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return self

    def readiness(self) -> int | None:
        """/readyz's status, or None while nothing answers."""
        try:
            return httpx.get(f"{self.url}/readyz", timeout=3).status_code
        except httpx.HTTPError:
            return None

    def wait_ready(self, timeout: float = SERVICE_START_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while self.readiness() != 200:
            assert self.process is not None and self.process.poll() is None, (
                f"{self.name} exited with {self.process and self.process.returncode}:\n{self.output()[-3000:]}"
            )
            assert time.monotonic() < deadline, f"{self.name} not ready within {timeout} s:\n{self.output()[-3000:]}"
            time.sleep(0.1)

    def wait_exit(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def service_env(*, database_url: str, nats_url: str, namespace: str, secret_key: str, data_dir: Path,
                **extra: str) -> dict[str, str]:  # fmt: skip
    return dict(
        os.environ, DATABASE_URL=database_url, NATS_URL=nats_url, CDPS_NAMESPACE=namespace,
        CDPS_SECRET_KEY=secret_key, CDPS_DATA_DIR=str(data_dir), CDPS_LOG_FORMAT="json",
        CDPS_RELAY_POLL_SECONDS="0.2", **extra,
    )  # fmt: skip
