"""NATS and JetStream helpers: connecting, the PORTFOLIO stream, and durable pull consumers."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from shared.logs import get_logger
from shared.settings import ConfigError, Settings, split_servers

log = get_logger(__name__)

DUPLICATE_WINDOW_SECONDS = 300.0
"""Window in which JetStream drops a re-published Nats-Msg-Id; must outlast a relay restart."""
MAX_DELIVER = 5
"""A message that failed this many times goes to the consumer's dead-letter table."""


async def connect(url: str, *, name: str, initial_attempts: int = 10) -> NATS:
    """Connect, then reconnect forever: a NATS outage pauses work, it never stops a service.

    `url` is NATS_URL: one server, or every node of a cluster separated by commas. Only the very
    first connection is bounded, so a wrong NATS_URL fails at start with one line.
    """
    servers = split_servers(url)
    if not servers or any(urlsplit(s).scheme not in ("nats", "tls") or not urlsplit(s).hostname for s in servers):
        raise ConfigError(f"NATS_URL={url!r} is not valid: expected nats://host:4222, or several such URLs and commas")

    clients: list[NATS] = []

    async def on_disconnect() -> None:
        if clients and not (clients[0].is_closed or clients[0].is_draining):
            log.warning("nats disconnected; reconnecting")

    async def on_reconnect() -> None:
        log.info("nats reconnected")

    async def on_error(exc: Exception) -> None:
        log.warning("nats error", error=str(exc))

    last_error: Exception | None = None
    for _ in range(initial_attempts):
        try:
            client: NATS = await nats.connect(
                servers=servers,
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
                error_cb=on_error,
            )
            clients.append(client)
            return client
        except (OSError, TimeoutError, nats.errors.NoServersError) as exc:
            last_error = exc
            await asyncio.sleep(0.5)
    raise ConfigError(
        f"cannot reach NATS at {url} ({last_error!r}); check NATS_URL, or unset it to use the embedded server"
    )


def stream_subjects(settings: Settings) -> list[str]:
    return [settings.subject_for("portfolio.>"), settings.subject_for("weeknotes.>")]


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create or update the stream. File storage, full history kept (CDPS's scale is small)."""
    config = StreamConfig(
        name=settings.stream_name,
        subjects=stream_subjects(settings),
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=0,
    )
    try:
        await js.stream_info(settings.stream_name)
    except NotFoundError:
        await js.add_stream(config)
        return
    await js.update_stream(config)


async def ensure_durable_consumer(js: JetStreamContext, settings: Settings, consumer: str) -> str:
    """A durable pull consumer shared by every replica of a service; returns its name."""
    durable = settings.durable_name(consumer)
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=MAX_DELIVER,
        ack_wait=settings.ack_wait_seconds,
        max_ack_pending=10_000,
    )
    await js.add_consumer(settings.stream_name, config)
    return durable
