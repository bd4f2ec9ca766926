"""On a three-node JetStream cluster the product keeps its stream's three replicas, survives the
loss of any one node (the stream's leader included) without losing or repeating an event, and
starts while part of the cluster is down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from cdps.embedded import EmbeddedNats, EmbeddedNatsCluster
from shared.settings import Settings
from tests.cluster import ServiceProcess, service_env
from tests.helpers import SERVICE_START_SECONDS, auth, eventually, stream_events

pytestmark = pytest.mark.faults


@pytest.fixture
def env(whole_cluster: EmbeddedNatsCluster, settings: Settings) -> dict[str, str]:
    """The services' environment: this test's database and namespace, the whole cluster, three replicas."""
    return service_env(
        database_url=settings.database_url or "", nats_url=whole_cluster.url, namespace=settings.namespace,
        secret_key=settings.secret_key, data_dir=settings.data_dir, CDPS_STREAM_REPLICAS="3",
        CDPS_ACK_WAIT_SECONDS="5",  # messages acked to a killed leader come back within seconds
    )  # fmt: skip


@pytest.fixture
def services(env: dict[str, str], tmp_path: Path) -> Iterator[dict[str, ServiceProcess]]:
    started = {name: ServiceProcess(name, env, tmp_path) for name in ("portfolio", "search", "notifier")}
    try:
        yield started
    finally:
        for service in started.values():
            service.stop()


@pytest.fixture
async def js(whole_cluster: EmbeddedNatsCluster) -> AsyncIterator[JetStreamContext]:
    nc: NATS = await nats.connect(
        servers=whole_cluster.url.split(","), max_reconnect_attempts=-1, reconnect_time_wait=0.2
    )
    try:
        yield nc.jetstream(timeout=2)
    finally:
        await nc.close()


def start_all(services: dict[str, ServiceProcess], **overrides: str | None) -> None:
    for service in services.values():
        service.start(**overrides)
    for service in services.values():
        service.wait_ready()


async def replicas(js: JetStreamContext, settings: Settings) -> dict[str, int]:
    """How many copies the cluster keeps of the stream and of each durable consumer."""
    counts: dict[str, int] = {}

    async def stream_replicas() -> int | None:
        try:
            return (await js.stream_info(settings.stream_name)).config.num_replicas
        except (TimeoutError, nats.errors.Error):  # the cluster's API answers slowly while it settles
            return None

    counts["stream"] = await eventually(stream_replicas, timeout=15)
    for consumer in ("search", "notifier"):

        async def peers(name: str = consumer) -> int | None:
            return await consumer_peers(js, settings, name)

        counts[consumer] = await eventually(peers, timeout=15)
    return counts


async def consumer_peers(js: JetStreamContext, settings: Settings, consumer: str) -> int | None:
    """The servers holding a copy of a durable consumer, once it has a leader (None until then:
    while a new consumer elects one, NATS lists every peer, the leader to be included, as a replica)."""
    try:
        info = await js.consumer_info(settings.stream_name, settings.durable_name(consumer))
    except (TimeoutError, nats.errors.Error):  # the cluster's API answers slowly while it settles
        return None
    if info.cluster is None or not info.cluster.leader:
        return None
    return len({info.cluster.leader, *(peer.name for peer in info.cluster.replicas or [])})


async def stream_leader(js: JetStreamContext, settings: Settings, cluster: EmbeddedNatsCluster) -> EmbeddedNats:
    async def leader() -> str | None:
        try:
            info = await js.stream_info(settings.stream_name)
        except (TimeoutError, nats.errors.Error):
            return None
        return info.cluster.leader if info.cluster else None

    return cluster.node(await eventually(leader, timeout=30))


async def test_the_stream_and_consumers_keep_three_replicas_across_every_service_restart(
    services: dict[str, ServiceProcess], js: JetStreamContext, settings: Settings
) -> None:
    await asyncio.to_thread(start_all, services)
    assert await replicas(js, settings) == {"stream": 3, "search": 3, "notifier": 3}
    for service in services.values():
        service.stop()
    # Restarted without the setting (as after a configuration mistake): nothing is scaled down.
    await asyncio.to_thread(start_all, services, CDPS_STREAM_REPLICAS=None)
    assert await replicas(js, settings) == {"stream": 3, "search": 3, "notifier": 3}


async def test_killing_the_stream_leader_during_writes_loses_nothing_and_work_resumes_within_seconds(
    services: dict[str, ServiceProcess], js: JetStreamContext, settings: Settings, whole_cluster: EmbeddedNatsCluster
) -> None:
    portfolio, search = services["portfolio"], services["search"]
    for service in (portfolio, search):
        service.start()
    await asyncio.to_thread(portfolio.wait_ready)
    await asyncio.to_thread(search.wait_ready)
    conn = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=3)  # the watchers read at once
    writes, kill_after = 60, 20
    slugs = [f"failover-{i}" for i in range(writes)]
    resumed: dict[str, float] = {}

    async def published() -> int:
        return int(await conn.fetchval("SELECT count(*) FROM portfolio.events WHERE published_at IS NOT NULL"))

    async def indexed() -> int:
        return int(await conn.fetchval("SELECT count(*) FROM search.aggregates"))

    async def watch(what: str, count: Callable[[], Awaitable[int]], since: float) -> None:
        before = await count()
        while await count() <= before:
            await asyncio.sleep(0.05)
        resumed[what] = time.monotonic() - since

    try:
        async with httpx.AsyncClient(base_url=portfolio.url, headers=auth(settings, "lead")) as client:
            watchers = []
            for i, slug in enumerate(slugs):
                if i == kill_after:
                    await eventually(lambda: _at_least(indexed, kill_after // 2), timeout=30)
                    leader = await stream_leader(js, settings, whole_cluster)
                    leader.kill()  # kill -9 of the node that leads the stream
                    killed_at = time.monotonic()
                    watchers = [asyncio.create_task(watch("publishing", published, killed_at)),
                                asyncio.create_task(watch("indexing", indexed, killed_at))]  # fmt: skip
                response = await client.post(
                    "/api/v1/projects", json={"slug": slug, "title_en": slug, "title_cy": slug}
                )
                assert response.status_code == 201, response.text  # the outbox takes writes whatever NATS does
                await asyncio.sleep(0.05)
            await asyncio.wait_for(asyncio.gather(*watchers), timeout=60)
            print(f"after killing the stream leader: publishing resumed in {resumed['publishing']:.1f} s, "
                  f"indexing in {resumed['indexing']:.1f} s")  # fmt: skip

        await eventually(lambda: _at_least(published, writes), timeout=60)
        await eventually(lambda: _at_least(indexed, writes), timeout=60)
        events = await stream_events(js, settings)
        assert sorted(e.data["project"]["slug"] for e in events) == sorted(slugs)  # each stored once, none lost
        assert len({e.id for e in events}) == writes
        assert await conn.fetchval("SELECT count(*) FROM search.dead_letters") == 0
        assert await indexed() == writes
        assert portfolio.readiness() == search.readiness() == 200  # on two nodes of three
    finally:
        await conn.close()


async def _at_least(count: Callable[[], Awaitable[int]], wanted: int) -> bool:
    return await count() >= wanted


async def test_a_service_started_while_the_stream_has_no_quorum_starts_not_ready_and_becomes_ready(
    services: dict[str, ServiceProcess], js: JetStreamContext, settings: Settings, whole_cluster: EmbeddedNatsCluster
) -> None:
    search = services["search"].start()
    await asyncio.to_thread(search.wait_ready)
    search.stop()
    down = [node for node in whole_cluster.nodes if node is not whole_cluster.nodes[0]]
    for node in down:  # two of three: the stream cannot elect a leader
        node.kill()
    notifier = services["notifier"].start()
    search.start()

    async def answering_not_ready() -> bool:
        return notifier.readiness() == search.readiness() == 503

    await eventually(answering_not_ready, timeout=SERVICE_START_SECONDS)  # both processes start first
    for node in down:
        whole_cluster.restart(node)
    await asyncio.to_thread(notifier.wait_ready)
    await asyncio.to_thread(search.wait_ready)


async def test_a_service_started_with_one_node_down_becomes_ready(
    services: dict[str, ServiceProcess], js: JetStreamContext, settings: Settings, whole_cluster: EmbeddedNatsCluster
) -> None:
    portfolio = services["portfolio"].start()
    await asyncio.to_thread(portfolio.wait_ready)
    (await stream_leader(js, settings, whole_cluster)).kill()
    notifier = services["notifier"].start()  # NATS_URL lists the dead node too
    await asyncio.to_thread(notifier.wait_ready)
    assert notifier.process is not None and notifier.process.poll() is None


async def test_a_service_refuses_to_start_with_one_line_when_the_cluster_cannot_keep_the_replicas_asked_for(
    env: dict[str, str], tmp_path: Path
) -> None:
    search = ServiceProcess("search", dict(env, CDPS_STREAM_REPLICAS="5"), tmp_path).start()
    assert search.wait_exit() != 0
    assert "cannot keep 5 replicas" in search.output()
    assert "Traceback" not in search.output()
