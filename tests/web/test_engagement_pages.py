"""Staff record, change and end engagements with forms that work without JavaScript, in Welsh or
English; each form returns to the page it was opened from, which shows the engagement as it now is.
A partner's users read their own organisation's engagements and never see the forms."""

from __future__ import annotations

import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, field_errors, summary_links, words


async def test_a_lead_records_changes_and_ends_an_engagement_from_the_partners_page(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    home = f"/partners/{partner['id']}"
    async with browser(stack, "lead") as lead:
        shown = words(await lead.get(home, params={"lang": "en"}))
        form = f"/engagements/new?partner={partner['id']}&back={home}"
        assert f'href="{form.replace("&", "&amp;")}"' in (await lead.get(home, params={"lang": "en"})).text
        assert "Record an engagement" in shown
        opened = await lead.get(f"{form}&lang=cy")
        assert opened.status_code == 200 and "Cofnodi ymgysylltiad" in words(opened)
        assert f'<option value="{partner["id"]}" selected>' in opened.text
        wrong = await lead.post("/engagements/new", {
            "partner_id": "", "kind": "party", "summary_cy": "x" * 4001, "summary_en": "",
            "started_on-day": "31", "started_on-month": "2", "started_on-year": "2026",
            "ended_on-day": "99", "ended_on-month": "1", "ended_on-year": "2026", "back": home,
        }, form=form, params={"lang": "cy"})  # fmt: skip
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["partner_id", "kind", "summary_cy", "started_on-day", "ended_on-day"]
        assert field_errors(wrong.text) == ["partner_id", "kind", "summary_cy", "started_on", "ended_on"]
        assert "Dewiswch y math o ymgysylltiad" in words(wrong)
        other = await create_project(stack, partner_id=(await create_partner(stack))["id"])
        refused = await lead.post("/engagements/new", {
            "partner_id": partner["id"], "kind": "advice", "summary_cy": "Cyngor", "summary_en": "Advice",
            "started_on-day": "2", "started_on-month": "3", "started_on-year": "2026", "project_id": other["id"],
        }, form=form, params={"lang": "en"})  # fmt: skip
        assert refused.status_code == 422 and field_errors(refused.text) == ["project_id"]
        assert "This project is with another partner" in words(refused)
        recorded = await lead.post("/engagements/new", {
            "partner_id": partner["id"], "kind": "advice", "summary_cy": "Cyngor ar ffurflenni ar-lein",
            "summary_en": "Advice on online forms", "started_on-day": "2", "started_on-month": "3",
            "started_on-year": "2026", "project_id": project["id"], "back": home,
        }, form=form)  # fmt: skip
        assert recorded.status_code == 303 and recorded.headers["location"] == f"{home}?done=engagement"
        page = await lead.get(recorded.headers["location"] + "&lang=en")
        assert "The engagement has been recorded." in words(page) and "Advice on online forms" in words(page)
        [engagement_id] = re.findall(r'href="/engagements/([0-9a-f-]{36})/edit', page.text)
        edit = f"/engagements/{engagement_id}/edit"
        opened = await lead.get(edit, params={"lang": "en", "back": f"/projects/{project['slug']}"})
        assert 'name="version" value="1"' in opened.text and "Advice on online forms" in opened.text
        assert f'name="back" value="/projects/{project["slug"]}"' in opened.text
        changed = await lead.post(edit, {
            "kind": "training", "summary_cy": "Hyfforddiant ar ffurflenni", "summary_en": "Training on forms",
            "started_on-day": "1", "started_on-month": "3", "started_on-year": "2026", "project_id": project["id"],
            "version": "1", "back": f"/projects/{project['slug']}",
        }, form=edit)  # fmt: skip
        assert changed.headers["location"] == f"/projects/{project['slug']}?done=engagement_changed"
        on_project = words(await lead.get(changed.headers["location"] + "&lang=cy"))
        assert "Mae'r ymgysylltiad wedi'i newid." in on_project and "Hyfforddiant ar ffurflenni" in on_project
        late = await lead.post(edit, {"kind": "advice", "summary_cy": "", "summary_en": "", "started_on-day": "1",
                                      "started_on-month": "3", "started_on-year": "2026", "version": "1"},
                               form=edit, params={"lang": "en"})  # fmt: skip
        assert late.status_code == 422 and "Someone else changed this engagement" in words(late)
        end = f"/engagements/{engagement_id}/end"
        before = await lead.post(end, {"ended_on-day": "1", "ended_on-month": "1", "ended_on-year": "2026",
                                       "version": "2"}, form=end, params={"lang": "cy"})  # fmt: skip
        assert before.status_code == 422 and "Ni all y dyddiad gorffen fod cyn y dyddiad dechrau" in words(before)
        ended = await lead.post(end, {"ended_on-day": "30", "ended_on-month": "6", "ended_on-year": "2026",
                                      "version": "2", "back": "/engagements"}, form=end)  # fmt: skip
        assert ended.headers["location"] == "/engagements?done=engagement_ended"
        listed = await lead.get("/engagements?done=engagement_ended&lang=en")
        assert "The engagement has been ended." in words(listed) and "30 June 2026" in words(listed)
        assert f"/engagements/{engagement_id}/end" not in listed.text  # ended once
        assert (await lead.get(end, params={"lang": "en"})).status_code == 200  # says it has ended, no form
    got = await api(stack, "GET", f"/api/v1/engagements/{engagement_id}")
    assert got.json()["kind"] == "training" and got.json()["ended_on"] == "2026-06-30" and got.json()["version"] == 3


async def test_a_partner_reads_its_engagements_but_never_sees_the_forms(stack: Stack) -> None:
    partner = await create_partner(stack)
    made = await api(stack, "POST", "/api/v1/engagements", json={
        "partner_id": partner["id"], "kind": "advice", "summary_en": "Advice on hosting",
        "summary_cy": "Cyngor ar letya", "started_on": "2026-01-05"})  # fmt: skip
    engagement_id = made.json()["id"]
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        page = await theirs.get(f"/partners/{partner['id']}", params={"lang": "cy"})
        assert "Cyngor ar letya" in words(page) and "/engagements/" not in page.text.replace('/engagements"', "")
        for path in ("/engagements/new", f"/engagements/{engagement_id}/edit", f"/engagements/{engagement_id}/end"):
            assert (await theirs.get(path)).status_code == 403, path
    async with browser(stack) as visitor:
        assert (await visitor.get("/engagements/new")).status_code in (401, 303)


async def test_a_lead_links_the_partners_contacts_to_an_engagement(stack: Stack) -> None:
    partner = await create_partner(stack)
    added = await api(stack, "POST", f"/api/v1/partners/{partner['id']}/contacts", json={
        "name": "Siân Hughes", "email": f"sian-{uuid.uuid4().hex[:6]}@example.org", "language": "cy"})  # fmt: skip
    assert added.status_code == 201, added.text
    contact = added.json()
    form = f"/engagements/new?partner={partner['id']}"
    async with browser(stack, "lead") as lead:
        opened = await lead.get(f"{form}&lang=cy")
        assert "Cysylltiadau yn y partner (dewisol)" in words(opened) and "Siân Hughes" in words(opened)
        recorded = await lead.post("/engagements/new", [
            ("partner_id", partner["id"]), ("kind", "advice"), ("summary_cy", "Cyngor"), ("summary_en", "Advice"),
            ("started_on-day", "2"), ("started_on-month", "3"), ("started_on-year", "2026"),
            ("contacts_shown", "yes"), ("contacts", contact["id"]),
        ], form=form)  # fmt: skip
        assert recorded.status_code == 303, recorded.text
    [made] = (await api(stack, "GET", "/api/v1/engagements", params={"partner": partner["id"]})).json()
    assert made["contacts"] == [contact["id"]]


async def test_without_javascript_a_fresh_form_asks_for_the_partner_first_then_offers_its_projects_and_contacts(
    stack: Stack,
) -> None:
    partner = await create_partner(stack, "Conwy County Borough Council", "Cyngor Bwrdeistref Sirol Conwy")
    ours = await create_project(stack, partner_id=partner["id"], title_en="Waste collection app")
    theirs = await create_project(stack, partner_id=(await create_partner(stack))["id"], title_en="Not Conwy's")
    added = await api(stack, "POST", f"/api/v1/partners/{partner['id']}/contacts", json={
        "name": "Gethin Roberts", "email": f"gethin-{uuid.uuid4().hex[:6]}@example.org"})  # fmt: skip
    contact = added.json()
    async with browser(stack, "lead") as lead:
        fresh = await lead.get("/engagements/new", params={"lang": "cy", "back": "/engagements"})
        assert fresh.status_code == 200 and 'method="get" action="/engagements/new"' in fresh.text
        assert 'name="summary_cy"' not in fresh.text and "Cynigir ei brosiectau a'i gysylltiadau nesaf" in words(fresh)
        none = await lead.get("/engagements/new", params={"lang": "en", "partner": "", "back": "/engagements"})
        assert none.status_code == 422 and field_errors(none.text) == ["partner"]
        assert summary_links(none.text) == ["partner"] and "Choose the partner the engagement is with" in words(none)
        # What "Continue" asks for: the same page, for the partner chosen.
        form = await lead.get(
            "/engagements/new", params={"lang": "cy", "partner": partner["id"], "back": "/engagements"}
        )
        assert "Gethin Roberts" in words(form) and 'name="contacts_shown"' in form.text
        assert ours["id"] in form.text and theirs["id"] not in form.text  # only this partner's projects
        assert 'name="back" value="/engagements"' in form.text
        recorded = await lead.post("/engagements/new", [
            ("partner_id", partner["id"]), ("kind", "advice"), ("summary_cy", "Cyngor ar gasglu gwastraff"),
            ("summary_en", "Advice on waste collection"), ("started_on-day", "2"), ("started_on-month", "3"),
            ("started_on-year", "2026"), ("project_id", ours["id"]), ("contacts_shown", "yes"),
            ("contacts", contact["id"]), ("back", "/engagements"),
        ], form="/engagements/new")  # fmt: skip
        assert recorded.status_code == 303 and recorded.headers["location"].startswith("/engagements?done=")
    [made] = (await api(stack, "GET", "/api/v1/engagements", params={"partner": partner["id"]})).json()
    assert made["contacts"] == [contact["id"]] and made["project_id"] == ours["id"]
