"""Idempotency-Key on the notifier's POSTs: a repeated sign-up sends one confirmation, a repeated
follow makes one subscription, and housekeeping deletes the keys once they expire."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

from tests.helpers import eventually
from tests.notifier.conftest import Notifier


async def test_a_repeated_public_sign_up_sends_one_confirmation(sending: Notifier) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    answers = [
        await sending.client.post("/api/v1/subscriptions", json={"email": "once@example.org"}, headers=key)
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [202, 202] and answers[0].content == answers[1].content
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert len(await sending.deliveries(recipient="once@example.org")) == 1


async def test_a_repeated_follow_makes_one_subscription_and_another_body_is_a_422(sending: Notifier) -> None:
    headers = {**sending.as_("lead", sub="lead-ann", email="ann@example.org"), "Idempotency-Key": str(uuid.uuid4())}
    body = {"email": "ann@example.org", "language": "cy"}
    first = await sending.client.post("/api/v1/me/subscriptions", json=body, headers=headers)
    again = await sending.client.post("/api/v1/me/subscriptions", json=body, headers=headers)
    other = await sending.client.post("/api/v1/me/subscriptions", json={**body, "language": "en"}, headers=headers)

    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert other.status_code == 422 and [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    assert await sending.pool.fetchval("SELECT count(*) FROM subscriptions") == 1


async def test_housekeeping_deletes_expired_keys(
    start: Callable[..., contextlib.AbstractAsyncContextManager[Notifier]],
) -> None:
    async with start(jobs=("housekeeping",), housekeeping_seconds=0.05) as housekeeping:
        for key in ("old", "new"):
            response = await housekeeping.client.post(
                "/api/v1/subscriptions", json={"email": f"{key}@example.org"}, headers={"Idempotency-Key": key}
            )
            assert response.status_code == 202, response.text
        await housekeeping.pool.execute("UPDATE idempotency_keys SET expires_at = now() WHERE key = 'old'")

        async def only_the_new_key_is_left() -> bool:
            keys = await housekeeping.pool.fetchval("SELECT array_agg(key) FROM idempotency_keys")
            return bool(keys == ["new"])

        await eventually(only_the_new_key_is_left)


async def test_every_post_of_the_notifier_api_documents_the_header(sending: Notifier) -> None:
    document = (await sending.client.get("/api/v1/schema/openapi.json")).json()
    posts = {path: item["post"] for path, item in document["paths"].items() if "post" in item}
    assert len(posts) >= 3
    for path, operation in posts.items():
        assert "Idempotency-Key" in [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"], path
