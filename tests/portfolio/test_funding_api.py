"""Funding records through the API: staff record an amount in pounds, kept in pence; every bad field
is named at once and nothing is written; a correction is one event; nothing is public unless staff
publish it, and a partner sees its own projects' records only."""

from __future__ import annotations

import uuid

from tests.portfolio.conftest import Api


async def test_staff_record_funding_in_pence_and_correct_it_at_the_version_they_read(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/funding"
    body = {"source": "welsh_government", "amount": "12,500.5", "starts": "2026-04", "ends": "2027-03",
            "kind": "continuous_improvement"}  # fmt: skip
    created = await api.client.post(url, json=body, headers=api.as_("lead"))
    assert created.status_code == 201, created.text
    record = created.json()
    assert record["amount_pence"] == 1250050 and record["amount"] == "12500.50" and record["published"] is False
    assert record["by_financial_year"] == [{"financial_year": "2026-27", "days": 365, "amount_pence": 1250050}]
    [event] = await api.events("portfolio.funding.recorded")
    assert event["data"]["funding"]["amount_pence"] == 1250050
    changed = await api.client.patch(f"{url}/{record['id']}", json={"amount": "13000", "published": True},
                                     headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["amount_pence"] == 1300000
    [event] = await api.events("portfolio.funding.changed")
    assert event["data"]["changed"] == ["amount_pence", "published"] and event["aggregate_seq"] == 2
    stale = await api.client.patch(f"{url}/{record['id']}", json={"amount": "1"},
                                   headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert stale.status_code == 412
    # Moved to the calendar year 2026: a quarter's days in 2025-26, the rest in 2026-27, to the penny.
    moved = await api.client.patch(f"{url}/{record['id']}", json={"starts": "2026-01", "ends": "2026-12"},
                                   headers={**api.as_("lead"), "If-Match": '"2"'})  # fmt: skip
    assert moved.json()["by_financial_year"] == [
        {"financial_year": "2025-26", "days": 90, "amount_pence": 320548},
        {"financial_year": "2026-27", "days": 275, "amount_pence": 979452},
    ]


async def test_bad_funding_names_every_field_and_nothing_is_written(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/funding"
    body = {"source": "cdps", "amount": "0", "starts": "2026-13", "ends": "2026-01", "kind": "project"}
    refused = await api.client.post(url, json=body, headers=api.as_("lead"))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["amount", "starts"]
    backwards = await api.client.post(url, json={**body, "amount": "10", "starts": "2026-05"}, headers=api.as_("lead"))
    assert [e["field"] for e in backwards.json()["errors"]] == ["ends"]
    typed = await api.client.post(url, json={**body, "amount": "ten pounds", "source": "lottery"},
                                  headers=api.as_("lead"))  # fmt: skip
    assert {e["field"] for e in typed.json()["errors"]} == {"amount", "source"}
    assert all(e["message_cy"] for e in typed.json()["errors"])
    assert await api.events("portfolio.funding.recorded") == []
    assert await api.runtime.pool.fetchval("SELECT count(*) FROM funding_records") == 0


async def test_funding_is_seen_by_staff_its_partner_and_the_public_only_when_published(api: Api) -> None:
    partner, stranger = await api.partner(), await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    url = f"/api/v1/projects/{project['id']}/funding"
    body = {"source": "cdps", "amount": "5000", "starts": "2026-01", "ends": "2026-06", "kind": "project"}
    hidden = (await api.client.post(url, json=body, headers=api.as_("lead"))).json()
    shown = (await api.client.post(url, json={**body, "published": True}, headers=api.as_("lead"))).json()
    ours = api.as_("partner", partner_id=uuid.UUID(partner["id"]))
    theirs = api.as_("partner", partner_id=uuid.UUID(stranger["id"]))

    async def seen(path: str, headers: dict[str, str]) -> set[str]:
        return {r["id"] for r in (await api.client.get(path, headers=headers)).json()}

    assert await seen(url, {}) == {shown["id"]} == await seen(url, theirs)
    assert await seen(url, ours) == {shown["id"], hidden["id"]} == await seen(url, api.as_("lead"))
    assert hidden["id"] not in await seen("/api/v1/funding", {})
    # The totals: a partner counts its own projects' records only, not another's published one.
    assert await seen("/api/v1/funding", ours) == {shown["id"], hidden["id"]}
    assert await seen("/api/v1/funding", theirs) == set()
    assert (await api.client.post(url, json=body, headers=ours)).status_code == 403
    assert (await api.client.post(url, json=body)).status_code == 401
