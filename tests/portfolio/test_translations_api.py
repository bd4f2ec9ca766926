"""Missing translations: staff list every project text and update written in one language only, and a
translator fills in the other language; each translation is its project's event."""

from __future__ import annotations

import uuid
from typing import Any

from tests.portfolio.conftest import Api


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
