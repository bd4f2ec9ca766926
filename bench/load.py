"""Load generation and statistics: a lean HTTP/1.1 keep-alive client and percentiles.

Why not httpx for the closed-loop load: on a 2-core machine the client shares the CPU with the
server, and httpx spends several times more CPU per request than a bare Litestar app does to
answer it, so the "ceiling" would measure the client. This client writes a prepared request and
reads exactly one response per round trip on raw asyncio streams, which keeps the client's share
small. Every request is checked for its status, so an error page never counts as throughput.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import psutil  # type: ignore[import-untyped]  # no stubs in the lock file


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Latencies:
    """Latencies in seconds; summaries in milliseconds (what people read)."""

    values: list[float] = field(default_factory=list)

    def summary(self, prefix: str = "") -> dict[str, float]:
        return {
            f"{prefix}p50_ms": percentile(self.values, 50) * 1000,
            f"{prefix}p95_ms": percentile(self.values, 95) * 1000,
            f"{prefix}p99_ms": percentile(self.values, 99) * 1000,
        }


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies: Latencies
    client_cpu: float
    """Share of one core the load generator used: near 1.0 means the client, not the server, was the limit."""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "rps": self.rps,
            "errors": float(self.errors),
            "client_cpu": self.client_cpu,
            **self.latencies.summary(),
        }


async def poll_until(check: Callable[[], Awaitable[bool]], *, within: float, interval: float) -> bool:
    """Poll outside state (a table, a counter) until `check` holds; False if it did not in time."""
    deadline = time.monotonic() + within
    while True:
        if await check():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(interval)


class HttpError(Exception):
    pass


def build_request(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept-Encoding: identity"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass
class Answer:
    """One response: its status, its headers (names lower-cased) and its body."""

    status: int
    headers: dict[bytes, bytes]
    body: bytes


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    """Read one response. Handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head[:-4].partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    headers: dict[bytes, bytes] = {}
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append((await reader.readexactly(size + 2))[:-2])  # the chunk without its CRLF
            if size == 0:
                break
        return Answer(status, headers, b"".join(chunks))
    if b"content-length" not in headers:
        raise HttpError("response without Content-Length or chunked encoding")
    length = int(headers[b"content-length"])
    return Answer(status, headers, await reader.readexactly(length) if length else b"")


async def _read_response(reader: asyncio.StreamReader) -> int:
    return (await read_answer(reader)).status


class Connection:
    """One keep-alive HTTP/1.1 connection for a driver that makes each request from the last answer
    (the phase changes send the ETag they were given): as cheap per request as ``closed_loop``."""

    def __init__(self, host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._host = f"{host}:{port}"
        self._reader, self._writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(host, port, reader, writer)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return await read_answer(self._reader)

    def close(self) -> None:
        self._writer.close()


async def _client(
    host: str,
    port: int,
    requests: Sequence[bytes],
    offset: int,
    until: float,
    measure_from: float,
    latencies: list[float],
    counts: list[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = offset
    measured = 0
    try:
        while True:
            started = time.perf_counter()
            # Each client counts at least one answer: on a busy machine a slow page may take longer
            # than a short window, which would otherwise leave the figure unmeasured.
            if started >= until and measured:
                return
            writer.write(requests[index % len(requests)])
            index += 1
            status = await _read_response(reader)
            done = time.perf_counter()
            if started < measure_from:
                continue  # warm-up: connections, caches and JITs settle before we count
            measured += 1
            if status == 200:
                latencies.append(done - started)
                counts[0] += 1
            else:
                counts[1] += 1
    finally:
        writer.close()


async def closed_loop(
    host: str, port: int, requests: Sequence[bytes], *, clients: int, seconds: float, warmup: float | None = None
) -> LoadResult:
    """`clients` connections each send the next request as soon as the last answer arrives.

    The first `warmup` seconds (by default half a second, less for very short windows) are not counted;
    the window stretches until every client has had at least one answer counted.
    """
    warmup = min(0.5, seconds / 2) if warmup is None else warmup
    me = psutil.Process()
    start = time.perf_counter()
    measure_from = start + warmup
    until = measure_from + seconds
    latencies: list[float] = []
    counts = [0, 0]
    cpu_before: float = 0.0

    async def mark_cpu() -> None:
        nonlocal cpu_before
        await asyncio.sleep(warmup)
        times = me.cpu_times()
        cpu_before = times.user + times.system

    marker = asyncio.create_task(mark_cpu())
    await asyncio.gather(
        *(_client(host, port, requests, i, until, measure_from, latencies, counts) for i in range(clients))
    )
    await marker
    times = me.cpu_times()
    elapsed = time.perf_counter() - measure_from
    return LoadResult(
        requests=counts[0],
        errors=counts[1],
        seconds=elapsed,
        latencies=Latencies(latencies),
        client_cpu=(times.user + times.system - cpu_before) / elapsed if elapsed else 0.0,
    )


async def each_once(host: str, port: int, requests: Sequence[bytes]) -> tuple[Latencies, int]:
    """Every request once, in order, on one connection; the latencies of the 200s and the count of others."""
    reader, writer = await asyncio.open_connection(host, port)
    latencies, errors = Latencies(), 0
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            if await _read_response(reader) == 200:
                latencies.values.append(time.perf_counter() - started)
            else:
                errors += 1
    finally:
        writer.close()
    return latencies, errors


async def get_status(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> int:
    """One request on a fresh connection (to probe which URL a page lives at)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(build_request(host, port, path, headers))
        return await asyncio.wait_for(_read_response(reader), 30)
    finally:
        writer.close()


def rss_mb(process: psutil.Process) -> float:
    """Resident memory of a process and its children (granian serves from worker processes)."""
    total = float(process.memory_info().rss)
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def pss_mb(process: psutil.Process) -> float:
    """Proportional memory of a process and its children: shared pages (PostgreSQL's shared buffers)
    counted once across them, as resident memory summed per process would not. Resident memory
    where the proportional figure cannot be read."""
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        try:
            info = each.memory_full_info()
            total += float(getattr(info, "pss", info.rss))
        except psutil.Error:
            continue
    return total / 2**20


def listening_process(port: int) -> psutil.Process | None:
    """The process that listens on a loopback TCP port (a server's main process), if it is on this machine."""
    try:
        for connection in psutil.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr and connection.laddr.port == port:
                return psutil.Process(connection.pid) if connection.pid else None
    except psutil.Error:
        return None
    return None


class MemorySampler:
    """Peak resident memory of some processes, sampled in a background task while load runs."""

    def __init__(self, pids: dict[str, int], interval: float = 0.25):
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self._interval = interval
        self.peak_mb: dict[str, float] = dict.fromkeys(pids, 0.0)
        self._task: asyncio.Task[None] | None = None

    def sample(self) -> dict[str, float]:
        now = {}
        for name, process in self._processes.items():
            try:
                now[name] = rss_mb(process)
            except psutil.Error:
                continue
            self.peak_mb[name] = max(self.peak_mb[name], now[name])
        return now

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self._interval)

    def __enter__(self) -> MemorySampler:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.sample()
