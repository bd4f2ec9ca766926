"""A lean JetStream publisher for loading the benchmark's corpus: the NATS protocol on a raw socket.

Loading a million events is set-up, not a measurement, yet through nats-py it cost most of the run:
each ``publish_async`` makes a future, an inbox entry and a header block, about 150 µs of a core per
event on this machine, so the client (not NATS) was the limit. This one writes the protocol's
``HPUB`` lines straight into the socket, a thousand events a write, each with its own reply subject
and its ``Nats-Msg-Id`` (as the outbox relay publishes), and counts the acks as they come back,
keeping at most ``window`` unacknowledged. An ack that reports an error fails the load.

Only for servers reached without credentials or TLS (the embedded ones); for others
:func:`can_publish_raw` says no and the caller uses nats-py.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

WRITE_EVERY = 1000
"""Events written to the socket at a time."""


class PublishFailed(Exception):
    pass


def can_publish_raw(url: str) -> bool:
    """One plain ``nats://host:port`` server, no user or token: what the embedded server is."""
    if "," in url:
        return False
    parts = urlsplit(url if "://" in url else f"nats://{url}")
    return parts.scheme == "nats" and not parts.username and not parts.password


class _Acks:
    def __init__(self) -> None:
        self.count = 0
        self.error: str | None = None
        self.changed = asyncio.Event()


async def publish_raw(
    url: str, messages: Iterable[tuple[str, bytes, str]], *, window: int = 4_000, msg_ids: bool = True
) -> int:
    """Publish each ``(subject, payload, msg_id)`` to JetStream, in order; returns how many were acked (all)."""
    parts = urlsplit(url if "://" in url else f"nats://{url}")
    reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222)
    inbox = f"_BENCH.{uuid.uuid4().hex}"
    acks = _Acks()
    try:
        info = await reader.readline()
        if not info.startswith(b"INFO "):
            raise PublishFailed(f"not a NATS server: {info[:80]!r}")
        options = {"verbose": False, "pedantic": False, "headers": True, "no_responders": True, "protocol": 1}
        writer.write(f"CONNECT {json.dumps(options)}\r\nSUB {inbox}.* 1\r\nPING\r\n".encode())
        await writer.drain()
        while (line := await reader.readline()) != b"PONG\r\n":
            if not line or line.startswith(b"-ERR"):
                raise PublishFailed(f"NATS refused the connection: {line!r}")
        listening = asyncio.create_task(_read_acks(reader, writer, acks))
        try:
            sent = await _send(writer, messages, inbox, acks, window, listening, msg_ids)
            while acks.count < sent and acks.error is None and not listening.done():
                if not await _next_ack(acks, listening):
                    break
            if acks.error is not None:
                raise PublishFailed(acks.error)
            if acks.count < sent:
                raise PublishFailed(f"{sent - acks.count} of {sent} publishes were never acknowledged")
            return sent
        finally:
            listening.cancel()
    finally:
        writer.close()


async def _send(
    writer: asyncio.StreamWriter, messages: Iterable[tuple[str, bytes, str]], inbox: str, acks: _Acks, window: int,
    listening: asyncio.Task[None], msg_ids: bool,
) -> int:  # fmt: skip
    sent = 0
    chunk: list[bytes] = []
    for subject, payload, msg_id in messages:
        if msg_ids:
            header = f"NATS/1.0\r\nNats-Msg-Id: {msg_id}\r\n\r\n".encode()
            chunk.append(f"HPUB {subject} {inbox}.{sent} {len(header)} {len(header) + len(payload)}\r\n".encode())
            chunk.append(header)
        else:
            chunk.append(f"PUB {subject} {inbox}.{sent} {len(payload)}\r\n".encode())
        chunk.append(payload)
        chunk.append(b"\r\n")
        sent += 1
        if sent % WRITE_EVERY == 0:
            writer.write(b"".join(chunk))
            chunk.clear()
            await writer.drain()
            while sent - acks.count > window:
                if acks.error is not None or listening.done() or not await _next_ack(acks, listening):
                    raise PublishFailed(acks.error or "NATS stopped acknowledging publishes")
    writer.write(b"".join(chunk))
    await writer.drain()
    return sent


async def _next_ack(acks: _Acks, listening: asyncio.Task[None], within: float = 120) -> bool:
    """Wait for more acks (or the connection's end); False if none came within `within` seconds."""
    acks.changed.clear()
    waiting = asyncio.ensure_future(acks.changed.wait())
    try:
        done, _ = await asyncio.wait([waiting, listening], timeout=within, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    return bool(done)


async def _read_acks(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, acks: _Acks) -> None:
    while True:
        line = await reader.readline()
        if not line:
            acks.error = acks.error or "NATS closed the connection"
            acks.changed.set()
            return
        if line.startswith(b"MSG ") or line.startswith(b"HMSG "):
            size = int(line.split()[-1])
            body = await reader.readexactly(size + 2)
            if b'"error"' in body or line.startswith(b"HMSG "):  # an error ack, or "no responders" (503)
                acks.error = acks.error or f"JetStream refused a publish: {body[:300]!r}"
            acks.count += 1
            acks.changed.set()
        elif line.startswith(b"PING"):
            writer.write(b"PONG\r\n")
        elif line.startswith(b"-ERR"):
            acks.error = acks.error or f"NATS: {line.decode(errors='replace').strip()}"
            acks.changed.set()
