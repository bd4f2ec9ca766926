"""Nothing assumes one replica: two of each service share one stream and one database, and every
event is published once, in order, and applied once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from cdps.embedded import free_port
from shared.settings import Settings
from tests.conftest import create_database, drop_database
from tests.helpers import auth, eventually, stream_events
from tests.stack import Inbox

REPLICATED = ("portfolio", "portfolio", "search", "search", "notifier", "notifier")


class Replicas:
    def __init__(self, settings: Settings, urls: list[tuple[str, str]], processes: list[subprocess.Popen[bytes]]):
        self.settings = settings
        self.urls = urls
        self.processes = processes

    def of(self, service: str) -> list[str]:
        return [url for name, url in self.urls if name == service]


@pytest.fixture
async def replicas(
    servers: tuple[str, str], template_database: str, tmp_path: Path, inbox: Inbox
) -> AsyncIterator[Replicas]:
    admin_dsn, nats_url = servers
    database_url = await create_database(admin_dsn, template_database)
    settings = Settings(database_url=database_url, nats_url=nats_url, secret_key=uuid.uuid4().hex, data_dir=tmp_path,
                        namespace=f"r{uuid.uuid4().hex[:10]}")  # fmt: skip
    urls, processes = [], []
    for name in REPLICATED:
        port = free_port()
        env = dict(os.environ, DATABASE_URL=database_url, NATS_URL=nats_url, CDPS_SECRET_KEY=settings.secret_key,
                   CDPS_DATA_DIR=str(tmp_path), CDPS_NAMESPACE=settings.namespace, CDPS_RELAY_POLL_SECONDS="0.2",
                   SMTP_URL=f"smtp://127.0.0.1:{inbox.port}", CDPS_SMTP_RATE="1000",  # type: ignore[attr-defined]
                   **{f"CDPS_{name.upper()}_PORT": str(port)})  # fmt: skip
        processes.append(subprocess.Popen([sys.executable, "-m", "cdps", "serve", name], env=env))
        urls.append((name, f"http://127.0.0.1:{port}"))
    try:
        async with httpx.AsyncClient() as client:
            for _, url in urls:

                async def ready(url: str = url) -> bool:
                    try:
                        return (await client.get(f"{url}/readyz")).status_code == 200
                    except httpx.HTTPError:
                        return False

                await eventually(ready, timeout=180)  # six processes start at once on two cores
        yield Replicas(settings, urls, processes)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        await drop_database(admin_dsn, database_url)


async def applied_by(client: httpx.AsyncClient, url: str) -> float:
    metrics = (await client.get(f"{url}/metrics")).text
    match = re.search(r'^cdps_consumer_applied_total\{consumer="search"\} (\S+)$', metrics, re.MULTILINE)
    return float(match[1]) if match else 0.0


async def test_two_replicas_of_each_service_publish_in_order_and_apply_every_event_once(
    replicas: Replicas, inbox: Inbox
) -> None:
    lead = auth(replicas.settings, "lead")
    follower = f"replicas-{uuid.uuid4().hex[:8]}@cdps.example"
    async with httpx.AsyncClient() as client:
        followed = await client.post(f"{replicas.of('notifier')[0]}/api/v1/me/subscriptions",
                                     headers=auth(replicas.settings, "lead", email=follower),
                                     json={"email": follower, "language": "en"})  # fmt: skip
        assert followed.status_code == 201, followed.text
    today = dt.date.today().isoformat()
    portfolio = replicas.of("portfolio")
    async with httpx.AsyncClient(timeout=10) as client:

        async def lifecycle(n: int) -> None:
            # Alternate replicas so that both relays have events of the same project to publish.
            created = await client.post(f"{portfolio[n % 2]}/api/v1/projects", headers=lead,
                                        json={"slug": f"replica-{n}", "title_en": f"Replica {n}", "title_cy": f"Copi {n}"})  # fmt: skip
            assert created.status_code == 201, created.text
            project, etag = created.json(), created.headers["etag"]
            for step, phase in enumerate(("alpha", "private_beta")):
                moved = await client.post(
                    f"{portfolio[(n + step + 1) % 2]}/api/v1/projects/{project['id']}/phase",
                    json={"kind": "advance", "to_phase": phase, "effective": today, "gate_override_reason": "A test of replicas"},
                    headers={**lead, "If-Match": etag},
                )  # fmt: skip
                assert moved.status_code == 200, moved.text
                etag = moved.headers["etag"]

        await asyncio.gather(*(lifecycle(n) for n in range(20)))
        conn = await asyncpg.connect(replicas.settings.database_url)
        try:

            async def all_published() -> bool:
                return bool(
                    await conn.fetchval("SELECT count(*) FROM portfolio.events WHERE published_at IS NULL") == 0
                )

            await eventually(all_published, timeout=30)

            async def all_indexed() -> bool:
                return bool(await conn.fetchval("SELECT count(*) FROM search.aggregates WHERE aggregate_seq = 3") == 20)

            await eventually(all_indexed, timeout=30)
            nc = await nats.connect(replicas.settings.nats_url or "")
            try:
                published = await stream_events(nc.jetstream(), replicas.settings)
            finally:
                await nc.close()
            assert len(published) == 60 and len({e.id for e in published}) == 60
            for aggregate in {e.aggregate_id for e in published}:
                assert [e.aggregate_seq for e in published if e.aggregate_id == aggregate] == [1, 2, 3]
            applied = [await applied_by(client, url) for url in replicas.of("search")]
            assert sum(applied) == 60  # each event applied by exactly one replica
            # Each project's own document is at its last phase (the gate reasons have documents of their own).
            projects_at = "SELECT count(*) FROM search.documents WHERE kind = 'project' AND phase = 'private_beta'"
            assert await conn.fetchval(projects_at) == 20

            def emails() -> list[str]:
                return [str(m["Subject"]) for m in inbox.messages if m["To"] == follower]

            async def all_sent() -> bool:
                sent = await conn.fetchval(
                    "SELECT count(*) FROM notifier.deliveries WHERE recipient = $1 AND status = 'sent'", follower
                )
                return bool(sent == 60)

            await eventually(all_sent, timeout=60)
            assert len(emails()) == 60
            ids = [m["Message-ID"] for m in inbox.messages if m["To"] == follower]
            assert len(set(ids)) == 60  # no email sent twice
        finally:
            await conn.close()
