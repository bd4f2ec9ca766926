"""Each event reaches each endpoint that wants it and may hear of it, once, signed as the Standard
Webhooks specification says (checked with the specification's own Python library), in order,
through a receiver's failures; never another partner's event, nor a staff-only one to an endpoint
that is not internal; a 410 ends the endpoint."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TypeVar

import asyncpg
import msgspec
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.webhooks.sender import CHAIN
from shared.bilingual import Bilingual
from shared.events import EngagementRecorded, ProjectCreated, SupportRequested, decode
from shared.settings import Settings
from tests.helpers import eventually, snapshot
from tests.notifier.conftest import Smtp
from tests.webhooks.conftest import Receiver, Webhooks, running

T = TypeVar("T")


def project(title: str = "Digital tax returns", **overrides: object) -> ProjectCreated:
    return ProjectCreated(project=snapshot(title_en=title, **overrides))


async def test_a_delivery_is_the_public_envelope_signed_as_the_standard_says(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = await webhooks.register(receiver.url(), ["portfolio.project.*"], description="Tracker")
    assert endpoint["secret"].startswith("whsec_")
    sent = await webhooks.publish(project())

    [request] = await eventually(lambda: _some(receiver.accepted()))

    verified = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert verified == msgspec.to_builtins(sent)  # the envelope, as the event catalogue describes it
    assert decode(request.body) == sent
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["webhook-timestamp"]) - dt.datetime.now(dt.UTC).timestamp()) < 300
    with pytest.raises(WebhookVerificationError):  # another secret does not verify it
        Webhook("whsec_" + "QUJD" * 8).verify(request.body, request.headers)
    await webhooks.settled()
    [delivery] = await webhooks.deliveries(endpoint["id"])
    assert str(delivery["id"]) == request.webhook_id and delivery["status"] == "delivered"
    listed = await webhooks.client.get("/api/v1/webhooks", headers=webhooks.admin)
    assert "secret" not in listed.json()[0] and listed.json()[0]["description"] == "Tracker"


async def _some(items: list[T]) -> list[T] | None:
    return items or None


async def test_a_receiver_failing_then_answering_gets_each_event_once_in_order_with_one_webhook_id(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = await webhooks.register(receiver.url())
    receiver.answers.extend([500, 503, 500])
    sent = [await webhooks.publish(project(f"Project {n}")) for n in range(4)]
    await webhooks.applied()
    await webhooks.settled()

    accepted = receiver.accepted()
    assert [r.event()["id"] for r in accepted] == [str(e.id) for e in sent]  # each once, in stream order
    first = [r for r in receiver.requests if r.event()["id"] == str(sent[0].id)]
    assert [r.status for r in first] == [500, 503, 500, 200]
    assert len({r.webhook_id for r in first}) == 1  # every attempt of a delivery carries its id
    deliveries = await webhooks.deliveries(endpoint["id"])
    assert [(d["status"], d["attempts"]) for d in deliveries] == [("delivered", 4)] + [("delivered", 1)] * 3
    log = await webhooks.client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries/{deliveries[0]['id']}",
                                    headers=webhooks.admin)  # fmt: skip
    attempts = log.json()["attempt_log"]
    assert [(a["outcome"], a["status_code"]) for a in attempts] == [("failed", 500), ("failed", 503),
                                                                     ("failed", 500), ("delivered", 200)]  # fmt: skip
    assert all(a["latency_ms"] is not None for a in attempts)
    assert len(attempts[0]["detail"]) <= 500  # the receiver's long answer, cut short


async def test_an_endpoint_never_gets_another_partners_event_nor_a_staff_only_one_unless_internal(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await webhooks.register(receiver.url("/partner-a"), partner_id=str(a))
    await webhooks.register(receiver.url("/everyone"))
    await webhooks.register(receiver.url("/staff"), internal=True)
    await webhooks.register(receiver.url("/staff-a"), internal=True, partner_id=str(a))
    engagement = EngagementRecorded(partner_id=a, project_id=None, kind="advice", summary_en="Advice",
                                    summary_cy="Cyngor", started_on=dt.date(2026, 1, 5), ended_on=None)  # fmt: skip
    support = SupportRequested(organisation="Cyngor", contact_name="Ann", contact_email="ann@example.org",
                               language="cy", need=Bilingual(en="Help"), urgency="low")  # fmt: skip
    events = {
        "public-a": await webhooks.publish(project("Public A", partner_id=a), partner_id=a),
        "partner-a": await webhooks.publish(project("Partner A", partner_id=a, visibility="partner"), partner_id=a),
        "partner-b": await webhooks.publish(project("Partner B", partner_id=b, visibility="partner"), partner_id=b),
        "internal-a": await webhooks.publish(project("Internal A", partner_id=a, visibility="internal"), partner_id=a),
        "public-none": await webhooks.publish(project("Public, no partner")),
        "engagement-a": await webhooks.publish(engagement, partner_id=a),
        "support": await webhooks.publish(support),
    }
    await webhooks.applied()
    await webhooks.settled()
    name = {str(e.id): n for n, e in events.items()}

    def got(path: str) -> set[str]:
        return {name[r.event()["id"]] for r in receiver.accepted(path)}

    assert got("/partner-a") == {"public-a", "partner-a"}
    assert got("/everyone") == {"public-a", "public-none"}
    assert got("/staff") == set(events)
    assert got("/staff-a") == {"public-a", "partner-a", "internal-a", "engagement-a"}
    assert all(len(receiver.accepted(p)) == len(got(p)) for p in ("/partner-a", "/everyone", "/staff", "/staff-a"))


async def test_a_410_disables_the_endpoint_and_nothing_more_is_sent_to_it(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = await webhooks.register(receiver.url())
    receiver.answers.append(410)
    await webhooks.publish(project("One"))
    await eventually(lambda: _some(receiver.requests))
    await webhooks.applied()

    async def disabled() -> dict[str, object] | None:
        body: dict[str, object] = (await webhooks.client.get(f"/api/v1/webhooks/{endpoint['id']}",
                                                             headers=webhooks.admin)).json()  # fmt: skip
        return body if body["enabled"] is False else None

    body = await eventually(disabled)
    assert body["disabled_reason"] == {"en": "The receiver answered 410 Gone: it wants no more deliveries",
                                       "cy": "Atebodd y system sy'n derbyn â'r cod 410: nid yw eisiau derbyn dim mwy"}  # fmt: skip
    [delivery] = await webhooks.deliveries(endpoint["id"])
    assert delivery["status"] == "failed" and delivery["last_status"] == 410
    await webhooks.publish(project("Two"))
    await webhooks.applied()
    assert len(receiver.requests) == 1 and len(await webhooks.deliveries(endpoint["id"])) == 1


async def test_after_a_rotation_both_secrets_verify_each_delivery_for_a_day(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = await webhooks.register(receiver.url())
    rotated = await webhooks.client.post(f"/api/v1/webhooks/{endpoint['id']}/rotate", headers=webhooks.admin)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["secret"] != endpoint["secret"] and new["previous_secret_until"]
    until = dt.datetime.fromisoformat(new["previous_secret_until"])
    assert dt.timedelta(hours=23) < until - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=24)
    await webhooks.publish(project())
    [request] = await eventually(lambda: _some(receiver.accepted()))
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], new["secret"]):
        Webhook(secret).verify(request.body, request.headers)


async def test_a_private_address_is_refused_when_registered_and_again_when_sending(
    settings: Settings, receiver: Receiver
) -> None:
    async with running(settings, allow_private=False) as webhooks:
        for url in (receiver.url(), "https://127.0.0.1/hook", "https://169.254.169.254/latest", "https://[::1]/x",
                    "https://10.0.0.8/x", "https://localhost/x"):  # fmt: skip
            response = await webhooks.client.post("/api/v1/webhooks", json={"url": url, "event_types": ["*"]},
                                                  headers=webhooks.admin)  # fmt: skip
            assert response.status_code == 422, (url, response.text)
            assert [e["field"] for e in response.json()["errors"]] == ["url"], url
        # An endpoint whose address became private since (DNS rebinding, or the setting turned off):
        await webhooks.pool.execute(
            "INSERT INTO endpoints (id, url, event_types, secret, created_by) VALUES ($1, $2, '{*}', $3, 'test')",
            uuid.uuid4(), "https://127.0.0.1:1/hook", "whsec_" + "QUJD" * 8,
        )  # fmt: skip
        await webhooks.publish(project())
        await webhooks.applied()

        async def refused() -> list[str]:
            rows = await webhooks.pool.fetch("SELECT outcome, detail FROM delivery_attempts")
            return [r["detail"] for r in rows if r["outcome"] == "refused"]

        [detail, *_] = await eventually(refused)
        assert "127.0.0.1" in detail and "loopback" in detail
        assert receiver.requests == []


async def test_a_refused_endpoint_is_one_bilingual_422_naming_every_bad_field(webhooks: Webhooks) -> None:
    response = await webhooks.client.post("/api/v1/webhooks", headers=webhooks.admin, json={
        "url": "ftp://example.org/x", "event_types": ["portfolio.project.*", "portfolio.nothing"],
        "description": "x" * 501, "partner_id": "not-a-uuid", "internal": "yes"})  # fmt: skip
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"url", "event_types[1]", "description", "partner_id", "internal"}
    assert all(e["message_en"] and e["message_cy"] and e["message_en"] != e["message_cy"] for e in errors)
    response = await webhooks.client.post("/api/v1/webhooks", headers=webhooks.admin, json={
        "url": "http://example.org/x", "event_types": ["portfolio.project.*", "portfolio.nothing"]})  # fmt: skip
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["url", "event_types[1]"]
    assert "Rhaid i'r URL" in errors[0]["message_cy"] and "catalog" in errors[1]["message_cy"]


async def test_a_bad_field_an_unknown_event_type_and_a_refused_url_are_one_422_and_nothing_is_written(
    settings: Settings, receiver: Receiver
) -> None:
    """The catalogue and the address look-up are checked with the body's types, not in a second 422."""
    async with running(settings, allow_private=False) as webhooks:
        bad = {"url": "https://127.0.0.1/hook", "event_types": ["portfolio.project.*", "portfolio.nothing"],
               "description": "x" * 501}  # fmt: skip
        response = await webhooks.client.post("/api/v1/webhooks", json=bad, headers=webhooks.admin)
        assert response.status_code == 422, response.text
        errors = response.json()["errors"]
        assert sorted(e["field"] for e in errors) == ["description", "event_types[1]", "url"]
        assert all(e["message_en"] and e["message_cy"] and e["message_en"] != e["message_cy"] for e in errors)
        assert await webhooks.pool.fetchval("SELECT count(*) FROM endpoints") == 0
        await webhooks.pool.execute(
            "INSERT INTO endpoints (id, url, event_types, secret, created_by) VALUES ($1, $2, '{*}', $3, 'test')",
            endpoint_id := uuid.uuid4(), "https://example.org/hook", "whsec_" + "QUJD" * 8,
        )  # fmt: skip
        before = await webhooks.pool.fetchrow("SELECT * FROM endpoints WHERE id = $1", endpoint_id)
        assert before is not None
        response = await webhooks.client.patch(f"/api/v1/webhooks/{endpoint_id}", json=bad,
                                               headers=webhooks.admin | {"If-Match": f'"{before["version"]}"'})  # fmt: skip
        assert response.status_code == 422, response.text
        assert sorted(e["field"] for e in response.json()["errors"]) == ["description", "event_types[1]", "url"]
        assert await webhooks.pool.fetchrow("SELECT * FROM endpoints WHERE id = $1", endpoint_id) == before


async def test_only_admins_may_register(webhooks: Webhooks, receiver: Receiver, settings: Settings) -> None:
    from tests.helpers import auth

    body = {"url": receiver.url(), "event_types": ["*"]}
    assert (await webhooks.client.post("/api/v1/webhooks", json=body)).status_code == 401
    for role in ("lead", "partner"):  # type: Literal["lead", "partner"]
        answer = await webhooks.client.post("/api/v1/webhooks", json=body, headers=auth(settings, role))
        assert answer.status_code == 403, role


async def test_an_endpoint_failing_for_days_is_disabled_and_its_alert_waits_while_no_web_says_who_the_admins_are(
    settings: Settings, receiver: Receiver
) -> None:
    """Every active admin is emailed (tests/test_webhook_alerts.py, with the web); here no web answers
    in this namespace, so the alert is kept, unsent and addressed to nobody, and says why."""
    smtp = Smtp()
    smtp.start()
    try:
        with_mail = msgspec.structs.replace(settings, smtp_url=smtp.url)
        async with running(with_mail, disable_after=dt.timedelta(seconds=1)) as webhooks:
            endpoint = await webhooks.register(receiver.url(), description="Tracker")
            receiver.answers.extend([500] * 10_000)
            await webhooks.publish(project())

            async def disabled() -> dict[str, object] | None:
                body: dict[str, object] = (await webhooks.client.get(f"/api/v1/webhooks/{endpoint['id']}",
                                                                     headers=webhooks.admin)).json()  # fmt: skip
                return body if body["enabled"] is False else None

            body = await eventually(disabled, timeout=30)
            reason = body["disabled_reason"]
            assert isinstance(reason, dict)  # in both languages (a second here, so no round number of days)
            assert reason["en"].startswith("Every attempt failed for") and reason["en"].endswith("last: HTTP 500")
            assert reason["cy"].startswith("Methodd pob ymgais am") and reason["cy"].endswith("yr olaf: HTTP 500")

            async def asked_in_vain() -> asyncpg.Record | None:
                row: asyncpg.Record | None = await webhooks.pool.fetchrow(
                    "SELECT * FROM disablings WHERE endpoint_id = $1 AND attempts > 0", uuid.UUID(endpoint["id"])
                )
                return row

            kept = await eventually(asked_in_vain, timeout=30)
            assert kept["addressed_at"] is None and "no answer to accounts.emailable" in kept["last_error"]
            assert kept["reason_cy"] == reason["cy"] and kept["reason_en"] == reason["en"]
            alerts = await webhooks.pool.fetchval("SELECT count(*) FROM alerts WHERE endpoint_id = $1",
                                                  uuid.UUID(endpoint["id"]))  # fmt: skip
            assert alerts == 0 and smtp.received == []
            requests = len(receiver.requests)
            await webhooks.publish(project("Another"))
            await webhooks.applied()
            assert len(receiver.requests) == requests  # nothing more goes to it
    finally:
        smtp.stop()


async def test_a_redirect_is_not_followed_but_tried_again_at_the_endpoints_own_url(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = await webhooks.register(receiver.url())
    receiver.answers.extend([302, 307])
    await webhooks.publish(project())
    await webhooks.applied()
    await webhooks.settled()
    assert [(r.path, r.status) for r in receiver.requests] == [("/hook", 302), ("/hook", 307), ("/hook", 200)]
    [delivery] = await webhooks.deliveries(endpoint["id"])
    attempts = await webhooks.pool.fetch(
        "SELECT outcome, status_code FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt", delivery["id"]
    )
    assert [(a["outcome"], a["status_code"]) for a in attempts] == [
        ("failed", 302),
        ("failed", 307),
        ("delivered", 200),
    ]


async def test_an_endpoint_gets_no_more_than_its_rate_and_the_metrics_count_what_was_sent(
    settings: Settings, receiver: Receiver
) -> None:
    async with running(settings, rate_per_second=2.0) as webhooks:
        await webhooks.register(receiver.url())
        for n in range(3):
            await webhooks.publish(project(f"Project {n}"))
        await webhooks.applied()
        await webhooks.settled()
        times = [r.at for r in receiver.accepted()]
        assert len(times) == 3
        # Claimed a second apart at least (2 a second); a lower bound only, with room for the first
        # post to have been slow: a busy machine can only spread them further.
        assert times[-1] - times[0] >= 0.5, times
        metrics = (await webhooks.client.get("/metrics")).text
        for name in ("cdps_webhook_deliveries_total", "cdps_webhook_failures_total", "cdps_webhook_lag_seconds_count",
                     'cdps_consumer_lag{consumer="webhooks"}'):  # fmt: skip
            assert name in metrics, name


async def test_an_endpoint_with_more_waiting_than_one_turn_sends_gets_the_rest_without_waiting_out_a_lease(
    settings: Settings, receiver: Receiver
) -> None:
    """A sending turn ends after CHAIN deliveries to one endpoint; it used to claim the next one and
    drop it, which then waited out its lease (here 65 s, longer than `settled` waits)."""
    async with running(settings, timeout_seconds=30.0) as webhooks:
        await webhooks.register(receiver.url())
        receiver.hold_next()  # the first delivery waits, so all the others are recorded behind it
        for n in range(CHAIN + 1):
            await webhooks.publish(project(f"Project {n}"))
        await webhooks.applied()
        receiver.release()
        await webhooks.settled()
        # Each event once; the held one may be sent again with its webhook-id if holding it outlasted the timeout.
        assert len({r.event()["id"] for r in receiver.accepted()}) == CHAIN + 1


async def test_a_refused_url_is_explained_in_welsh_in_the_welsh_message(settings: Settings) -> None:
    """Why an address may not be called reaches the Welsh reader in Welsh, not as English in brackets."""
    async with running(settings, allow_private=False) as webhooks:
        body = {"url": "https://127.0.0.1/hook", "event_types": ["*"]}
        response = await webhooks.client.post("/api/v1/webhooks", json=body, headers=webhooks.admin)

    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "url"
    assert "private, loopback" in error["message_en"]
    assert "CDPS_WEBHOOKS_ALLOW_PRIVATE=true allows it" in error["message_en"]  # what a developer may set
    assert error["message_cy"] == (
        "Ni ellir defnyddio'r URL: mae 127.0.0.1 yn gyfeiriad preifat neu leol"
        " (mae CDPS_WEBHOOKS_ALLOW_PRIVATE=true yn ei ganiatáu, wrth ddatblygu yn unig)"
    )
