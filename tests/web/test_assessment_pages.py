"""Assessment pages against the running product: each assessment's report, linked from its project's
page and phase timeline, in both languages, with what each reader may see."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, summary_links, words


def all_rated(**overrides: dict[str, Any]) -> list[dict[str, Any]]:
    rated = [{"standard": n, "rating": "met", "evidence_en": f"Evidence {n}", "evidence_cy": f"Tystiolaeth {n}"}
             for n in range(1, 13)]  # fmt: skip
    for number, rating in overrides.items():
        rated[int(number.removeprefix("s")) - 1] = {"standard": int(number.removeprefix("s")), **rating}
    return rated


async def assessed_project(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A public project in alpha with a published assessment of its gate into private beta, moved on."""
    today = dt.datetime.now(dt.UTC).date().isoformat()
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                      json={"kind": "advance", "effective": today})  # fmt: skip
    assert moved.status_code == 200, moved.text
    welsh_only = {"rating": "partly_met", "evidence_cy": "Dim ond yn Gymraeg", "recommendations_cy": "Profwch eto"}
    drafted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/assessments", json={
        "to_phase": "private_beta", "kind": "formal_assessment", "held_on": today,
        "panel": [{"name": "Ann Jones", "role": {"en": "Lead assessor", "cy": "Prif aseswr"}},
                  {"name": "Rhys Morgan", "role": {"en": "User research"}}], "ratings": all_rated(s3=welsh_only),
    })  # fmt: skip
    assert drafted.status_code == 201, drafted.text
    published = await api(stack, "POST", f"/api/v1/assessments/{drafted.json()['id']}/publish", version=1)
    assert published.status_code == 200, published.text
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=2,
                      json={"kind": "advance", "effective": today})  # fmt: skip
    assert moved.status_code == 200, moved.text
    return project, published.json()


async def test_a_published_assessment_has_a_report_linked_from_its_project_and_its_phase_timeline(stack: Stack) -> None:
    project, assessment = await assessed_project(stack)
    report = f"/assessments/{assessment['id']}"
    async with browser(stack, "lead") as lead:
        page = await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert page.text.count(f'href="{report}"') == 3  # the assessments table, the phase timeline, the history
        assert "Passed the gate on its assessment" in page.text
        assert "Read the assessment of this gate" in page.text
    async with browser(stack) as visitor:
        page = await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert f'href="{report}"' in page.text
        english = await visitor.get(report, params={"lang": "en"})
        assert english.status_code == 200
        text = words(english)
        assert "Assessment: Alpha to private beta" in text and "Meeting user needs" in text
        assert "3. Understand users and their needs" in text and "Partly met" in text
        assert "Ann Jones" not in text and "Evidence 1" not in text  # the public reads the summary only
        welsh = words(await visitor.get(report, params={"lang": "cy"}))
        assert "Asesiad: Alffa i feta preifat" in welsh and "Diwallu anghenion defnyddwyr" in welsh
        assert "Wedi'i fodloni'n rhannol" in welsh


async def test_staff_read_the_whole_report_with_text_written_in_one_language_marked(stack: Stack) -> None:
    _project, assessment = await assessed_project(stack)
    async with browser(stack, "lead") as lead:
        text = words(await lead.get(f"/assessments/{assessment['id']}", params={"lang": "en"}))
        assert "Ann Jones, <bdi>Lead assessor</bdi>" in text and "Evidence 1" in text
        welsh = words(await lead.get(f"/assessments/{assessment['id']}", params={"lang": "cy"}))
        # a panel member's part in the reader's language, else the other marked with its lang and its note
        assert "Ann Jones, <bdi>Prif aseswr</bdi>" in welsh
        assert 'Rhys Morgan, <bdi lang="en">User research</bdi> <span class="app-muted">(' in welsh
        assert 'lang="cy">Dim ond yn Gymraeg<' in text and "Written in Welsh only" in text
        welsh = words(await lead.get(f"/assessments/{assessment['id']}", params={"lang": "cy"}))
        assert "Dim ond yn Gymraeg" in welsh and "Yn Gymraeg yn unig" not in welsh  # nothing is missing in Welsh


async def test_a_draft_has_no_report_for_the_public(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    drafted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/assessments", json={
        "to_phase": "alpha", "kind": "peer_review", "held_on": dt.datetime.now(dt.UTC).date().isoformat()})  # fmt: skip
    async with browser(stack) as visitor:
        assert (await visitor.get(f"/assessments/{drafted.json()['id']}")).status_code == 404


def version_on(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, page
    return match[1]


async def test_a_partner_self_assesses_one_standard_a_page_and_submits_and_a_lead_publishes_it(stack: Stack) -> None:
    today = dt.datetime.now(dt.UTC).date()
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], visibility="partner")
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as team:
        page = await team.get(f"/projects/{project['id']}", params={"lang": "en"})
        assert f"/assessments/new?project={project['id']}" in page.text and "Start a team self-assessment" in page.text
        start = f"/assessments/new?project={project['id']}"
        started = await team.post("/assessments/new", form=start, data={
            "project": project["id"], "to_phase": "alpha", "kind": "self_assessment",
            "held_on-day": str(today.day), "held_on-month": str(today.month), "held_on-year": str(today.year)})  # fmt: skip
        assert started.status_code == 303, started.text
        first = started.headers["location"]
        assert first.endswith("/standards/1")
        base = first.removesuffix("/standards/1")
        for number in range(1, 13):
            path = f"{base}/standards/{number}"
            shown = await team.get(path, params={"lang": "en"})
            assert f"Standard {number} of 12" in shown.text and "What the panel looks for" in shown.text
            if number == 5:
                continue  # left unrated: submitting names it
            saved = await team.post(path, {"version": version_on(shown.text), "rating": "met",
                                           "evidence_en": f"We did {number}", "evidence_cy": f"Gwnaethom {number}"})  # fmt: skip
            assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"{base}/check"
        check = await team.get(f"{base}/check", params={"lang": "en"})
        assert "Submit it to CDPS" in check.text and "Publish the assessment" not in check.text
        refused = await team.post(f"{base}/check", {"version": version_on(check.text), "action": "submit"})
        assert refused.status_code == 422 and 'href="#standard-5"' in refused.text
        shown = await team.get(f"{base}/standards/5")
        assert "Sicrhau bod pawb" in shown.text or "everyone can use" in shown.text
        await team.post(f"{base}/standards/5", {"version": version_on(shown.text), "rating": "partly_met",
                                                 "evidence_cy": "Profion hygyrchedd ar y gweill"})  # fmt: skip
        check = await team.get(f"{base}/check", params={"lang": "en"})
        submitted = await team.post(f"{base}/check", {"version": version_on(check.text), "action": "submit"})
        assert submitted.status_code == 303 and submitted.headers["location"] == base
        report = words(await team.get(base, params={"lang": "en"}))
        assert "Submitted" in report and "Team self-assessment" in report
    async with browser(stack, "lead") as lead:
        check = await lead.get(f"{base}/check", params={"lang": "en"})
        assert "Publish the assessment" in check.text
        published = await lead.post(f"{base}/check", {"version": version_on(check.text), "action": "publish",
                                                       "summary_en": "A good start"})  # fmt: skip
        assert published.status_code == 303, published.text
        report = words(await lead.get(base, params={"lang": "cy"}))
        assert "Wedi'i gyhoeddi" in report and "Wedi'i fodloni" in report and "A good start" in report


async def test_the_gates_view_shows_projects_at_a_gate_work_under_way_open_actions_and_the_standards_heat_map(
    stack: Stack,
) -> None:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], title_en=f"Gated {uuid.uuid4().hex[:6]}")
    await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
              json={"kind": "advance", "effective": today})  # fmt: skip
    failing = {"rating": "not_met", "recommendations_en": "Research with Welsh speakers"}
    drafted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/assessments", json={
        "to_phase": "private_beta", "kind": "formal_assessment", "held_on": today,
        "panel": [{"name": "Ann Jones", "role": "Lead assessor"}], "ratings": all_rated(s2=failing),
    })  # fmt: skip
    published = (await api(stack, "POST", f"/api/v1/assessments/{drafted.json()['id']}/publish", version=1)).json()
    action = await api(stack, "POST", f"/api/v1/assessments/{published['id']}/actions", json={
        "standard": 2, "text_en": "Test the service with Welsh speakers", "owner": "Nia", "due_on": "2020-01-01"})  # fmt: skip
    assert action.status_code == 201, action.text
    async with browser(stack, "lead") as lead:
        page = words(await lead.get("/gates", params={"lang": "en"}))
        row = page[page.index(project["title_en"]) :][:400]
        assert "Into private beta" in row and "Not met" in row
        assert "Test the service with Welsh speakers" in page and "Overdue" in page
        assert "Standards that fell short, by gate" in page and "app-heat--" in page
        assert "2. Promote the Welsh language" in page
        welsh = words(await lead.get("/gates", params={"lang": "cy"}))
        assert "Pyrth" in welsh and "Hyrwyddo'r Gymraeg" in welsh and "Hwyr" in welsh
    async with browser(stack) as visitor:
        public = words(await visitor.get("/gates", params={"lang": "en"}))
        assert project["title_en"] in public and "Test the service with Welsh speakers" not in public


async def test_the_start_form_sent_twice_starts_one_assessment(stack: Stack) -> None:
    today = dt.datetime.now(dt.UTC).date()
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        form = await lead.get(f"/assessments/new?project={project['id']}")
        key = re.search(r'name="request_key" value="([0-9a-f-]{36})"', form.text)
        assert key, form.text
        fields = {"project": project["id"], "to_phase": "alpha", "kind": "peer_review", "request_key": key[1],
                  "held_on-day": str(today.day), "held_on-month": str(today.month), "held_on-year": str(today.year)}  # fmt: skip
        first = await lead.post("/assessments/new", fields, form=f"/assessments/new?project={project['id']}")
        again = await lead.post("/assessments/new", fields, form=f"/assessments/new?project={project['id']}")
        assert first.status_code == again.status_code == 303
        assert first.headers["location"] == again.headers["location"]
    listed = await api(stack, "GET", f"/api/v1/projects/{project['id']}/assessments")
    assert len(listed.json()) == 1


async def test_a_lead_turns_a_recommendation_into_an_action_on_the_report_and_drops_it_with_a_reason(
    stack: Stack,
) -> None:
    _project, assessment = await assessed_project(stack)  # standard 3 is partly met
    report = f"/assessments/{assessment['id']}"
    async with browser(stack, "lead") as lead:
        shown = await lead.get(report, params={"lang": "en"})
        assert "Turn a recommendation into an action" in shown.text
        empty = await lead.post(f"{report}/actions", {"standard": "3", "text_en": "", "text_cy": "", "owner": ""},
                                form=report)  # fmt: skip
        assert empty.status_code == 422
        assert {"text_en", "text_cy", "owner"} <= set(summary_links(empty.text))
        added = await lead.post(f"{report}/actions", {"standard": "3", "text_en": "Test again in Welsh",
                                                      "text_cy": "", "owner": "Nia"}, form=report)  # fmt: skip
        assert added.status_code == 303, added.text
        text = words(await lead.get(report, params={"lang": "en"}))
        held = dt.date.fromisoformat(assessment["held_on"])
        due = dt.date(held.year + (held.month + 2) // 12, (held.month + 2) % 12 + 1, 1)  # about three months on
        assert "Test again in Welsh" in text and "Nia" in text and str(due.year) in text
        action = (await api(stack, "GET", f"/api/v1/assessments/{assessment['id']}/actions")).json()[0]
        path = f"/actions/{action['id']}/close"
        fields = {"version": "1", "assessment": assessment["id"], "state": "dropped", "reason_cy": "", "reason_en": " "}
        refused = await lead.post(path, fields, form=report)
        assert refused.status_code == 422 and f"reason-{action['id']}" in summary_links(refused.text)
        welsh = "Dewisodd y partner lwybr papur"
        dropped = await lead.post(path, {**fields, "reason_cy": welsh}, form=report)
        assert dropped.status_code == 303, dropped.text
        text = words(await lead.get(report, params={"lang": "en"}))  # written in Welsh only: marked so
        assert f'Dropped: <bdi lang="cy">{welsh}</bdi> <span class="app-muted">(Written in Welsh only)' in text
        text = words(await lead.get(report, params={"lang": "cy"}))
        assert f": <bdi>{welsh}</bdi>" in text


def panel(*members: tuple[str, str, str]) -> dict[str, str]:
    """The start form's panel rows: (name, role in Welsh, role in English) each."""
    fields: dict[str, str] = {}
    for number, (name, role_cy, role_en) in enumerate(members, start=1):
        fields |= {f"panel-{number}-name": name, f"panel-{number}-role_cy": role_cy,
                   f"panel-{number}-role_en": role_en}  # fmt: skip
    return fields


async def test_a_lead_names_the_panel_one_person_a_row_with_the_role_in_welsh_and_english(stack: Stack) -> None:
    today = dt.datetime.now(dt.UTC).date()
    project = await create_project(stack)
    start = f"/assessments/new?project={project['id']}"
    fields = {"project": project["id"], "to_phase": "alpha", "kind": "formal_assessment",
              "held_on-day": str(today.day), "held_on-month": str(today.month), "held_on-year": str(today.year)}  # fmt: skip
    async with browser(stack, "lead") as lead:
        welsh = words(await lead.get(f"{start}&lang=cy"))
        assert welsh.count('lang="cy"') >= 3 and "Aelod 3 o'r panel" in welsh and "Aelod 4 o'r panel" not in welsh
        assert welsh.index('id="panel-1-role_cy"') < welsh.index('id="panel-1-role_en"')  # Welsh first
        assert "Rôl yn Gymraeg" in welsh and "Rôl yn Saesneg" in welsh and "(Cymraeg)" not in welsh
        # without JavaScript: another row, what was typed kept, nothing sent
        more = await lead.post("/assessments/new", {**fields, **panel(("Siân Evans", "Prif aseswr", ""), ("", "", ""),
                                                                      ("", "", "")), "add_member": "1"}, form=start)  # fmt: skip
        assert more.status_code == 200 and 'id="panel-4-name"' in more.text and 'value="Prif aseswr"' in more.text
        bad = panel(("Siân Evans", "r" * 2001, ""), ("", "", "User research"), ("n" * 201, "", ""), ("", "", ""),
                    ("Ann\u202eJones", "", "Assessor"))  # fmt: skip
        refused = await lead.post("/assessments/new", {**fields, **bad}, form=start, params={"lang": "cy"})
        assert refused.status_code == 422
        assert summary_links(refused.text) == ["panel-1-role_cy", "panel-2-name", "panel-3-name"]
        text = words(refused)
        assert "Rhaid i rôl aelod 1 o'r panel yn Gymraeg fod yn 2,000 nod neu lai" in text
        assert "Rhowch enw aelod 2 o'r panel, neu cliriwch ei rôl" in text
        assert "Rhaid i enw aelod 3 o'r panel fod yn 200 nod neu lai" in text
        # what only the portfolio refuses is shown beside its row too: the fifth row is the second member sent
        good = panel(("Siân Evans", "Prif aseswr", "Lead assessor"), ("", "", ""), ("", "", ""), ("", "", ""),
                     ("Ann\u202eJones", "", "Assessor"))  # fmt: skip
        refused = await lead.post("/assessments/new", {**fields, **good}, form=start, params={"lang": "en"})
        assert refused.status_code == 422 and summary_links(refused.text) == ["panel-5-name"]
        assert (await api(stack, "GET", f"/api/v1/projects/{project['id']}/assessments")).json() == []
        good = panel(("Siân Evans", "Prif aseswr", "Lead assessor"), ("", "", ""), ("Rhys Morgan", "", "User research"))
        started = await lead.post("/assessments/new", {**fields, **good}, form=start)
        assert started.status_code == 303, started.text
    [assessment] = (await api(stack, "GET", f"/api/v1/projects/{project['id']}/assessments")).json()
    assert assessment["panel"] == [{"name": "Siân Evans", "role": {"en": "Lead assessor", "cy": "Prif aseswr"}},
                                   {"name": "Rhys Morgan", "role": {"en": "User research", "cy": ""}}]  # fmt: skip
