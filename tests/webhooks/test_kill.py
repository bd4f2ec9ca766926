"""A sender killed with SIGKILL while a receiver holds its request loses nothing and doubles
nothing: the delivery whose outcome it never learned is sent again with the same webhook-id (so
the receiver can drop the copy), through the receiver's 500s, and every other event arrives once."""

from __future__ import annotations

import asyncio
import signal
import uuid

import httpx
import nats

from shared.events import ProjectCreated, encode, make_envelope
from shared.settings import Settings
from tests.helpers import auth, eventually, snapshot
from tests.webhooks.conftest import LEAD, Receiver, Served


async def test_each_event_is_received_once_across_a_kill_9_of_the_sender_and_a_receivers_500s(
    served: Served, settings: Settings, receiver: Receiver
) -> None:
    url = await served.start()
    admin = auth(settings, "admin", email="admin@cdps.example")
    async with httpx.AsyncClient(base_url=url) as client:
        registered = await client.post("/api/v1/webhooks", json={"url": receiver.url(), "event_types": ["*"]},
                                       headers=admin)  # fmt: skip
        assert registered.status_code == 201, registered.text
    receiver.hold_next()
    nc = await nats.connect(settings.nats_url or "")
    try:
        js = nc.jetstream()
        sent = []
        for n in range(5):
            envelope = make_envelope(ProjectCreated(project=snapshot(title_en=f"Project {n}")), actor=LEAD,
                                     aggregate_id=uuid.uuid4(), aggregate_seq=1, partner_id=None)  # fmt: skip
            await js.publish(settings.subject_for(envelope.type), encode(envelope),
                             headers={"Nats-Msg-Id": str(envelope.id)})  # fmt: skip
            sent.append(str(envelope.id))
    finally:
        await nc.close()

    assert await asyncio.to_thread(receiver.held.wait, 60), "the sender never reached the receiver"
    [first] = served.processes
    first.send_signal(signal.SIGKILL)  # the sender never learns what the receiver said
    first.wait()
    receiver.answers.extend([500, 500])
    receiver.release()
    await served.start()

    async def all_accepted() -> bool:
        return {r.event()["id"] for r in receiver.accepted()} == set(sent)

    await eventually(all_accepted, timeout=90)
    ids_per_event: dict[str, set[str]] = {}
    for request in receiver.requests:
        ids_per_event.setdefault(request.event()["id"], set()).add(request.webhook_id)
    assert all(len(ids) == 1 for ids in ids_per_event.values())  # one webhook-id per event, every attempt
    held = [r for r in receiver.requests if r.event()["id"] == sent[0]]
    assert [r.status for r in held] == [200, 500, 500, 200]  # the held one, then its retries after the kill
    for event_id in sent[1:]:  # every other event once, and after the first: in order
        assert [r.status for r in receiver.requests if r.event()["id"] == event_id] == [200]
    assert [r.event()["id"] for r in receiver.accepted()][1:] == sent


async def test_the_service_logs_no_line_per_request_it_sends(
    served: Served, settings: Settings, receiver: Receiver
) -> None:
    url = await served.start()
    async with httpx.AsyncClient(base_url=url) as client:
        registered = await client.post("/api/v1/webhooks", json={"url": receiver.url(), "event_types": ["*"]},
                                       headers=auth(settings, "admin", email="admin@cdps.example"))  # fmt: skip
        assert registered.status_code == 201, registered.text
    nc = await nats.connect(settings.nats_url or "")
    try:
        envelope = make_envelope(ProjectCreated(project=snapshot()), actor=LEAD, aggregate_id=uuid.uuid4(),
                                 aggregate_seq=1, partner_id=None)  # fmt: skip
        await nc.jetstream().publish(settings.subject_for(envelope.type), encode(envelope))
    finally:
        await nc.close()

    async def delivered() -> bool:
        return len(receiver.accepted()) == 1

    await eventually(delivered, timeout=30)
    [process] = served.processes
    process.terminate()
    process.wait(timeout=30)
    logged = (served.logs / "webhooks-0.log").read_text()
    assert "service started" in logged
    assert "HTTP Request" not in logged  # the delivery log keeps each attempt; a line each is noise
