"""The running product: all five services as real processes, and a real SMTP server.

Shared by the end-to-end and browser specifications (one stack per test session).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from cdps.embedded import free_port
from shared.settings import Settings
from tests.conftest import create_database, drop_database
from tests.helpers import SERVICE_START_SECONDS, eventually

SERVICES = ("portfolio", "search", "notifier", "webhooks", "web")


class Inbox:
    """A real SMTP server (aiosmtpd) in the test process that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def wait_for(self, recipient: str, subject: str = "") -> list[EmailMessage]:
        """The emails to ``recipient`` (whose subject has ``subject``), once there is at least one."""

        async def arrived() -> list[EmailMessage]:
            return [m for m in self.messages if m["To"] == recipient and subject in str(m["Subject"])]

        return await eventually(arrived, timeout=30)  # through four services and a stream, on a busy machine

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message: Any = email.message_from_bytes(envelope.original_content or b"", policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


@dataclass
class Stack:
    settings: Settings
    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


def start_service(stack: Stack, name: str) -> None:
    stack.processes[name] = subprocess.Popen(
        [sys.executable, "-m", "cdps", "serve", name], env=stack.env, cwd=Path(__file__).parent.parent
    )


def wait_ready(stack: Stack, timeout: float = SERVICE_START_SECONDS) -> None:
    """Until every service answers ready."""
    deadline = time.monotonic() + timeout
    for name, url in stack.urls.items():
        while True:
            assert stack.processes[name].poll() is None, f"{name} exited with {stack.processes[name].returncode}"
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{name} not ready"
            time.sleep(0.1)


@pytest.fixture(scope="session")
async def stack(
    servers: tuple[str, str], template_database: str, inbox: Inbox, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    admin_dsn, nats_url = servers
    database_url = await create_database(admin_dsn, template_database)
    ports = {name: free_port() for name in SERVICES}
    namespace = f"e{uuid.uuid4().hex[:10]}"
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        NATS_URL=nats_url,
        SMTP_URL=f"smtp://127.0.0.1:{inbox.port}",  # type: ignore[attr-defined]
        CDPS_SECRET_KEY="e2e-" + uuid.uuid4().hex,
        CDPS_DATA_DIR=str(tmp_path_factory.mktemp("stack")),
        CDPS_NAMESPACE=namespace,
        CDPS_LOG_FORMAT="json",
        CDPS_RELAY_POLL_SECONDS="0.2",
        CDPS_SMTP_RATE="1000",  # the session's journeys share one notifier: 5/s pacing queued their emails
        CDPS_WEBHOOKS_ALLOW_PRIVATE="true",  # the journeys' webhook receivers listen on loopback
        **{f"CDPS_{name.upper()}_PORT": str(port) for name, port in ports.items()},
    )
    settings = Settings(
        database_url=database_url, nats_url=nats_url, secret_key=env["CDPS_SECRET_KEY"],
        data_dir=Path(env["CDPS_DATA_DIR"]), namespace=namespace,
    )  # fmt: skip
    stack = Stack(settings=settings, urls={n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, env=env)
    for name in SERVICES:
        start_service(stack, name)
    try:
        await asyncio.to_thread(wait_ready, stack)
        yield stack
    finally:
        for process in stack.processes.values():
            process.terminate()
        for process in stack.processes.values():
            process.wait(timeout=30)
        await drop_database(admin_dsn, database_url)
