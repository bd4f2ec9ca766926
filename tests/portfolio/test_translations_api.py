"""Missing translations: staff list every project text and update written in one language only, and a
translator fills in the other language; each translation is its project's event."""

from __future__ import annotations

import uuid
from typing import Any

from services.portfolio import assessments, domain, phases
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
    ("phase_change", "gate_override_reason"): (phases.Transition, "gate_override_reason_en"),
    ("assessment", "summary"): (assessments.AssessmentChanges, "summary_en"),
    ("assessment", "override_reason"): (assessments.AssessmentChanges, "override_reason_en"),
    ("assessment", "evidence"): (assessments.RatingInput, "evidence_en"),
    ("assessment", "recommendations"): (assessments.RatingInput, "recommendations_en"),
    ("assessment", "reason"): (assessments.RatingInput, "reason_en"),
    ("assessment", "role"): (assessments.PanelMemberInput, "role_en"),
    ("action", "text"): (assessments.NewAction, "text_en"), ("action", "reason"): (assessments.ActionClosing, "reason_en"),
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


def of_record(items: list[dict[str, Any]], record_id: str) -> list[tuple[str, str, int | None, str]]:
    return sorted(((i["kind"], i["field"], i["part"], i["missing"]) for i in items if i["id"] == record_id),
                  key=str)  # fmt: skip


async def translate(
    api: Api, kind: str, record_id: str, field: str, lang: str, text: str, part: int | None = None
) -> Any:
    return await api.client.post("/api/v1/translations", headers=api.as_("lead"), json={
        "kind": kind, "id": record_id, "field": field, "lang": lang, "text": text,
        **({} if part is None else {"part": part})})  # fmt: skip


async def test_a_translator_fills_in_an_assessments_texts_in_place_each_an_event_published_or_not(api: Api) -> None:
    lead = api.as_("lead")
    project = (await api.project()).json()
    both = {"evidence_en": "Seen", "evidence_cy": "Gwelwyd"}
    ratings = [{"standard": n, "rating": "met", **both} for n in range(3, 13)] + [
        {"standard": 1, "rating": "not_assessed", "reason": {"cy": "Dim amser"}, **both},
        {"standard": 2, "rating": "partly_met", "evidence_en": "Tested with ten people",
         "recommendations_cy": "Profwch gyda siaradwyr Cymraeg"},
    ]  # fmt: skip
    drafted = await api.client.post(f"/api/v1/projects/{project['id']}/assessments", headers=lead, json={
        "to_phase": "alpha", "kind": "formal_assessment", "held_on": "2025-06-02", "summary_en": "A good start",
        "panel": [{"name": "Ann Jones", "role": {"en": "Lead assessor"}},
                  {"name": "Rhys", "role": {"en": "Researcher", "cy": "Ymchwilydd"}}],
        "ratings": ratings, "panel_outcome": "not_met", "override_reason": {"en": "Too early to say"},
    })  # fmt: skip
    assert drafted.status_code == 201, drafted.text
    assessment = drafted.json()
    listed = (await api.client.get("/api/v1/translations", headers=lead)).json()
    assert of_record(listed, assessment["id"]) == sorted([
        ("assessment", "summary", None, "cy"), ("assessment", "override_reason", None, "cy"),
        ("assessment", "reason", 1, "en"), ("assessment", "evidence", 2, "cy"),
        ("assessment", "recommendations", 2, "en"), ("assessment", "role", 1, "cy"),
    ], key=str)  # fmt: skip
    [role] = [i for i in listed if i["id"] == assessment["id"] and i["field"] == "role"]
    assert role["text"] == {"en": "Lead assessor", "cy": ""} and role["project_slug"] == project["slug"]

    unnamed = await translate(api, "assessment", assessment["id"], "role", "cy", "Prif aseswr")
    assert unnamed.status_code == 422 and [e["field"] for e in unnamed.json()["errors"]] == ["part"]
    nobody = await translate(api, "assessment", assessment["id"], "role", "cy", "Prif aseswr", part=3)
    assert nobody.status_code == 422 and [e["field"] for e in nobody.json()["errors"]] == ["field"]
    filled = await translate(api, "assessment", assessment["id"], "role", "cy", " Prif aseswr ", part=1)
    assert filled.status_code == 200, filled.text
    for field, lang, text, part in (("evidence", "cy", "Profwyd gyda deg o bobl", 2), ("reason", "en", "No time", 1),
                                    ("recommendations", "en", "Test with Welsh speakers", 2),
                                    ("override_reason", "cy", "Rhy gynnar i ddweud", None)):  # fmt: skip
        assert (await translate(api, "assessment", assessment["id"], field, lang, text, part)).status_code == 200
    now = (await api.client.get(f"/api/v1/assessments/{assessment['id']}", headers=lead)).json()
    assert now["panel"][0]["role"] == {"en": "Lead assessor", "cy": "Prif aseswr"} and now["version"] == 6
    [two] = [r for r in now["ratings"] if r["standard"] == 2]
    assert (two["evidence_cy"], two["recommendations_en"]) == ("Profwyd gyda deg o bobl", "Test with Welsh speakers")
    assert now["override_reason"] == {"en": "Too early to say", "cy": "Rhy gynnar i ddweud"}
    events = [e for e in await api.events("portfolio.assessment.translated")
              if e["aggregate_id"] == uuid.UUID(assessment["id"])]  # fmt: skip
    assert [(e["aggregate_seq"], e["data"]["field"], e["data"]["part"]) for e in events][:2] == [
        (2, "role", 1), (3, "evidence", 2)]  # fmt: skip
    assert events[-1]["data"]["assessment"] == {k: now[k] for k in events[-1]["data"]["assessment"]}

    published = await api.client.post(f"/api/v1/assessments/{assessment['id']}/publish",
                                      headers={**lead, "If-Match": '"6"'})  # fmt: skip
    assert published.status_code == 200, published.text
    summary = await translate(api, "assessment", assessment["id"], "summary", "cy", "Dechrau da")
    assert summary.status_code == 200, summary.text  # the same words in Welsh: no change to what was decided
    action = await api.client.post(f"/api/v1/assessments/{assessment['id']}/actions", headers=lead,
                                   json={"standard": 2, "text_en": "Test with Welsh speakers", "owner": "Nia"})  # fmt: skip
    assert action.status_code == 201, action.text
    dropped = await api.client.post(f"/api/v1/actions/{action.json()['id']}/close", headers={**lead, "If-Match": '"1"'},
                                    json={"state": "dropped", "reason": {"cy": "Wedi'i wneud mewn prosiect arall"}})  # fmt: skip
    assert dropped.status_code == 200, dropped.text
    listed = (await api.client.get("/api/v1/translations", headers=lead)).json()
    assert of_record(listed, assessment["id"]) == []
    action_id = action.json()["id"]
    assert of_record(listed, action_id) == [("action", "reason", None, "en"), ("action", "text", None, "cy")]
    assert (await translate(api, "action", action_id, "text", "cy", "Profi gyda siaradwyr Cymraeg")).status_code == 200
    assert (await translate(api, "action", action_id, "reason", "en", "Done in another project")).status_code == 200
    [closed] = (await api.client.get(f"/api/v1/assessments/{assessment['id']}/actions", headers=lead)).json()
    assert closed["text_cy"] == "Profi gyda siaradwyr Cymraeg" and closed["version"] == 4
    assert closed["reason"] == {"en": "Done in another project", "cy": "Wedi'i wneud mewn prosiect arall"}
    translated = [
        e for e in await api.events("portfolio.action.translated") if e["aggregate_id"] == uuid.UUID(action_id)
    ]
    assert [(e["aggregate_seq"], e["data"]["field"], e["data"]["lang"]) for e in translated] == [
        (3, "text", "cy"), (4, "reason", "en")]  # fmt: skip
    assert of_record((await api.client.get("/api/v1/translations", headers=lead)).json(), action_id) == []


async def test_a_translator_fills_in_a_gate_reason_which_its_history_then_shows(api: Api) -> None:
    lead = api.as_("lead")
    project = (await api.project()).json()
    headers = {**lead, "If-Match": '"1"'}
    await api.client.post(f"/api/v1/projects/{project['id']}/phase", json={"kind": "advance", "effective": "2025-05-01"},
                          headers=headers)  # fmt: skip
    moved = await api.client.post(f"/api/v1/projects/{project['id']}/phase", headers={**lead, "If-Match": '"2"'},
                                  json={"kind": "advance", "effective": "2025-06-01",
                                        "gate_override_reason": {"en": "The minister asked for it"}})  # fmt: skip
    assert moved.status_code == 200, moved.text
    change = (await api.events("portfolio.project.phase_changed"))[-1]
    listed = (await api.client.get("/api/v1/translations", headers=lead)).json()
    assert of_record(listed, str(change["id"])) == [("phase_change", "gate_override_reason", None, "cy")]
    filled = await translate(
        api, "phase_change", str(change["id"]), "gate_override_reason", "cy", "Gofynnodd y gweinidog"
    )
    assert filled.status_code == 200, filled.text
    [event] = [e for e in await api.events("portfolio.project.gate_reason_translated")
               if e["aggregate_id"] == uuid.UUID(project["id"])]  # fmt: skip
    assert event["data"]["phase_change_seq"] == 3 and event["aggregate_seq"] == 4
    assert event["data"]["gate_override_reason"] == {"en": "The minister asked for it", "cy": "Gofynnodd y gweinidog"}
    history = (await api.client.get(f"/api/v1/projects/{project['id']}/history", headers=lead)).json()
    [shown] = [e for e in history if e["type"] == "portfolio.project.phase_changed" and e["seq"] == 3]
    assert shown["data"]["gate_override_reason"]["cy"] == "Gofynnodd y gweinidog"
    assert shown["data"]["reason"] == {"en": "", "cy": ""}  # its reason is its own: not the gate's
    assert of_record((await api.client.get("/api/v1/translations", headers=lead)).json(), str(change["id"])) == []
