"""A refused body lists every bad field at once, each in a sentence for people naming the field,
in Welsh and English (the portfolio's create endpoints, through its real API)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from shared.validation import FieldError
from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import count
from tests.test_validation import readable


def errors_of(response: httpx.Response) -> dict[str, FieldError]:
    """The 422's errors by field, after checking each reads as a sentence naming its field."""
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    found = {e["field"]: FieldError(**e) for e in body["errors"]}
    for error in found.values():
        readable(error)
    return found


async def test_a_support_request_with_three_long_fields_and_a_bad_email_names_all_four(api: Api) -> None:
    response = await api.client.post("/api/v1/support-requests", json={
        "organisation": "o" * 201, "contact_name": "n" * 201, "contact_email": "ann.example.org", "need": "x" * 5001,
    })  # fmt: skip
    assert list(errors_of(response)) == ["organisation", "contact_name", "contact_email", "need"]
    assert await count(api, "support_requests") == 0


async def test_a_project_with_many_problems_names_each(api: Api) -> None:
    response = await api.client.post("/api/v1/projects", headers=api.as_("lead"), json={
        "slug": "Has Spaces", "title_en": "", "title_cy": "t" * 201, "phase": "gamma", "tags": ["moon"],
        "start_date": "yesterday", "visibility": "everyone",
    })  # fmt: skip
    found = errors_of(response)
    assert list(found) == ["slug", "title_en", "title_cy", "phase", "visibility", "tags", "start_date"]
    assert found["title_cy"].message_en == "The title in Welsh must be 200 characters or fewer"
    assert found["title_cy"].message_cy == "Rhaid i'r teitl yn Gymraeg fod yn 200 nod neu lai"
    assert await api.events() == []


async def test_a_partner_engagement_person_and_update_name_every_bad_field(api: Api) -> None:
    lead = api.as_("lead")
    partner = await api.partner()
    project = (await api.project()).json()
    cases: list[tuple[str, dict[str, Any], list[str]]] = [
        ("/api/v1/partners", {"slug": "x", "name_en": "", "kind": "council", "website": "ftp://x"},
         ["slug", "name_en", "name_cy", "kind", "website"]),
        ("/api/v1/engagements", {"partner_id": partner["id"], "kind": "chat", "summary_en": 3,
                                 "started_on": "2024-02-30", "contacts": ["nope"]},
         ["kind", "summary_en", "summary_cy", "started_on", "contacts"]),
        ("/api/v1/people", {"name": " ", "email": "@", "kind": "boss"}, ["name", "email", "kind"]),
        (f"/api/v1/projects/{project['id']}/updates", {"body_en": "a" * 10001, "health": "purple", "posted_on": 7},
         ["body_en", "body_cy", "posted_on", "health"]),
    ]  # fmt: skip
    for path, body, fields in cases:
        assert list(errors_of(await api.client.post(path, json=body, headers=lead))) == fields, path
    assert len(await api.events()) == 2  # the partner and the project made above


async def test_a_phase_change_and_a_triage_name_their_fields_nested_ones_by_path(api: Api) -> None:
    lead = api.as_("lead")
    project = (await api.project()).json()
    phase = await api.client.post(
        f"/api/v1/projects/{project['id']}/phase", json={"kind": "leap", "effective": "soon", "reason": "r" * 2001},
        headers={**lead, "If-Match": '"1"'},
    )  # fmt: skip
    assert list(errors_of(phase)) == ["kind", "effective", "reason"]
    asked = await api.client.post("/api/v1/support-requests", json={
        "organisation": "Cyngor", "contact_name": "Ann", "contact_email": "ann@example.org", "need": "Help with forms",
    })  # fmt: skip
    triage = await api.client.post(
        f"/api/v1/support-requests/{asked.json()['id']}/triage", headers=lead,
        json={"outcome": "accepted", "engagement": {"partner_id": str(uuid.uuid4()), "kind": "chat"}},
    )  # fmt: skip
    found = errors_of(triage)
    assert list(found) == ["engagement.kind", "engagement.summary_en", "engagement.summary_cy", "engagement.started_on"]
    assert found["engagement.kind"].message_en.startswith("The kind must be one of: catalyst_project")


async def test_a_bad_query_parameter_is_a_sentence_naming_it(api: Api) -> None:
    response = await api.client.get("/api/v1/projects", params={"limit": "0"})
    assert errors_of(response)["limit"].message_en == "The number of results must be 1 or more"


async def test_a_csv_row_with_two_bad_fields_names_both_on_its_line(api: Api) -> None:
    text = "slug,name_en,name_cy,kind\nBad Slug,,Cymru,council\n"
    response = await api.client.post(
        "/api/v1/import/partners", content=text.encode(), headers={**api.as_("lead"), "Content-Type": "text/csv"}
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["line 2: slug", "line 2: name_en", "line 2: kind"]
    assert all("`" not in e["message_en"] and e["message_en"] != e["message_cy"] for e in errors)


async def test_a_body_that_is_not_json_is_a_bilingual_400_naming_the_body(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/support-requests", content=b'{"organisation": "Cyngor",', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message_en"] == "The request body is not valid JSON"
    assert body["message_cy"] == "Nid yw corff y cais yn JSON dilys"
    assert [e["field"] for e in body["errors"]] == ["body"]


async def test_a_control_character_in_one_field_is_reported_with_the_other_bad_fields(api: Api) -> None:
    response = await api.client.post("/api/v1/support-requests", json={
        "organisation": "o" * 201, "contact_name": "Ann", "contact_email": "nobody", "need": "Help with forms\x07",
    })  # fmt: skip
    assert response.status_code == 422, response.text
    assert sorted(e["field"] for e in response.json()["errors"]) == ["contact_email", "need", "organisation"]
    assert await count(api, "support_requests") == 0


async def test_an_over_long_welsh_or_english_assessment_text_is_named_by_field_and_language(api: Api) -> None:
    lead = api.as_("lead")
    project = (await api.project()).json()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    long = "x" * 2001
    response = await api.client.post(f"/api/v1/projects/{project['id']}/assessments", headers=lead, json={
        "to_phase": "alpha", "kind": "formal_assessment", "held_on": today,
        "panel": [{"name": "Ann Jones", "role": {"cy": long, "en": "Lead assessor"}}, {"name": "Rhys", "role": long}],
        "ratings": [{"standard": 1, "rating": "not_assessed", "reason": {"en": long}}],
        "panel_outcome": "met", "override_reason": {"cy": long, "en": "Fine"},
    })  # fmt: skip
    found = errors_of(response)
    assert list(found) == ["panel[0].role.cy", "panel[1].role", "ratings[0].reason.en", "override_reason.cy"]
    assert found["panel[0].role.cy"].message_en == "The role in Welsh must be 2,000 characters or fewer"
    assert found["panel[0].role.cy"].message_cy == "Rhaid i'r rôl yn Gymraeg fod yn 2,000 nod neu lai"
    assert found["override_reason.cy"].message_en == (
        "The reason for overriding the outcome in Welsh must be 2,000 characters or fewer"
    )
    assert found["ratings[0].reason.en"].message_cy == "Rhaid i'r rheswm yn Saesneg fod yn 2,000 nod neu lai"
    assert await api.events("portfolio.assessment.drafted") == []
    drafted = await api.client.post(f"/api/v1/projects/{project['id']}/assessments", headers=lead, json={
        "to_phase": "alpha", "kind": "peer_review", "held_on": today, "panel": [{"name": "Ann Jones"}],
        "ratings": [{"standard": n, "rating": "partly_met"} for n in range(1, 13)]})  # fmt: skip
    assessment = drafted.json()
    changed = await api.client.patch(f"/api/v1/assessments/{assessment['id']}", headers={**lead, "If-Match": '"1"'},
                                     json={"override_reason": {"en": long}})  # fmt: skip
    assert list(errors_of(changed)) == ["override_reason.en"]
    published = await api.client.post(f"/api/v1/assessments/{assessment['id']}/publish",
                                      headers={**lead, "If-Match": '"1"'})  # fmt: skip
    assert published.status_code == 200, published.text
    action = await api.client.post(f"/api/v1/assessments/{assessment['id']}/actions", headers=lead,
                                   json={"standard": 1, "text_cy": "Profi eto", "owner": "Nia"})  # fmt: skip
    assert action.status_code == 201, action.text
    closing = await api.client.post(f"/api/v1/actions/{action.json()['id']}/close",
                                    headers={**lead, "If-Match": '"1"'},
                                    json={"state": "dropped", "reason": {"cy": "Dim angen", "en": long}})  # fmt: skip
    found = errors_of(closing)
    assert list(found) == ["reason.en"]
    assert found["reason.en"].message_en == "The reason in English must be 2,000 characters or fewer"
    assert await api.events("portfolio.action.closed") == []
