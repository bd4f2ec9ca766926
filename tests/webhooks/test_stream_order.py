"""An endpoint gets its events in the stream's order, even when the events come to the consumer out of
it: after a crash, the events a dead process had fetched come back only when JetStream's ack wait
runs out, while later ones arrive at once. A delivery waits until every earlier event of the stream
has been applied (JetStream's ack floor has reached it), then goes in stream order."""

from __future__ import annotations

import uuid

import msgspec
import nats

from shared.events import ProjectCreated, encode, make_envelope
from shared.settings import Settings
from tests.helpers import eventually, snapshot
from tests.webhooks.conftest import LEAD, Receiver, running


async def _publish(js: nats.js.JetStreamContext, settings: Settings, title: str) -> str:
    envelope = make_envelope(ProjectCreated(project=snapshot(title_en=title)), actor=LEAD,
                             aggregate_id=uuid.uuid4(), aggregate_seq=1, partner_id=None)  # fmt: skip
    await js.publish(settings.subject_for(envelope.type), encode(envelope), headers={"Nats-Msg-Id": str(envelope.id)})
    return str(envelope.id)


async def test_events_a_dead_consumer_held_reach_the_endpoint_before_later_ones(
    settings: Settings, receiver: Receiver
) -> None:
    settings = msgspec.structs.replace(settings, ack_wait_seconds=2.0)
    async with running(settings) as webhooks:
        await webhooks.register(receiver.url())  # also makes the durable consumer the dead process uses

    nc = await nats.connect(settings.nats_url or "")
    try:
        js = nc.jetstream()
        held = [await _publish(js, settings, f"Held {n}") for n in range(3)]
        dead = await js.pull_subscribe_bind(durable=settings.durable_name("webhooks"), stream=settings.stream_name)
        fetched = await dead.fetch(3, timeout=10)  # fetched and never acked: the process died with them
        assert len(fetched) == 3
        later = await _publish(js, settings, "Later")
    finally:
        await nc.close()

    async with running(settings):

        async def all_arrived() -> bool:
            return len(receiver.accepted()) == 4

        await eventually(all_arrived, timeout=30)
    assert [r.event()["id"] for r in receiver.accepted()] == [*held, later]
