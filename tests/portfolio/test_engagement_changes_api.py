"""Staff edit and end an engagement through the API under If-Match: each change is one event
(``portfolio.engagement.updated``, ``portfolio.engagement.ended``) carrying the engagement as it now
stands; a refusal names every bad field in both languages and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import engagement, refused


async def recorded(api: Api, partner_id: str, **fields: Any) -> dict[str, Any]:
    response = await api.client.post("/api/v1/engagements", json=engagement(partner_id, **fields),
                                     headers=api.as_("lead"))  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"1"' and response.headers["Location"].endswith(response.json()["id"])
    body: dict[str, Any] = response.json()
    return body


def at(version: int, headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "If-Match": f'"{version}"'}


async def test_a_lead_edits_an_engagement_at_the_version_read_and_one_event_says_what_changed(api: Api) -> None:
    partner = await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    made = await recorded(api, partner["id"])
    lead = api.as_("lead", sub="lead-owain")
    path = f"/api/v1/engagements/{made['id']}"
    read = await api.client.get(path, headers=lead)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"' and read.json()["version"] == 1
    assert (await api.client.patch(path, json={"kind": "training"}, headers=lead)).status_code == 428
    changes = {"kind": "training", "summary_cy": "Hyfforddiant ar ffurflenni", "project_id": project["id"],
               "started_on": "2024-04-20"}  # fmt: skip
    edited = await api.client.patch(path, json=changes, headers=at(1, lead))
    assert edited.status_code == 200, edited.text
    assert edited.headers["ETag"] == '"2"' and "X-Event-Position" in edited.headers
    assert edited.json() | changes == edited.json() and edited.json()["summary_en"] == "Advice on forms"
    [event] = await api.events("portfolio.engagement.updated")
    assert event["aggregate_id"] == uuid.UUID(made["id"]) and event["aggregate_seq"] == 2
    assert event["actor_id"] == "lead-owain" and event["partner_id"] == uuid.UUID(partner["id"])
    data = event["data"]
    assert data["changed"] == ["kind", "project_id", "started_on", "summary_cy"]
    assert data["engagement"]["kind"] == "training" and data["engagement"]["project_id"] == project["id"]
    stale = await api.client.patch(path, json={"kind": "advice"}, headers=at(1, lead))
    assert stale.status_code == 412
    same = await api.client.patch(path, json={"kind": "training"}, headers=at(2, lead))
    assert same.status_code == 200 and "X-Event-Position" not in same.headers  # nothing changed: no event
    assert len(await api.events("portfolio.engagement.updated")) == 1


async def test_an_edit_with_bad_fields_names_each_in_both_languages_and_changes_nothing(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    theirs = (await api.project(partner_id=b["id"])).json()
    made = await recorded(api, a["id"], ended_on="2024-06-30")
    path = f"/api/v1/engagements/{made['id']}"
    lead = at(1, api.as_("lead"))
    body = refused(await api.client.patch(path, json={"kind": "party", "summary_en": "x" * 4001,
                                                      "started_on": "not a date"}, headers=lead), 422)  # fmt: skip
    assert sorted(e["field"] for e in body["errors"]) == ["kind", "started_on", "summary_en"]
    refused(await api.client.patch(path, json={"partner_id": b["id"]}, headers=lead), 422, "partner_id")
    body = refused(await api.client.patch(path, json={"project_id": theirs["id"], "started_on": "2024-07-01"},
                                          headers=lead), 422)  # fmt: skip
    assert sorted(e["field"] for e in body["errors"]) == ["project_id", "started_on"]
    refused(await api.client.patch(path, json={"project_id": str(uuid.uuid4())}, headers=lead), 422, "project_id")
    assert (await api.client.get(path, headers=api.as_("lead"))).json() == made | {"ended_on": "2024-06-30"}
    assert await api.events("portfolio.engagement.updated") == []


async def test_a_lead_ends_an_engagement_once_on_a_day_not_before_it_started(api: Api) -> None:
    partner = await api.partner()
    made = await recorded(api, partner["id"])
    path = f"/api/v1/engagements/{made['id']}/end"
    lead = api.as_("lead")
    refused(await api.client.post(path, json={"ended_on": "2024-04-30"}, headers=at(1, lead)), 422, "ended_on")
    refused(await api.client.post(path, json={}, headers=at(1, lead)), 422, "ended_on")
    assert (await api.client.post(path, json={"ended_on": "2024-09-30"}, headers=at(7, lead))).status_code == 412
    ended = await api.client.post(path, json={"ended_on": "2024-09-30"}, headers=at(1, lead))
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2024-09-30" and ended.headers["ETag"] == '"2"'
    refused(await api.client.post(path, json={"ended_on": "2024-10-30"}, headers=at(2, lead)), 409)
    [event] = await api.events("portfolio.engagement.ended")
    assert event["aggregate_seq"] == 2
    later = await api.client.patch(f"/api/v1/engagements/{made['id']}", json={"started_on": "2024-10-01"},
                                   headers=at(2, lead))  # fmt: skip
    refused(later, 422, "started_on")  # an ended engagement does not start after it ended


async def test_only_staff_change_engagements_and_a_partner_reads_only_its_own(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    made = await recorded(api, a["id"])
    path = f"/api/v1/engagements/{made['id']}"
    for headers, status in (({}, 401), (api.as_("partner", uuid.UUID(a["id"])), 403)):
        assert (await api.client.patch(path, json={"kind": "other"}, headers=at(1, headers))).status_code == status
        assert (await api.client.post(f"{path}/end", json={"ended_on": "2024-06-01"},
                                      headers=at(1, headers))).status_code == status  # fmt: skip
    assert (await api.client.get(path, headers=api.as_("partner", uuid.UUID(a["id"])))).status_code == 200
    assert (await api.client.get(path, headers=api.as_("partner", uuid.UUID(b["id"])))).status_code == 404
    assert (await api.client.get(path)).status_code == 404
    assert (await api.client.get(f"/api/v1/engagements/{uuid.uuid4()}", headers=api.as_("lead"))).status_code == 404


async def test_an_engagement_names_only_contacts_of_its_own_partner(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    lead = api.as_("lead")
    made_contacts = []
    for p in (a, b):
        added = await api.client.post(f"/api/v1/partners/{p['id']}/contacts", headers=lead, json={
            "name": "Ann", "email": f"ann-{uuid.uuid4().hex[:6]}@example.org", "language": "cy"})  # fmt: skip
        assert added.status_code == 201, added.text
        made_contacts.append(added.json())
    ours, theirs = made_contacts
    bad = await api.client.post("/api/v1/engagements", json=engagement(a["id"], contacts=[theirs["id"]]), headers=lead)
    refused(bad, 422, "contacts")
    made = await recorded(api, a["id"], contacts=[ours["id"]])
    assert made["contacts"] == [ours["id"]]
    path = f"/api/v1/engagements/{made['id']}"
    refused(await api.client.patch(path, json={"contacts": [theirs["id"]]}, headers=at(1, lead)), 422, "contacts")
    cleared = await api.client.patch(path, json={"contacts": []}, headers=at(1, lead))
    assert cleared.status_code == 200 and cleared.json()["contacts"] == []
