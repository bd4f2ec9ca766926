"""NATS and JetStream helpers: connecting, the PORTFOLIO stream, and durable pull consumers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from urllib.parse import urlsplit

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
from nats.js.errors import APIError, NotFoundError

from shared.logs import get_logger
from shared.settings import ConfigError, Settings, split_servers
from shared.supervision import Outage

log = get_logger(__name__)

DUPLICATE_WINDOW_SECONDS = 300.0
"""Window in which JetStream drops a re-published Nats-Msg-Id; must outlast a relay restart."""
MAX_DELIVER = 5
"""A message that failed this many times goes to the consumer's dead-letter table (the consumer
counts; JetStream itself redelivers without limit, so that no message is ever dropped unseen)."""
CONNECT_WITHIN_SECONDS = 10.0
"""How long the first connection may take before the service gives up with one line."""


async def connect(url: str, *, name: str, within: float = CONNECT_WITHIN_SECONDS) -> NATS:
    """Connect to any server that answers, then reconnect for ever (to any of them, or to the
    cluster's other servers it tells us about): a NATS outage pauses work, it never stops a service.

    `url` is NATS_URL: one server, or every node of a cluster separated by commas. Only the first
    connection is bounded, so a wrong NATS_URL fails at start with one line.
    """
    servers = split_servers(url)
    if not servers or any(urlsplit(s).scheme not in ("nats", "tls") or not urlsplit(s).hostname for s in servers):
        raise ConfigError(f"NATS_URL={url!r} is not valid: expected nats://host:4222, or several such URLs and commas")
    connection = Outage("NATS connection")
    client = NATS()
    last_error: list[BaseException] = []

    async def on_disconnect() -> None:
        if client.is_connected or client.is_closed or client.is_draining:
            return
        connection.down(ConnectionError("disconnected"), server=str(client.connected_url or ""))

    async def on_reconnect() -> None:
        connection.up()
        log.info("nats connected", server=client.connected_url.netloc if client.connected_url else "")

    async def on_error(exc: Exception) -> None:
        if client.is_connected:
            log.warning("nats error", error=str(exc))
        else:  # a server of the list that does not answer: the disconnection was logged once
            last_error[:] = [exc]

    try:
        await asyncio.wait_for(
            client.connect(
                servers=servers,
                name=name,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,  # type: ignore[arg-type]  # typed int, used as seconds
                connect_timeout=2,
                disconnected_cb=on_disconnect,
                reconnected_cb=on_reconnect,
                error_cb=on_error,
            ),
            within,
        )
    except (OSError, TimeoutError) as exc:  # nats-py keeps trying every server until we stop it
        await client.close()
        reason = last_error[0] if last_error else exc
        raise ConfigError(
            f"cannot reach NATS at {', '.join(servers)} within {within:.0f} s ({reason!r}); "
            "check NATS_URL, or unset it to use the embedded server"
        ) from None
    return client


def stream_subjects(settings: Settings) -> list[str]:
    return [settings.subject_for("portfolio.>"), settings.subject_for("weeknotes.>")]


def _stream_config(settings: Settings, replicas: int) -> StreamConfig:
    return StreamConfig(
        name=settings.stream_name,
        subjects=stream_subjects(settings),
        storage=StorageType.FILE,
        retention=RetentionPolicy.LIMITS,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=0,
        num_replicas=replicas,
    )


async def ensure_stream(js: JetStreamContext, settings: Settings) -> None:
    """Create or update the stream. File storage, full history kept (CDPS's scale is small).

    Replicas are ``CDPS_STREAM_REPLICAS`` or what the stream has, whichever is more: an update
    without them would make NATS scale the stream down to one, and one server's loss would then
    stop everything. A cluster that cannot keep the replicas asked for is a ConfigError.
    """
    wanted = settings.stream_replicas
    try:
        info = await js.stream_info(settings.stream_name)
    except NotFoundError:
        await _refusing_replicas(js.add_stream(_stream_config(settings, wanted)), settings, wanted)
        log.info("stream created", stream=settings.stream_name, replicas=wanted)
        return
    replicas = max(wanted, info.config.num_replicas or 1)
    if replicas > wanted:
        log.info("stream keeps more replicas than CDPS_STREAM_REPLICAS asks", stream=settings.stream_name,
                 replicas=replicas, asked=wanted)  # fmt: skip
    await _refusing_replicas(js.update_stream(_stream_config(settings, replicas)), settings, replicas)


_REPLICA_ERRORS = (10074, 10023, 10005)
"""JetStream's answers for more replicas than it can place: not clustered, insufficient resources,
replicas greater than the cluster's size."""


async def _refusing_replicas(request: Awaitable[object], settings: Settings, replicas: int) -> None:
    try:
        await request
    except APIError as exc:
        if exc.err_code in _REPLICA_ERRORS or "replica" in (exc.description or "").lower():
            raise ConfigError(
                f"NATS cannot keep {replicas} replicas of stream {settings.stream_name} ({exc.description}): "
                f"give its JetStream cluster at least {replicas} servers, or set CDPS_STREAM_REPLICAS lower "
                "(an existing stream's replicas are never lowered: change them with the nats CLI)"
            ) from None
        raise


async def ensure_durable_consumer(js: JetStreamContext, settings: Settings, consumer: str) -> str:
    """A durable pull consumer shared by every replica of a service; returns its name.

    Its replicas: ``CDPS_CONSUMER_REPLICAS`` (0: as many as the stream's) or what it has, whichever
    is more.
    """
    durable = settings.durable_name(consumer)
    replicas = settings.consumer_replicas
    try:
        existing = await js.consumer_info(settings.stream_name, durable)
        replicas = max(replicas, existing.config.num_replicas or 0)
    except NotFoundError:
        pass
    config = ConsumerConfig(
        durable_name=durable,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        max_deliver=-1,
        ack_wait=settings.ack_wait_seconds,
        # Room for a batch being applied and the next one fetched meanwhile (shared/consumer.py), at the
        # largest batch size (the search indexer's 5,000), with the acks of the one before still on their way.
        max_ack_pending=20_000,
        num_replicas=replicas or None,
    )
    await js.add_consumer(settings.stream_name, config)
    return durable
