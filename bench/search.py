"""Search: the rebuild of the large generated corpus, query latency on it, and live indexing.

The corpus (the issue's 10,000 projects and 1,000,000 events) is published to a stream the way the
outbox relay publishes, then indexed by `cdps search reindex`'s own function, timed in this
process: the rebuild figure, and the index the queries then run on.

Query latency is measured through the search service's HTTP API (a real `cdps serve search`
process, on its own empty stream so that it only answers), one client at a time, over a fixed mix
of queries: English and Welsh words, mutated place names, phrases, typos, filters and facets, as
the public and as staff. Beside it, the floor: PostgreSQL alone counting the same matches.

Live indexing: a smaller stream is published, then a search service starts; the rate is read from
the consumer's recorded position while it catches up.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

from bench.corpus import Size, envelopes
from bench.load import Latencies, build_request, each_once, poll_until, rss_mb
from bench.publisher import can_publish_raw, publish_raw
from bench.servers import Servers, service_env, start_services, stop_all
from cdps.embedded import free_port
from services.search.app import MIGRATIONS
from services.search.reindex import reindex
from services.search.store import Statement, words_matching
from shared.events import encode
from shared.identity import Identity, sign
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings

QUERY_TIMEOUT = 10.0
"""Seconds after which a query counts as failed (nobody waits longer for a search box)."""
QUERIES: list[dict[str, str]] = [
    {"q": "prescriptions"},
    {"q": "flood warnings"},
    {"q": "Caerdydd"},
    {"q": "yng Nghaerdydd"},
    {"q": "trwyddedau pysgota"},
    {"q": "gofalwyr ifanc"},
    {"q": "user research"},
    {"q": "school admissions Swansea"},
    {"q": "presciptions"},  # a typo: the trigram match has to find it
    {"q": "Abertawee"},
    {"q": "forms", "kind": "project", "phase": "public_beta"},
    {"q": "", "kind": "project", "tag": "cloud"},
    {"q": "accessibility audit", "kind": "update"},
    {"q": "Ynys Môn"},
    {"q": "bathodynnau glas", "health": "red"},
]


def query_requests(port: int, secret: str) -> list[bytes]:
    """The mix as the public, then as staff (who also see partner-only and internal records), so that a
    run that only has time for part of it still covers every query once."""
    staff = {"Authorization": f"Bearer {sign(Identity(sub='bench-lead', role='lead'), secret, lifetime=3600)}"}
    paths = [f"/api/v1/search?{urlencode(query)}" for query in QUERIES]
    return [build_request("127.0.0.1", port, path) for path in paths] + [
        build_request("127.0.0.1", port, path, staff) for path in paths
    ]


async def build_corpus(servers: Servers, root: Path, *, size: Size) -> tuple[str, dict[str, float]]:
    """Publish the corpus, then rebuild the search index from it; returns the database and the figures."""
    dsn = await servers.create_database("bench_search")
    nats_url = servers.loading_nats_url("nats-corpus")
    settings = Settings(
        database_url=dsn, nats_url=nats_url, secret_key="bench", data_dir=root, namespace=servers.namespace()
    )
    runtime = await start_runtime("search", settings, MIGRATIONS)
    try:
        began = time.perf_counter()
        # No message ids: they would only fill the server's duplicate window (a million of them).
        events = await publish(runtime, settings, size, msg_ids=False)
        published = time.perf_counter() - began
        began = time.perf_counter()
        rebuilt = await reindex(runtime)
        seconds = time.perf_counter() - began
        documents = await runtime.pool.fetchval("SELECT count(*) FROM documents")
    finally:
        await stop_runtime(runtime, [])
        servers.stop_loading_nats()
    return dsn, {
        "events": float(events), "publish_events_per_s": events / published, "rebuild_seconds": seconds,
        "rebuild_events_per_s": rebuilt / seconds, "documents": float(documents),
    }  # fmt: skip


async def publish(runtime: Runtime, settings: Settings, size: Size, *, msg_ids: bool = True) -> int:
    """The generated history, published as the outbox relay publishes (one message id per event, unless
    `msg_ids` is false), through the lean publisher where the server allows (bench/publisher.py)."""
    url = settings.nats_url or ""
    if can_publish_raw(url):
        messages = ((settings.subject_for(e.type), encode(e), str(e.id)) for e in envelopes(size))
        return await publish_raw(url, messages, msg_ids=msg_ids)
    count = 0
    for envelope in envelopes(size):
        await runtime.js.publish_async(
            settings.subject_for(envelope.type), encode(envelope), stream=settings.stream_name,
            headers={"Nats-Msg-Id": str(envelope.id)},
        )  # fmt: skip
        count += 1
    await runtime.js.publish_async_completed()
    return count


async def query_latency(servers: Servers, root: Path, *, dsn: str, seconds: float, smtp_port: int) -> dict[str, float]:
    secret = "bench-" + uuid.uuid4().hex
    port = free_port()
    env = service_env(
        database_url=dsn, nats_url=servers.nats_url, secret=secret, data_dir=root / "search",
        space=servers.namespace(), ports={"search": port}, smtp_port=smtp_port,
    )  # fmt: skip
    processes = await start_services(["search"], env, root / "logs")
    try:
        measured = await timed_queries(dsn, port, query_requests(port, secret), budget=seconds)
        floor = await counting_floor(dsn, rounds=3)
        return {**measured, **floor, "rss_mb": rss_mb(psutil.Process(processes["search"].pid))}
    finally:
        stop_all(processes.values())


async def counting_floor(dsn: str, *, rounds: int) -> dict[str, float]:
    """PostgreSQL alone counting each query's matches as the public and as staff: the least any
    search with exact totals and facets can cost here, with none of our code in the way."""
    conn = await asyncpg.connect(dsn, server_settings={"search_path": "search,public"})
    latencies = Latencies()
    try:
        for _ in range(rounds):
            for query in QUERIES:
                text = query["q"].strip()
                if not text:
                    continue
                for visibility in ("d.visibility = 'public'", "true"):
                    started = time.perf_counter()
                    statement = Statement()
                    matches = words_matching(text, statement.param)  # as the search service matches
                    sql = f"SELECT count(*) FROM documents d WHERE {visibility} AND {matches}"
                    await conn.fetchval(sql, *statement.values)
                    latencies.values.append(time.perf_counter() - started)
    finally:
        await conn.close()
    return {f"floor_{key}": value for key, value in latencies.summary().items()}


async def timed_queries(dsn: str, port: int, requests: list[bytes], *, budget: float) -> dict[str, float]:
    """The mix in order, one query at a time, until the time budget is spent (at least one query).

    A query slower than QUERY_TIMEOUT counts as that long (so the percentiles are lower bounds) and is
    cancelled in PostgreSQL: left running, it would slow every later query on a small machine.
    """
    latencies = Latencies()
    timeouts = errors = 0
    began = time.monotonic()
    sent = 0
    while sent == 0 or time.monotonic() - began < budget:
        request = requests[sent % len(requests)]
        sent += 1
        started = time.perf_counter()
        try:
            answer, failed = await asyncio.wait_for(each_once("127.0.0.1", port, [request]), QUERY_TIMEOUT)
            latencies.values += answer.values
            errors += failed
        except TimeoutError:
            timeouts += 1
            latencies.values.append(time.perf_counter() - started)
            await cancel_search_queries(dsn)
    return {
        **latencies.summary(), "queries": float(sent), "timeouts": float(timeouts),
        "errors": float(errors), "mix": float(len(requests)),
    }  # fmt: skip


async def cancel_search_queries(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(
            """SELECT pg_cancel_backend(pid) FROM pg_stat_activity
               WHERE datname = current_database() AND application_name = 'cdps-search' AND state = 'active'"""
        )
    finally:
        await conn.close()


async def _position(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT stream_seq FROM search.consumer_state WHERE consumer = 'search'") or 0)


async def live_indexing(
    servers: Servers, root: Path, *, size: Size, smtp_port: int, within: float = 120
) -> dict[str, float]:
    """Publish `size` events, then let a search service index them live (on the durable server:
    its acks are what is measured, the loading is not)."""
    dsn = await servers.create_database("bench_live")
    space, secret = servers.namespace(), "bench-" + uuid.uuid4().hex
    settings = Settings(
        database_url=dsn, nats_url=servers.loading_nats_url("nats-live"), secret_key=secret, data_dir=root,
        namespace=space,
    )  # fmt: skip
    runtime = await start_runtime("search", settings, MIGRATIONS)
    try:
        # Published before the service starts, so the live rate is the consumer's, not the publisher's.
        count = await publish(runtime, settings, size)
        last = (await runtime.js.stream_info(settings.stream_name)).state.last_seq
    finally:
        await stop_runtime(runtime, [])
    env = service_env(
        database_url=dsn, nats_url=servers.loaded_nats_made_durable(), secret=secret, data_dir=root / "live",
        space=space, ports={"search": free_port()}, smtp_port=smtp_port,
    )  # fmt: skip
    processes = await start_services(["search"], env, root / "logs")
    try:
        conn = await asyncpg.connect(dsn)
        try:
            # From the first position the consumer records to the last: the service's start-up is left out.
            seen: list[int] = []

            async def reached(target: int) -> bool:
                seen.append(await _position(conn))
                return seen[-1] >= target

            await poll_until(lambda: reached(1), within=within, interval=0.01)
            first, began = seen[-1], time.monotonic()
            await poll_until(lambda: reached(last), within=within, interval=0.05)
            position = seen[-1]
            live_seconds = time.monotonic() - began
        finally:
            await conn.close()
    finally:
        stop_all(processes.values())
        servers.stop_loading_nats()
    return {
        "events": float(count),
        "index_events_per_s": (position - first) / live_seconds if live_seconds > 0 else float("nan"),
        "index_complete": float(position >= last),
    }
