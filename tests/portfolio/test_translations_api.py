"""Missing translations: staff list every project text and update written in one language only, and a
translator fills in the other language; each translation is its project's event."""

from __future__ import annotations

import uuid
from typing import Any

from services.portfolio import domain, phases
from tests.portfolio.conftest import Api
from tests.web.test_form_validation import string_limits


def about(items: list[dict[str, Any]], project_id: str) -> list[tuple[str, str, str]]:
    return sorted((i["kind"], i["field"], i["missing"]) for i in items if i["project_id"] == project_id)


async def test_a_translator_fills_in_the_welsh_of_a_reason_and_an_update_each_an_event(api: Api) -> None:
    project = (await api.project(summary_en="Texts the day before", summary_cy="Negeseuon y diwrnod cynt",
                                 health="amber", health_reason={"en": "The supplier is late"})).json()  # fmt: skip
    posted = await api.client.post(f"/api/v1/projects/{project['id']}/updates", headers=api.as_("lead"),
                                   json={"body_en": "Met the residents' panel", "body_cy": ""})  # fmt: skip
    assert posted.status_code == 201, posted.text
    update = posted.json()

    assert (await api.client.get("/api/v1/translations")).status_code == 401
    partner = await api.client.get("/api/v1/translations", headers=api.as_("partner", partner_id=uuid.uuid4()))
    assert partner.status_code == 403
    listed = await api.client.get("/api/v1/translations", headers=api.as_("lead"))
    assert listed.status_code == 200
    assert about(listed.json(), project["id"]) == [("project", "health_reason", "cy"), ("update", "body", "cy")]
    reason = next(i for i in listed.json() if i["project_id"] == project["id"] and i["kind"] == "project")
    assert reason["text"] == {"en": "The supplier is late", "cy": ""} and reason["project_slug"] == project["slug"]

    filled = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "update", "id": update["id"], "field": "body", "lang": "cy", "text": " Wedi cwrdd â'r panel "})  # fmt: skip
    assert filled.status_code == 200, filled.text
    updates = (await api.client.get(f"/api/v1/projects/{project['id']}/updates", headers=api.as_("lead"))).json()
    assert (updates[0]["body_en"], updates[0]["body_cy"]) == ("Met the residents' panel", "Wedi cwrdd â'r panel")
    [event] = [e for e in await api.events("portfolio.project.update_translated") if e["aggregate_id"] == uuid.UUID(
        project["id"])]  # fmt: skip
    assert event["data"]["body_cy"] == "Wedi cwrdd â'r panel" and event["data"]["lang"] == "cy"
    assert event["data"]["update_id"] == update["id"] and event["aggregate_seq"] == 3  # the project's next version

    reasoned = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "project", "id": project["id"], "field": "health_reason", "lang": "cy", "text": "Mae'r cyflenwr yn hwyr"})  # fmt: skip
    assert reasoned.status_code == 200, reasoned.text
    now = (await api.client.get(f"/api/v1/projects/{project['id']}", headers=api.as_("lead"))).json()
    assert now["health_reason"] == {"en": "The supplier is late", "cy": "Mae'r cyflenwr yn hwyr"}
    assert now["version"] == 4
    changed = [
        e for e in await api.events("portfolio.project.updated") if e["aggregate_id"] == uuid.UUID(project["id"])
    ]
    assert changed[-1]["data"]["changed"] == ["health_reason"]
    assert changed[-1]["actor_role"] == "lead"  # the audit log says who translated
    assert about((await api.client.get("/api/v1/translations", headers=api.as_("lead"))).json(), project["id"]) == []


async def test_a_translation_of_a_text_a_record_does_not_have_is_refused_naming_the_field(api: Api) -> None:
    project = (await api.project()).json()
    wrong = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "project", "id": project["id"], "field": "body", "lang": "cy", "text": "Testun"})  # fmt: skip
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json()["errors"]] == ["field"]
    blank = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "update", "id": str(uuid.uuid4()), "field": "body", "lang": "xx", "text": "  "})  # fmt: skip
    assert blank.status_code == 422 and {e["field"] for e in blank.json()["errors"]} == {"lang", "text"}
    unknown = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "update", "id": str(uuid.uuid4()), "field": "body", "lang": "cy", "text": "Testun"})  # fmt: skip
    assert unknown.status_code == 404
    public = await api.client.post("/api/v1/translations", json={
        "kind": "project", "id": project["id"], "field": "summary", "lang": "cy", "text": "Testun"})  # fmt: skip
    assert public.status_code == 401


async def test_a_translator_fills_in_the_welsh_of_a_phase_change_reason_which_its_history_then_shows(api: Api) -> None:
    project = (await api.project()).json()
    paused = await api.client.post(f"/api/v1/projects/{project['id']}/phase", headers={**api.as_("lead"), "If-Match": '"1"'},
                                   json={"kind": "pause", "effective": "2025-05-01", "reason": {"en": "Waiting for the budget"}})  # fmt: skip
    assert paused.status_code == 200, paused.text
    [change] = [e for e in await api.events("portfolio.project.phase_changed") if e["aggregate_id"] == uuid.UUID(project["id"])]  # fmt: skip

    listed = (await api.client.get("/api/v1/translations", headers=api.as_("lead"))).json()
    assert about(listed, project["id"]) == [("phase_change", "reason", "cy")]
    [reason] = [i for i in listed if i["project_id"] == project["id"]]
    assert reason["id"] == str(change["id"]) and reason["text"] == {"en": "Waiting for the budget", "cy": ""}
    assert reason["project_slug"] == project["slug"] and reason["since"]

    filled = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "phase_change", "id": str(change["id"]), "field": "reason", "lang": "cy", "text": "Aros am y gyllideb"})  # fmt: skip
    assert filled.status_code == 200, filled.text
    [event] = [e for e in await api.events("portfolio.project.phase_reason_translated")
               if e["aggregate_id"] == uuid.UUID(project["id"])]  # fmt: skip
    assert event["aggregate_seq"] == 3 and event["actor_role"] == "lead"
    assert event["data"]["phase_change_id"] == str(change["id"]) and event["data"]["phase_change_seq"] == 2
    assert event["data"]["reason"] == {"en": "Waiting for the budget", "cy": "Aros am y gyllideb"}
    assert change["data"] == (await api.events("portfolio.project.phase_changed"))[-1]["data"]  # never rewritten

    history = (await api.client.get(f"/api/v1/projects/{project['id']}/history", headers=api.as_("lead"))).json()
    [shown] = [e for e in history if e["type"] == "portfolio.project.phase_changed"]
    assert shown["data"]["reason"] == {"en": "Waiting for the budget", "cy": "Aros am y gyllideb"}
    now = (await api.client.get(f"/api/v1/projects/{project['id']}", headers=api.as_("lead"))).json()
    assert now["version"] == 3 and now["state"] == "paused"
    assert about((await api.client.get("/api/v1/translations", headers=api.as_("lead"))).json(), project["id"]) == []


async def test_a_phase_change_that_gave_no_reason_has_nothing_to_translate(api: Api) -> None:
    project = (await api.project()).json()
    moved = await api.client.post(f"/api/v1/projects/{project['id']}/phase", headers={**api.as_("lead"), "If-Match": '"1"'},
                                  json={"kind": "advance", "effective": "2025-05-01"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    [change] = [e for e in await api.events("portfolio.project.phase_changed") if e["aggregate_id"] == uuid.UUID(project["id"])]  # fmt: skip
    assert about((await api.client.get("/api/v1/translations", headers=api.as_("lead"))).json(), project["id"]) == []
    nothing = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "phase_change", "id": str(change["id"]), "field": "reason", "lang": "cy", "text": "Rheswm"})  # fmt: skip
    assert nothing.status_code == 404
    assert await api.events("portfolio.project.phase_reason_translated") == []


def of_request(items: list[dict[str, Any]], request_id: str) -> list[tuple[str, str, str, str]]:
    return sorted((i["kind"], i["field"], i["missing"], i["organisation"]) for i in items if i["id"] == request_id)


async def test_a_translator_fills_in_a_support_request_need_and_its_triage_reason_each_an_event(api: Api) -> None:
    sent = await api.client.post("/api/v1/support-requests", json={
        "organisation": "Cyngor Gwynedd", "contact_name": "Ann Jones", "contact_email": "ann@example.org",
        "need": "We want help moving a paper form online", "need_language": "en"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]
    listed = await api.client.get("/api/v1/translations", headers=api.as_("lead"))
    assert of_request(listed.json(), request_id) == [("support_request", "need", "cy", "Cyngor Gwynedd")]
    too_soon = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "support_request", "id": request_id, "field": "reason", "lang": "en", "text": "Out of scope"})  # fmt: skip
    assert too_soon.status_code == 422 and [e["field"] for e in too_soon.json()["errors"]] == ["field"]

    declined = await api.client.post(f"/api/v1/support-requests/{request_id}/triage", headers=api.as_("lead"),
                                     json={"outcome": "declined", "reason": {"cy": "Y tu hwnt i'n gwaith"}})  # fmt: skip
    assert declined.status_code == 200, declined.text
    listed = await api.client.get("/api/v1/translations", headers=api.as_("lead"))
    assert of_request(listed.json(), request_id) == [
        ("support_request", "need", "cy", "Cyngor Gwynedd"), ("support_request", "reason", "en", "Cyngor Gwynedd")]  # fmt: skip
    [need] = [i for i in listed.json() if i["id"] == request_id and i["field"] == "need"]
    assert need["project_id"] is None and need["text"] == {"en": "We want help moving a paper form online", "cy": ""}

    for field, lang, text in (
        ("need", "cy", "Hoffem help i symud ffurflen bapur ar-lein"),
        ("reason", "en", "Beyond our work"),
    ):
        filled = await api.client.post("/api/v1/translations", headers=api.as_("admin"), json={
            "kind": "support_request", "id": request_id, "field": field, "lang": lang, "text": text})  # fmt: skip
        assert filled.status_code == 200, filled.text
    events = [e for e in await api.events("portfolio.support.translated") if e["aggregate_id"] == uuid.UUID(request_id)]
    assert [(e["aggregate_seq"], e["data"]["field"], e["data"]["lang"]) for e in events] == [(3, "need", "cy"), (4, "reason", "en")]  # fmt: skip
    assert events[-1]["data"]["need"] == {"en": "We want help moving a paper form online",
                                          "cy": "Hoffem help i symud ffurflen bapur ar-lein"}  # fmt: skip
    assert events[-1]["data"]["reason"] == {"en": "Beyond our work", "cy": "Y tu hwnt i'n gwaith"}
    [stored] = [r for r in (await api.client.get("/api/v1/support-requests", headers=api.as_("lead"))).json()
                if r["id"] == request_id]  # fmt: skip
    assert stored["version"] == 4 and stored["reason"] == {"en": "Beyond our work", "cy": "Y tu hwnt i'n gwaith"}
    assert of_request((await api.client.get("/api/v1/translations", headers=api.as_("lead"))).json(), request_id) == []
    unknown = await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": "support_request", "id": str(uuid.uuid4()), "field": "need", "lang": "cy", "text": "Testun"})  # fmt: skip
    assert unknown.status_code == 404


TRANSLATED_FROM: dict[tuple[str, str], tuple[type, str]] = {
    ("project", "title"): (domain.NewProject, "title_en"), ("project", "summary"): (domain.NewProject, "summary_en"),
    ("project", "health_reason"): (domain.HealthChange, "reason_en"), ("update", "body"): (domain.NewUpdate, "body_en"),
    ("phase_change", "reason"): (phases.Transition, "reason_en"),
    ("support_request", "need"): (domain.NewSupportRequest, "need"),
    ("support_request", "reason"): (domain.Triage, "reason_en"),
}  # fmt: skip
"""Each text a translator fills in, and the request field it was first written in."""


def test_a_translation_may_be_as_long_as_the_text_it_translates_and_no_longer() -> None:
    translated = {(kind, field): limit for kind, fields in domain.TRANSLATED.items() for field, limit in fields.items()}
    assert translated.keys() == TRANSLATED_FROM.keys()
    for text, (struct, field) in TRANSLATED_FROM.items():
        assert translated[text] == string_limits(struct, field)[1], text
