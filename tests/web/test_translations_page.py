"""The Missing translations page lists every text written in one language only (by kind, partner and
age), and a lead fills in the other language in place; the project page then shows it."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, identity_headers, words


async def test_a_lead_fills_in_the_welsh_of_an_english_only_update_and_reason_in_place(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], health="red",
                                   health_reason={"en": f"No supplier for {uuid.uuid4().hex[:6]}"})  # fmt: skip
    posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                       json={"body_en": "Met the residents' panel", "body_cy": ""})  # fmt: skip
    assert posted.status_code == 201, posted.text
    update = posted.json()

    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        assert (await theirs.get("/translations")).status_code == 403
    async with browser(stack, "lead") as lead:
        listed = await lead.get("/translations", params={"lang": "cy", "partner": partner["id"]})
        assert listed.status_code == 200
        page = words(listed)
        assert page.count('name="text"') == 2 and 'lang="en">Met the residents\' panel</dd>' in page
        assert "Cadw'r Gymraeg" in page and f'value="{update["id"]}"' in page
        updates_only = words(await lead.get("/translations", params={"kind": "update", "partner": partner["id"]}))
        assert updates_only.count('name="text"') == 1

        blank = await lead.post("/translations", {"kind": "update", "id": update["id"], "field": "body", "lang": "cy",
                                                  "text": "  "}, params={"lang": "en"})  # fmt: skip
        assert blank.status_code == 422 and "Write the translation" in blank.text
        assert f'href="#text-update-{update["id"]}-body"' in blank.text  # the summary links to its box

        filled = await lead.post("/translations", {"kind": "update", "id": update["id"], "field": "body", "lang": "cy",
                                                   "text": "Wedi cwrdd â phanel y trigolion"})  # fmt: skip
        assert filled.status_code == 303 and filled.headers["location"].startswith("/translations?done=1")
        reason = await lead.post("/translations", {"kind": "project", "id": project["id"], "field": "health_reason",
                                                   "lang": "cy", "text": "Dim cyflenwr"})  # fmt: skip
        assert reason.status_code == 303
        after = words(await lead.get("/translations", params={"lang": "cy", "partner": partner["id"], "done": "1"}))
        assert "Mae'r cyfieithiad wedi'i gadw." in after and 'name="text"' not in after

    async with browser(stack) as visitor:
        welsh = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "<bdi>Wedi cwrdd â phanel y trigolion</bdi>" in welsh and "<bdi>Dim cyflenwr</bdi>" in welsh
        assert not re.search(r"Met the residents", welsh)


async def test_a_lead_fills_in_a_phase_change_reason_and_a_support_need_in_place(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    budget = f"Waiting for budget {uuid.uuid4().hex[:6]}"
    paused = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                       json={"kind": "pause", "effective": "2025-05-01", "reason": {"en": budget}})  # fmt: skip
    assert paused.status_code == 200, paused.text
    organisation = f"Cyngor Cymuned {uuid.uuid4().hex[:6]}"
    sent = await api(stack, "POST", "/api/v1/support-requests", json={
        "organisation": organisation, "contact_name": "Ann Jones", "contact_email": "ann@example.org",
        "need": "We want help moving a paper form online", "need_language": "en"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    request_id = sent.json()["id"]

    async with browser(stack, "lead") as lead:
        phase_changes = words(await lead.get("/translations", params={"lang": "cy", "kind": "phase_change",
                                                                      "partner": partner["id"]}))  # fmt: skip
        assert phase_changes.count('name="text"') == 1 and f'lang="en">{budget}</dd>' in phase_changes
        assert "Newidiadau cam" in phase_changes and 'value="phase_change"' in phase_changes
        [event_id] = re.findall(r'name="kind" value="phase_change"><input type="hidden" name="id" value="([^"]+)"',
                                phase_changes)  # fmt: skip
        support = words(await lead.get("/translations", params={"kind": "support_request"}))
        assert f'href="/support/requests/{request_id}"><bdi>{organisation}</bdi></a>' in support
        assert f'value="{request_id}"' in support

        saved = await lead.post("/translations", {"kind": "phase_change", "id": event_id, "field": "reason",
                                                  "lang": "cy", "text": "Aros am y gyllideb"})  # fmt: skip
        assert saved.status_code == 303, saved.text
        need = await lead.post("/translations", {"kind": "support_request", "id": request_id, "field": "need",
                                                 "lang": "cy", "text": "Hoffem help gyda ffurflen bapur"})  # fmt: skip
        assert need.status_code == 303, need.text
        after = words(await lead.get("/translations", params={"kind": "phase_change", "partner": partner["id"]}))
        assert 'name="text"' not in after
        assert f'value="{request_id}"' not in words(await lead.get("/translations", params={"kind": "support_request"}))

        welsh = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "<bdi>Aros am y gyllideb</bdi>" in welsh and budget not in welsh
        assert "Hoffem help gyda ffurflen bapur" in words(await lead.get(f"/support/requests/{request_id}",
                                                                         params={"lang": "cy"}))  # fmt: skip
    async with httpx.AsyncClient(base_url=stack.urls["search"], timeout=10) as search:  # the stream took it there
        found = await search.get("/api/v1/search", params={"q": "ffurflen papur", "after": f"{request_id}:2"},
                                 headers=identity_headers(stack, "lead"))  # fmt: skip
        assert found.headers["x-index-caught-up"] == "true"
        assert request_id in [hit["id"] for hit in found.json()["items"]]


async def test_a_lead_fills_in_an_assessments_panel_role_an_actions_text_and_a_gate_reason_in_place(
    stack: Stack,
) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    ratings = [{"standard": n, "rating": "partly_met", "evidence_en": "Seen", "evidence_cy": "Gwelwyd"}
               for n in range(1, 13)]  # fmt: skip
    drafted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/assessments", json={
        "to_phase": "alpha", "kind": "peer_review", "held_on": "2025-06-02", "ratings": ratings,
        "panel": [{"name": "Ann Jones", "role": {"en": "Lead assessor"}}]})  # fmt: skip
    assessment = drafted.json()
    published = await api(stack, "POST", f"/api/v1/assessments/{assessment['id']}/publish", version=1)
    assert published.status_code == 200, published.text
    added = await api(stack, "POST", f"/api/v1/assessments/{assessment['id']}/actions",
                      json={"standard": 2, "text_en": "Test with Welsh speakers", "owner": "Nia"})  # fmt: skip
    action = added.json()
    await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
              json={"kind": "advance", "effective": "2025-07-01"})  # fmt: skip
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=2, json={
        "kind": "advance", "effective": "2025-07-02", "gate_override_reason": {"cy": "Gofynnodd y gweinidog"}})  # fmt: skip
    assert moved.status_code == 200, moved.text  # into private beta without an assessment of that gate

    async with browser(stack, "lead") as lead:
        listed = words(await lead.get("/translations", params={"lang": "cy", "kind": "assessment",
                                                               "partner": partner["id"]}))  # fmt: skip
        assert listed.count('name="text"') == 1 and "Asesiadau: Rôl (Aelod 1 o'r panel)" in listed
        assert f'href="/assessments/{assessment["id"]}"' in listed and 'name="part" value="1"' in listed
        actions = words(
            await lead.get("/translations", params={"lang": "en", "kind": "action", "partner": partner["id"]})
        )
        assert "Actions: What is to be done" in actions and 'lang="en">Test with Welsh speakers</dd>' in actions
        role = await lead.post("/translations", {"kind": "assessment", "id": assessment["id"], "field": "role",
                                                 "part": "1", "lang": "cy", "text": "Prif aseswr"})  # fmt: skip
        assert role.status_code == 303, role.text
        assert f"#text-assessment-{assessment['id']}-role-1" in role.headers["location"]
        text = await lead.post("/translations", {"kind": "action", "id": action["id"], "field": "text", "lang": "cy",
                                                 "text": "Profi gyda siaradwyr Cymraeg"})  # fmt: skip
        assert text.status_code == 303, text.text
        gates = words(await lead.get("/translations", params={"lang": "en", "kind": "phase_change",
                                                              "partner": partner["id"]}))  # fmt: skip
        assert "Phase changes: Reason to go ahead without an assessment that met the standards" in gates
        [event_id] = re.findall(
            r'name="kind" value="phase_change"><input type="hidden" name="id" value="([^"]+)"', gates
        )
        gate = await lead.post("/translations", {"kind": "phase_change", "id": event_id, "field": "gate_override_reason",
                                                 "lang": "en", "text": "The minister asked for it"})  # fmt: skip
        assert gate.status_code == 303, gate.text
        after = words(await lead.get("/translations", params={"partner": partner["id"]}))
        assert 'name="text"' not in after
        report = words(await lead.get(f"/assessments/{assessment['id']}", params={"lang": "cy"}))
        assert "Ann Jones, <bdi>Prif aseswr</bdi>" in report and "Profi gyda siaradwyr Cymraeg" in report
