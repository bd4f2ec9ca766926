"""Admins can read the delivery log, filter it, see every attempt, and retry a failure."""

from __future__ import annotations

import uuid

from tests.notifier.conftest import Notifier


async def confirmations(notifier: Notifier, *addresses: str) -> None:
    """Deliveries without the event stream: each sign-up sends a confirmation."""
    for address in addresses:
        assert (await notifier.client.post("/api/v1/subscriptions", json={"email": address})).status_code == 202
    await notifier.settled()


async def test_only_admins_read_the_delivery_log(sending: Notifier) -> None:
    await confirmations(sending, "ann@example.org")
    for role, status in (("lead", 403), ("partner", 403), ("admin", 200)):
        answer = await sending.client.get("/api/v1/deliveries", headers=sending.as_(role, partner_id=uuid.uuid4()))
        assert answer.status_code == status, role
    assert (await sending.client.get("/api/v1/deliveries")).status_code == 401
    [delivery] = (await sending.client.get("/api/v1/deliveries", headers=sending.as_("admin"))).json()
    retry = await sending.client.post(f"/api/v1/deliveries/{delivery['id']}/retry", headers=sending.as_("lead"))
    assert retry.status_code == 403


async def test_the_log_filters_by_status_event_type_and_recipient_and_shows_each_attempt(sending: Notifier) -> None:
    sending.smtp.rcpt_replies["gone@example.org"] = "550 5.1.1 Unknown user"
    await confirmations(sending, "ann@example.org", "gone@example.org")
    admin = sending.as_("admin")

    async def log(**params: str) -> list[dict[str, object]]:
        answer = await sending.client.get("/api/v1/deliveries", params=params, headers=admin)
        assert answer.status_code == 200, answer.text
        rows: list[dict[str, object]] = answer.json()
        return rows

    assert [d["recipient"] for d in await log(status="failed")] == ["gone@example.org"]
    assert [d["recipient"] for d in await log(recipient="ANN@example.org")] == ["ann@example.org"]
    assert len(await log(event_type="notifier.subscription.confirmation")) == 2
    assert await log(event_type="portfolio.project.created") == []
    [failed] = await log(status="failed")
    assert failed["subject"] and "550" in str(failed["last_error"])
    detail = (await sending.client.get(f"/api/v1/deliveries/{failed['id']}", headers=admin)).json()
    assert [(a["outcome"], a["smtp_code"]) for a in detail["attempt_log"]] == [("permanent", 550)]
    assert (await sending.client.get("/api/v1/deliveries", params={"status": "lost"}, headers=admin)).status_code == 422
    missing = await sending.client.get(f"/api/v1/deliveries/{uuid.uuid4()}", headers=admin)
    assert missing.status_code == 404


async def test_a_failed_delivery_can_be_retried_once_the_problem_is_fixed(sending: Notifier) -> None:
    sending.smtp.rcpt_replies["ann@example.org"] = "550 5.2.1 Mailbox disabled"
    await confirmations(sending, "ann@example.org")
    [failed] = await sending.deliveries(status="failed")
    admin = sending.as_("admin")
    del sending.smtp.rcpt_replies["ann@example.org"]  # the mailbox is back

    retried = await sending.client.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["status"] in ("pending", "sent")
    await sending.settled()
    [sent] = await sending.deliveries()
    assert (sent["status"], sent["attempts"]) == ("sent", 2)
    assert len(sending.smtp.to("ann@example.org")) == 1

    again = await sending.client.post(f"/api/v1/deliveries/{failed['id']}/retry", headers=admin)
    assert again.status_code == 409 and again.json()["message_cy"]
