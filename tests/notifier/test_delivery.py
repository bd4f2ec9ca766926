"""Each email is delivered once: retried through temporary failures and outages, never doubled by
redeliveries, restarts or replicas, given up on permanent refusals, and sent at the configured rate."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import pytest

from shared.events import ProjectCreated
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Notifier, Received, Smtp, first, running

Start = Callable[..., contextlib.AbstractAsyncContextManager[Notifier]]


def news(title: str = "Digital tax returns") -> ProjectCreated:
    return ProjectCreated(project=snapshot(title_en=title))


async def attempts(notifier: Notifier, delivery_id: Any) -> list[tuple[str, int | None]]:
    rows = await notifier.pool.fetch(
        "SELECT outcome, smtp_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt", delivery_id
    )
    return [(r["outcome"], r["smtp_code"]) for r in rows]


def message_ids(received: list[Received]) -> list[str]:
    return [str(r.message["Message-ID"]) for r in received]


async def test_a_temporary_failure_is_retried_and_then_the_email_goes(notifier: Notifier) -> None:
    notifier.smtp.data_replies.append("451 4.3.0 Mailbox busy, try again later")
    await notifier.follow("ann@example.org")
    await notifier.publish(news())
    await eventually(lambda: first(notifier.smtp.to("ann@example.org")))
    await notifier.settled()
    [delivery] = await notifier.deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == ("sent", 2, None)
    assert await attempts(notifier, delivery["id"]) == [("temporary", 451), ("sent", 250)]
    assert len(notifier.smtp.to("ann@example.org")) == 1


async def test_an_idle_sender_is_woken_by_a_new_delivery_without_waiting_for_its_poll(start: Start) -> None:
    async with start(poll_seconds=60.0) as notifier:
        await notifier.follow("ann@example.org")
        await notifier.settled()
        await notifier.publish(news())
        # Far below the 60 s poll: only the NOTIFY of the delivery's commit can explain it.
        await eventually(lambda: first(notifier.smtp.to("ann@example.org")), timeout=15)


async def test_a_permanent_failure_is_marked_failed_with_the_servers_reason(notifier: Notifier) -> None:
    notifier.smtp.rcpt_replies["gone@example.org"] = "550 5.1.1 No such mailbox here"
    await notifier.follow("gone@example.org")
    await notifier.follow("ann@example.org")
    await notifier.publish(news())
    await notifier.applied()
    await notifier.settled()
    [failed] = await notifier.deliveries(recipient="gone@example.org")
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert "550" in failed["last_error"] and "No such mailbox here" in failed["last_error"]
    assert await attempts(notifier, failed["id"]) == [("permanent", 550)]
    assert len(notifier.smtp.to("ann@example.org")) == 1  # one refusal does not hold back the others


async def test_smtp_down_for_a_while_then_back_delivers_every_email_exactly_once(start: Start, smtp: Smtp) -> None:
    async with start(max_attempts=100) as notifier:
        for address in ("a@example.org", "b@example.org", "c@example.org"):
            await notifier.follow(address)
        smtp.stop()
        for title in ("One", "Two"):
            await notifier.publish(news(title))
        await notifier.applied()

        async def all_refused_twice() -> bool:
            rows = await notifier.deliveries()
            return len(rows) == 6 and all(r["attempts"] >= 2 and "Connect" in (r["last_error"] or "") for r in rows)

        await eventually(all_refused_twice)
        smtp.start()
        await notifier.settled()
        assert {r["status"] for r in await notifier.deliveries()} == {"sent"}
    assert len(smtp.received) == 6 and len(set(message_ids(smtp.received))) == 6
    assert sorted((str(r.message["To"]), str(r.message["Subject"])[-3:]) for r in smtp.received) == sorted(
        (a, t) for a in ("a@example.org", "b@example.org", "c@example.org") for t in ("One", "Two")
    )


async def test_deliveries_recorded_by_a_notifier_killed_before_sending_are_sent_once_by_the_next(
    start: Start, smtp: Smtp
) -> None:
    async with start(jobs=("consumer",)) as first_run:  # records deliveries, never reaches the sender
        await first_run.follow("a@example.org")
        await first_run.follow("b@example.org")
        await first_run.publish(news("One"))
        await first_run.publish(news("Two"))
        await first_run.applied()
        assert len(await first_run.deliveries(status="pending")) == 4
    assert smtp.received == []
    async with start() as second_run:
        await second_run.settled()
        await second_run.applied()  # the events were acked: nothing is recorded twice
        assert len(await second_run.deliveries(status="sent")) == 4
    assert len(smtp.received) == 4 and len(set(message_ids(smtp.received))) == 4


async def test_a_duplicate_event_makes_one_email(notifier: Notifier) -> None:
    await notifier.follow("ann@example.org")
    event = await notifier.publish(news())
    for copy in range(2):  # stored again, as after JetStream's duplicate window or from a misbehaving relay
        await notifier.publish(news(), envelope=event, msg_id=f"{event.id}-copy-{copy}")
    await notifier.applied()
    await notifier.settled()
    assert len(notifier.smtp.to("ann@example.org")) == 1


async def test_replicas_never_send_one_delivery_twice_and_keep_to_the_rate_between_them(
    start: Start, smtp: Smtp
) -> None:
    rate = 10.0
    async with start(jobs=("consumer",)) as recorder:
        for address in ("a@example.org", "b@example.org"):
            await recorder.follow(address)
        for n in range(5):
            await recorder.publish(news(f"News {n}"))
        await recorder.applied()
    async with start(jobs=("sender",), rate_per_second=rate) as one, start(jobs=("sender",), rate_per_second=rate):
        await one.settled()
        assert {r["attempts"] for r in await one.deliveries()} == {1}
    assert len(smtp.received) == 10 and len(set(message_ids(smtp.received))) == 10
    # Paced by the installation-wide slots: 10 emails at 10/s span at least 0.9 s. Allow two slots
    # for the time an SMTP conversation takes, so a slow machine cannot make this fail.
    times = sorted(r.at for r in smtp.received)
    assert times[-1] - times[0] >= (len(times) - 3) / rate


async def test_an_email_waiting_to_be_sent_is_cancelled_if_its_follower_unsubscribes(start: Start, smtp: Smtp) -> None:
    async with start(jobs=("consumer",)) as recorder:
        await recorder.follow("ann@example.org")
        await recorder.publish(news())
        await recorder.applied()
        await recorder.pool.execute("DELETE FROM subscriptions")
    async with start(jobs=("sender",)) as sender:
        await sender.settled()
        [delivery] = await sender.deliveries()
        assert delivery["status"] == "cancelled"
    assert smtp.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback, in a test
async def test_the_user_and_password_in_smtp_url_are_used_to_log_in(settings: Any) -> None:
    server = Smtp(credentials=("cdps", "s3cret pass"))
    server.start()
    try:
        async with running(settings, server) as notifier:
            await notifier.follow("ann@example.org")
            await notifier.publish(news())
            await eventually(lambda: first(server.to("ann@example.org")))
        assert server.logins == ["cdps"]
    finally:
        server.stop()


async def test_one_click_unsubscribe_goes_as_plain_ascii_angle_bracketed_uris_as_rfc_8058_asks(
    notifier: Notifier,
) -> None:
    await notifier.follow("ann@example.org")
    await notifier.publish(news("A title long enough to need folding, in a subject line that goes on and on"))
    received = await eventually(lambda: first(notifier.smtp.to("ann@example.org")))
    headers = received.raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ").split(b"\r\n")
    [unsubscribe] = [h for h in headers if h.lower().startswith(b"list-unsubscribe:")]
    assert re.fullmatch(rb"List-Unsubscribe: <http://notifier/subscriptions/unsubscribe\?token=[A-Za-z0-9_.=-]+>",
                        unsubscribe), unsubscribe  # fmt: skip
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers
    assert b"=?" not in unsubscribe
