"""Engagements, support requests, people and partners through the API: only staff change things,
each write is one event with its actor, refusals name the field in both languages and write nothing,
and personal data goes no further than it must."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.portfolio.conftest import Api

SUPPORT = {"organisation": "Cyngor Sir Ynys Môn", "contact_name": "Ann Jones",
           "contact_email": "Ann.Jones@Example.org", "need": "We want help moving a paper form online"}  # fmt: skip


def refused(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """The error body, after checking its status, that it is bilingual and (if given) that it names ``field``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["message_en"] and body["message_cy"] and body["message_en"] != body["message_cy"], body
    for error in body.get("errors", []):
        assert error["message_en"] and error["message_cy"] and error["message_en"] != error["message_cy"], error
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def engagement(partner_id: str, **fields: Any) -> dict[str, Any]:
    return {"partner_id": partner_id, "kind": "advice", "summary_en": "Advice on forms",
            "summary_cy": "Cyngor ar ffurflenni", "started_on": "2024-05-01", **fields}  # fmt: skip


async def count(api: Api, table: str) -> int:
    value: int = await api.runtime.pool.fetchval(f"SELECT count(*) FROM {table}")
    return value


async def ask_for_support(api: Api, **fields: Any) -> str:
    response = await api.client.post("/api/v1/support-requests", json={**SUPPORT, **fields})
    assert response.status_code == 201, response.text
    request_id: str = response.json()["id"]
    return request_id


# Engagements ------------------------------------------------------------------------------------


async def test_only_staff_record_engagements(api: Api) -> None:
    partner = await api.partner()
    body = engagement(partner["id"])
    refused(await api.client.post("/api/v1/engagements", json=body), 401)
    as_partner = api.as_("partner", uuid.UUID(partner["id"]))
    refused(await api.client.post("/api/v1/engagements", json=body, headers=as_partner), 403)
    assert await count(api, "engagements") == 0
    assert await api.events("portfolio.engagement.recorded") == []


async def test_recording_an_engagement_returns_it_and_records_one_event_with_the_actor(api: Api) -> None:
    partner = await api.partner()
    response = await api.client.post(
        "/api/v1/engagements", json=engagement(partner["id"], ended_on="2024-06-30"), headers=api.as_("lead")
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    recorded = response.json()
    assert (recorded["partner_id"], recorded["kind"], recorded["ended_on"]) == (partner["id"], "advice", "2024-06-30")
    [event] = await api.events("portfolio.engagement.recorded")
    assert event["actor_role"] == "lead" and event["actor_id"].startswith("lead-")
    assert str(event["aggregate_id"]) == recorded["id"] and event["aggregate_seq"] == 1
    assert str(event["partner_id"]) == partner["id"]
    assert event["data"]["summary_cy"] == "Cyngor ar ffurflenni" and event["data"]["started_on"] == "2024-05-01"


async def test_an_engagement_that_ends_before_it_starts_is_refused_naming_ended_on_and_nothing_is_written(
    api: Api,
) -> None:
    partner = await api.partner()
    body = engagement(partner["id"], started_on="2024-05-02", ended_on="2024-05-01")
    refused(await api.client.post("/api/v1/engagements", json=body, headers=api.as_("lead")), 422, "ended_on")
    assert await count(api, "engagements") == 0
    assert await api.events("portfolio.engagement.recorded") == []


async def test_an_engagement_with_an_unknown_partner_is_refused_naming_partner_id(api: Api) -> None:
    body = engagement(str(uuid.uuid4()))
    refused(await api.client.post("/api/v1/engagements", json=body, headers=api.as_("lead")), 422, "partner_id")
    assert await count(api, "engagements") == 0
    assert await api.events() == []


async def test_an_engagement_with_one_partner_naming_another_partners_project_is_refused_naming_project_id(
    api: Api,
) -> None:
    a, b = await api.partner(), await api.partner()
    theirs = (await api.project(partner_id=b["id"], visibility="partner")).json()
    body = engagement(a["id"], project_id=theirs["id"])
    refused(await api.client.post("/api/v1/engagements", json=body, headers=api.as_("lead")), 422, "project_id")
    assert await count(api, "engagements") == 0
    request_id = await ask_for_support(api)
    triage = {"outcome": "accepted", "engagement": body}
    refused(await api.client.post(f"/api/v1/support-requests/{request_id}/triage", json=triage,
                                  headers=api.as_("lead")), 422, "engagement.project_id")  # fmt: skip
    assert await count(api, "engagements") == 0
    ours = (await api.project(partner_id=a["id"])).json()
    kept = await api.client.post("/api/v1/engagements", json=engagement(a["id"], project_id=ours["id"]),
                                 headers=api.as_("lead"))  # fmt: skip
    assert kept.status_code == 201, kept.text


async def test_an_engagement_with_an_unknown_project_is_refused_naming_project_id(api: Api) -> None:
    partner = await api.partner()
    body = engagement(partner["id"], project_id=str(uuid.uuid4()))
    refused(await api.client.post("/api/v1/engagements", json=body, headers=api.as_("lead")), 422, "project_id")
    assert await count(api, "engagements") == 0


async def test_an_unknown_engagement_field_is_refused_naming_it(api: Api) -> None:
    partner = await api.partner()
    body = engagement(partner["id"], colour="blue")
    refused(await api.client.post("/api/v1/engagements", json=body, headers=api.as_("lead")), 422, "colour")
    assert await count(api, "engagements") == 0


async def test_staff_see_every_engagement_and_can_filter_by_partner(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    for partner in (a, a, b):
        response = await api.client.post("/api/v1/engagements", json=engagement(partner["id"]), headers=api.as_("lead"))
        assert response.status_code == 201, response.text
    everything = (await api.client.get("/api/v1/engagements", headers=api.as_("admin"))).json()
    assert sorted(e["partner_id"] for e in everything) == sorted([a["id"], a["id"], b["id"]])
    only_b = await api.client.get("/api/v1/engagements", params={"partner": b["id"]}, headers=api.as_("lead"))
    assert only_b.status_code == 200
    assert [e["partner_id"] for e in only_b.json()] == [b["id"]]


async def test_a_partner_sees_only_its_own_engagements_and_the_public_none(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    for partner in (a, b):
        response = await api.client.post("/api/v1/engagements", json=engagement(partner["id"]), headers=api.as_("lead"))
        assert response.status_code == 201, response.text
    as_a = api.as_("partner", uuid.UUID(a["id"]))
    mine = await api.client.get("/api/v1/engagements", headers=as_a)
    assert mine.status_code == 200 and [e["partner_id"] for e in mine.json()] == [a["id"]]
    asking_for_b = await api.client.get("/api/v1/engagements", params={"partner": b["id"]}, headers=as_a)
    assert asking_for_b.status_code == 200 and asking_for_b.json() == []
    public = await api.client.get("/api/v1/engagements")
    assert public.status_code == 200 and public.json() == []


# Support requests -------------------------------------------------------------------------------


async def test_anyone_can_ask_for_support_and_the_answer_is_only_a_reference(api: Api) -> None:
    response = await api.client.post("/api/v1/support-requests", json=SUPPORT)
    assert response.status_code == 201, response.text
    assert list(response.json()) == ["id"]
    assert "ann" not in response.text.lower() and "paper form" not in response.text
    [event] = await api.events("portfolio.support.requested")
    assert str(event["aggregate_id"]) == response.json()["id"]
    assert (event["actor_id"], event["actor_role"]) == ("public", "public")
    assert event["data"]["contact_email"] == "ann.jones@example.org"


async def test_a_support_request_with_a_bad_email_or_a_short_need_is_refused_naming_the_field(api: Api) -> None:
    for fields, field in [({"contact_email": "ann.example.org"}, "contact_email"), ({"need": "Help pls"}, "need")]:
        response = await api.client.post("/api/v1/support-requests", json={**SUPPORT, **fields})
        refused(response, 422, field)
    assert await count(api, "support_requests") == 0
    assert await api.events() == []


async def test_only_staff_list_support_requests_and_they_can_filter_by_status(api: Api) -> None:
    first, second = await ask_for_support(api), await ask_for_support(api, organisation="Hywel Dda")
    refused(await api.client.get("/api/v1/support-requests"), 401)
    refused(await api.client.get("/api/v1/support-requests", headers=api.as_("partner", uuid.uuid4())), 403)
    declined = await api.client.post(
        f"/api/v1/support-requests/{first}/triage", json={"outcome": "declined", "reason": "Out of scope"},
        headers=api.as_("lead"),
    )  # fmt: skip
    assert declined.status_code == 200, declined.text
    everything = (await api.client.get("/api/v1/support-requests", headers=api.as_("lead"))).json()
    assert {r["id"] for r in everything} == {first, second}
    assert {r["contact_email"] for r in everything} == {"ann.jones@example.org"}
    new = await api.client.get("/api/v1/support-requests", params={"status": "new"}, headers=api.as_("admin"))
    assert new.status_code == 200 and [r["id"] for r in new.json()] == [second]
    bogus = await api.client.get("/api/v1/support-requests", params={"status": "bogus"}, headers=api.as_("lead"))
    refused(bogus, 422, "status")


async def test_declining_needs_a_reason_and_accepting_needs_an_engagement_and_refusals_write_nothing(
    api: Api,
) -> None:
    request_id = await ask_for_support(api)
    url = f"/api/v1/support-requests/{request_id}/triage"
    before = len(await api.events())
    no_reason = await api.client.post(url, json={"outcome": "declined", "reason": "  "}, headers=api.as_("lead"))
    refused(no_reason, 422, "reason")
    no_engagement = await api.client.post(url, json={"outcome": "accepted"}, headers=api.as_("lead"))
    refused(no_engagement, 422, "engagement")
    assert len(await api.events()) == before
    [stored] = (await api.client.get("/api/v1/support-requests", headers=api.as_("lead"))).json()
    assert stored["status"] == "new"


async def test_a_triage_with_several_bad_fields_names_every_one_in_one_answer(api: Api) -> None:
    partner = await api.partner()
    request_id = await ask_for_support(api)
    engagement = {"partner_id": partner["id"], "kind": "advice", "summary_en": "a", "summary_cy": "b",
                  "started_on": "2026-03-02", "ended_on": "2026-03-01"}  # fmt: skip
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage", headers=api.as_("lead"),
        json={"outcome": "declined", "reason": "", "engagement": engagement},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["engagement.ended_on", "reason"]


async def test_accepting_a_request_records_its_engagement_then_the_triage_in_that_order(api: Api) -> None:
    partner = await api.partner()
    request_id = await ask_for_support(api)
    before = len(await api.events())
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage",
        json={"outcome": "accepted", "engagement": engagement(partner["id"])}, headers=api.as_("lead"),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    triaged = response.json()
    assert triaged["status"] == "accepted" and triaged["engagement_id"]
    [recorded] = (await api.client.get("/api/v1/engagements", headers=api.as_("lead"))).json()
    assert recorded["id"] == triaged["engagement_id"] and recorded["partner_id"] == partner["id"]
    new = (await api.events())[before:]
    assert [e["type"] for e in new] == ["portfolio.engagement.recorded", "portfolio.support.triaged"]
    assert str(new[0]["aggregate_id"]) == recorded["id"]
    assert str(new[1]["aggregate_id"]) == request_id and new[1]["aggregate_seq"] == 2
    assert new[1]["data"]["outcome"] == "accepted" and new[1]["data"]["engagement_id"] == recorded["id"]
    assert all(e["actor_role"] == "lead" for e in new)


async def test_declining_a_request_keeps_the_reason_and_records_no_engagement(api: Api) -> None:
    request_id = await ask_for_support(api)
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage", json={"outcome": "declined", "reason": "Out of scope"},
        headers={**api.as_("lead"), "If-Match": '"1"'},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    out_of_scope = {"en": "Out of scope", "cy": ""}  # one text, its language told from it
    assert (response.json()["status"], response.json()["reason"]) == ("declined", out_of_scope)
    [event] = await api.events("portfolio.support.triaged")
    assert event["data"]["reason"] == out_of_scope and event["data"]["engagement_id"] is None
    assert await count(api, "engagements") == 0


async def test_a_request_is_triaged_once(api: Api) -> None:
    request_id = await ask_for_support(api)
    url = f"/api/v1/support-requests/{request_id}/triage"
    decline = {"outcome": "declined", "reason": "Out of scope"}
    assert (await api.client.post(url, json=decline, headers=api.as_("lead"))).status_code == 200
    before = len(await api.events())
    refused(await api.client.post(url, json=decline, headers=api.as_("admin")), 409)
    assert len(await api.events()) == before


async def test_triage_with_a_stale_if_match_is_refused(api: Api) -> None:
    request_id = await ask_for_support(api)
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage", json={"outcome": "declined", "reason": "Out of scope"},
        headers={**api.as_("lead"), "If-Match": '"7"'},
    )  # fmt: skip
    refused(response, 412)
    assert await api.events("portfolio.support.triaged") == []


async def test_triaging_an_unknown_request_is_not_found(api: Api) -> None:
    response = await api.client.post(
        f"/api/v1/support-requests/{uuid.uuid4()}/triage", json={"outcome": "declined", "reason": "Out of scope"},
        headers=api.as_("lead"),
    )  # fmt: skip
    refused(response, 404)


async def test_only_staff_triage(api: Api) -> None:
    request_id = await ask_for_support(api)
    url = f"/api/v1/support-requests/{request_id}/triage"
    decline = {"outcome": "declined", "reason": "Out of scope"}
    refused(await api.client.post(url, json=decline), 401)
    refused(await api.client.post(url, json=decline, headers=api.as_("partner", uuid.uuid4())), 403)
    assert await api.events("portfolio.support.triaged") == []


async def test_an_accepted_triage_whose_engagement_names_an_unknown_partner_writes_nothing(api: Api) -> None:
    request_id = await ask_for_support(api)
    before = len(await api.events())
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage",
        json={"outcome": "accepted", "engagement": engagement(str(uuid.uuid4()))}, headers=api.as_("lead"),
    )  # fmt: skip
    body = refused(response, 422)
    assert any(e["field"].endswith("partner_id") for e in body["errors"]), body
    assert len(await api.events()) == before
    assert await count(api, "engagements") == 0
    [stored] = (await api.client.get("/api/v1/support-requests", headers=api.as_("lead"))).json()
    assert stored["status"] == "new"


async def test_an_accepted_triage_whose_engagement_ends_before_it_starts_is_refused_naming_ended_on(
    api: Api,
) -> None:
    partner = await api.partner()
    request_id = await ask_for_support(api)
    before = len(await api.events())
    bad_dates = engagement(partner["id"], started_on="2024-05-02", ended_on="2024-05-01")
    response = await api.client.post(
        f"/api/v1/support-requests/{request_id}/triage", json={"outcome": "accepted", "engagement": bad_dates},
        headers=api.as_("lead"),
    )  # fmt: skip
    body = refused(response, 422)
    assert any(e["field"] in ("ended_on", "engagement.ended_on") for e in body["errors"]), body
    assert len(await api.events()) == before
    assert await count(api, "engagements") == 0


# People -----------------------------------------------------------------------------------------


async def test_only_staff_add_or_list_people(api: Api) -> None:
    person = {"name": "Ann Jones", "email": "ann@example.org", "kind": "lead"}
    refused(await api.client.post("/api/v1/people", json=person), 401)
    refused(await api.client.post("/api/v1/people", json=person, headers=api.as_("partner", uuid.uuid4())), 403)
    refused(await api.client.get("/api/v1/people"), 401)
    refused(await api.client.get("/api/v1/people", headers=api.as_("partner", uuid.uuid4())), 403)
    assert await count(api, "people") == 0 and await api.events() == []


async def test_adding_a_person_lists_them_and_records_an_event_without_their_email(api: Api) -> None:
    partner = await api.partner()
    person = {"name": "Ann Jones", "email": "Ann.Jones@Example.org", "kind": "partner_contact",
              "partner_id": partner["id"], "language": "cy"}  # fmt: skip
    response = await api.client.post("/api/v1/people", json=person, headers=api.as_("lead"))
    assert response.status_code == 201, response.text
    added = response.json()
    assert added["email"] == "ann.jones@example.org" and added["partner_id"] == partner["id"]
    listed = (await api.client.get("/api/v1/people", headers=api.as_("admin"))).json()
    assert [p["id"] for p in listed] == [added["id"]]
    [event] = await api.events("portfolio.person.added")
    assert event["actor_role"] == "lead" and event["data"]["name"] == "Ann Jones"
    stored = await api.runtime.pool.fetchval("SELECT data::text FROM events WHERE type = 'portfolio.person.added'")
    assert "ann.jones" not in stored.lower() and "example.org" not in stored.lower()


async def test_a_partner_contact_needs_a_partner(api: Api) -> None:
    person = {"name": "Ann Jones", "email": "ann@example.org", "kind": "partner_contact"}
    refused(await api.client.post("/api/v1/people", json=person, headers=api.as_("lead")), 422, "partner_id")
    assert await count(api, "people") == 0 and await api.events() == []


async def test_an_email_address_belongs_to_one_person_whatever_its_case(api: Api) -> None:
    first = {"name": "Ann Jones", "email": "ann@example.org", "kind": "lead"}
    assert (await api.client.post("/api/v1/people", json=first, headers=api.as_("lead"))).status_code == 201
    again = {"name": "Ann Jones", "email": "ANN@Example.ORG", "kind": "lead"}
    refused(await api.client.post("/api/v1/people", json=again, headers=api.as_("lead")), 409, "email")
    assert await count(api, "people") == 1
    assert len(await api.events("portfolio.person.added")) == 1


# Partners ---------------------------------------------------------------------------------------


async def test_registering_a_partner_returns_it_with_an_etag_and_one_event(api: Api) -> None:
    body = {"slug": "hywel-dda", "name_en": "Hywel Dda University Health Board",
            "name_cy": "Bwrdd Iechyd Prifysgol Hywel Dda", "kind": "health"}  # fmt: skip
    response = await api.client.post("/api/v1/partners", json=body, headers=api.as_("admin"))
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    partner = response.json()
    assert response.headers["location"] == f"/api/v1/partners/{partner['id']}"
    assert (partner["slug"], partner["active"], partner["version"]) == ("hywel-dda", True, 1)
    [event] = await api.events()
    assert event["type"] == "portfolio.partner.registered" and event["actor_role"] == "admin"
    assert event["data"]["partner"]["name_cy"] == "Bwrdd Iechyd Prifysgol Hywel Dda"


async def test_only_staff_register_or_edit_partners(api: Api) -> None:
    body = {"slug": "nope", "name_en": "a", "name_cy": "b", "kind": "other"}
    refused(await api.client.post("/api/v1/partners", json=body), 401)
    refused(await api.client.post("/api/v1/partners", json=body, headers=api.as_("partner", uuid.uuid4())), 403)
    partner = await api.partner()
    url = f"/api/v1/partners/{partner['id']}"
    refused(await api.client.patch(url, json={"name_en": "x"}, headers={"If-Match": '"1"'}), 401)
    as_partner = {**api.as_("partner", uuid.UUID(partner["id"])), "If-Match": '"1"'}
    refused(await api.client.patch(url, json={"name_en": "x"}, headers=as_partner), 403)
    assert [e["type"] for e in await api.events()] == ["portfolio.partner.registered"]


async def test_a_partner_slug_can_be_used_once(api: Api) -> None:
    await api.partner(slug="cardiff")
    again = {"slug": "cardiff", "name_en": "Another", "name_cy": "Arall", "kind": "other"}
    refused(await api.client.post("/api/v1/partners", json=again, headers=api.as_("lead")), 409, "slug")
    assert await count(api, "partners") == 1
    assert len(await api.events("portfolio.partner.registered")) == 1


async def test_editing_a_partner_needs_the_etag_it_was_read_with(api: Api) -> None:
    partner = await api.partner()
    url = f"/api/v1/partners/{partner['id']}"
    refused(await api.client.patch(url, json={"name_en": "Renamed"}, headers=api.as_("lead")), 428)
    stale = {**api.as_("lead"), "If-Match": '"2"'}
    refused(await api.client.patch(url, json={"name_en": "Renamed"}, headers=stale), 412)
    assert await api.events("portfolio.partner.updated") == []
    response = await api.client.patch(
        url,
        json={"name_en": "Renamed", "website": "https://example.org"},
        headers={**api.as_("lead"), "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"' and response.json()["name_en"] == "Renamed"
    [event] = await api.events("portfolio.partner.updated")
    assert sorted(event["data"]["changed"]) == ["name_en", "website"] and event["aggregate_seq"] == 2
    assert event["data"]["partner"]["name_en"] == "Renamed"
    read = await api.client.get(url)
    assert read.headers["etag"] == '"2"' and read.json()["website"] == "https://example.org"


async def test_editing_an_unknown_partner_is_not_found(api: Api) -> None:
    response = await api.client.patch(
        f"/api/v1/partners/{uuid.uuid4()}", json={"name_en": "x"}, headers={**api.as_("lead"), "If-Match": '"1"'}
    )
    refused(response, 404)


async def test_an_inactive_partner_is_hidden_from_everyone_but_staff(api: Api) -> None:
    active = await api.partner()
    inactive = await api.partner()
    response = await api.client.patch(
        f"/api/v1/partners/{inactive['id']}", json={"active": False}, headers={**api.as_("lead"), "If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.json()["active"] is False
    own_partner = api.as_("partner", uuid.UUID(inactive["id"]))
    for headers in ({}, own_partner):
        listed = (await api.client.get("/api/v1/partners", headers=headers)).json()
        assert [p["id"] for p in listed] == [active["id"]]
        refused(await api.client.get(f"/api/v1/partners/{inactive['id']}", headers=headers), 404)
    staff_list = (await api.client.get("/api/v1/partners", headers=api.as_("lead"))).json()
    assert {p["id"] for p in staff_list} == {active["id"], inactive["id"]}
    staff_read = await api.client.get(f"/api/v1/partners/{inactive['id']}", headers=api.as_("admin"))
    assert staff_read.status_code == 200 and staff_read.json()["active"] is False


async def test_a_need_is_kept_in_the_language_it_is_written_in_said_or_told_and_staff_correct_it(api: Api) -> None:
    base = {"organisation": "Cyngor Gwynedd", "contact_name": "Siân", "contact_email": "sian@example.org",
            "language": "cy"}  # fmt: skip
    english = "We would like advice on testing our forms with Welsh speakers."
    told = await api.client.post("/api/v1/support-requests", json={**base, "need": english})
    said = await api.client.post("/api/v1/support-requests", json={**base, "need": english, "need_language": "cy"})
    assert told.status_code == said.status_code == 201
    listed = {r["id"]: r for r in (await api.client.get("/api/v1/support-requests", headers=api.as_("lead"))).json()}
    assert listed[told.json()["id"]]["need"] == {"en": english, "cy": ""}  # a Welsh speaker may write in English
    assert listed[said.json()["id"]]["need"] == {"en": "", "cy": english}  # as said, even if wrong
    events = {str(e["aggregate_id"]): e for e in await api.events("portfolio.support.requested")}
    assert events[told.json()["id"]]["data"]["need"] == {"en": english, "cy": ""}

    url = f"/api/v1/support-requests/{said.json()['id']}/need-language"
    assert (await api.client.post(url, json={"need_language": "en"})).status_code == 401
    corrected = await api.client.post(url, json={"need_language": "en"}, headers=api.as_("lead"))
    assert corrected.status_code == 200 and corrected.json()["need"] == {"en": english, "cy": ""}
    assert corrected.headers["etag"] == '"2"'
    [event] = await api.events("portfolio.support.need_corrected")
    assert event["data"]["need"] == {"en": english, "cy": ""} and event["aggregate_seq"] == 2
    again = await api.client.post(url, json={"need_language": "en"}, headers=api.as_("lead"))
    assert again.status_code == 200 and "x-event-position" not in again.headers  # already so: nothing happens
    wrong = await api.client.post(url, json={"need_language": "de"}, headers=api.as_("lead"))
    assert wrong.status_code == 422
