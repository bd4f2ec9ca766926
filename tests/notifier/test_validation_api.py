"""The notifier's subscription forms list every bad field at once, in words naming each."""

from __future__ import annotations

from tests.notifier.conftest import Notifier
from tests.portfolio.test_validation_api import errors_of


async def test_a_sign_up_with_several_problems_names_each(sending: Notifier) -> None:
    response = await sending.client.post("/api/v1/subscriptions", json={
        "email": "nobody", "target_kind": "everything", "language": "fr", "rhythm": "hourly", "colour": "red",
    })  # fmt: skip
    found = errors_of(response)
    assert list(found) == ["email", "target_kind", "language", "rhythm", "colour"]
    assert found["email"].message_en == "Enter the email address in the correct format, like name@example.com"
    assert found["email"].message_cy == "Rhowch y cyfeiriad e-bost yn y ffurf gywir, fel enw@example.com"
    assert await sending.deliveries() == []


async def test_a_follow_with_bad_fields_names_each(sending: Notifier) -> None:
    response = await sending.client.post(
        "/api/v1/me/subscriptions", json={"email": "x" * 300, "target_id": "nope", "rhythm": "hourly"},
        headers=sending.as_("lead"),
    )  # fmt: skip
    assert list(errors_of(response)) == ["email", "target_id", "rhythm"]


async def test_a_sign_up_that_is_not_json_is_a_bilingual_400(sending: Notifier) -> None:
    response = await sending.client.post(
        "/api/v1/subscriptions", content=b"email=a@b.cymru", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "message_en": "The request body is not valid JSON",
                                          "message_cy": "Nid yw corff y cais yn JSON dilys"}]  # fmt: skip
