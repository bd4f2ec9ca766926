"""The pages people use, against the running product: the portfolio, projects and their forms."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import (
    api,
    browser,
    create_partner,
    create_project,
    field_errors,
    summary_links,
    words,
)


def tomorrow() -> dt.date:
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


def date_fields(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


async def test_the_home_page_shows_the_portfolio_by_phase_with_filters_and_charts(stack: Stack) -> None:
    partner = await create_partner(stack)
    await create_project(stack, partner_id=partner["id"], title_en="Rural bus timetables", health="amber",
                         health_reason="Waiting on data", tags=["content"])  # fmt: skip
    await create_project(stack, partner_id=partner["id"], title_en="Library card renewals")
    async with browser(stack) as visitor:
        page = await visitor.get("/", params={"lang": "en", "partner": partner["id"]})
        assert page.status_code == 200
        assert "Rural bus timetables" in page.text and "Library card renewals" in page.text
        assert "2 projects" in page.text
        assert re.search(r'app-board__count">2</span>\s*Discovery', page.text)
        assert "Projects in each phase" in page.text and '<div class="govuk-visually-hidden"><table' in page.text
        assert 'aria-hidden="true"' in page.text  # the picture is hidden from screen readers; its table is not
        amber = await visitor.get("/", params={"lang": "en", "partner": partner["id"], "health": "amber"})
        assert "Rural bus timetables" in amber.text and "Library card renewals" not in amber.text
        by_tag = await visitor.get("/", params={"partner": partner["id"], "tag": "content", "lang": "en"})
        assert "1 project" in by_tag.text
        fragment = await visitor.get("/", params={"partner": partner["id"]}, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "app-board" in fragment.text
        assert "Moves between phases, by quarter" in page.text  # the public sees how projects moved too
        junk = await visitor.get("/", params={"partner": "not-a-uuid", "health": "purple"})
        assert junk.status_code == 200  # a hand-edited address never fails


async def test_staff_see_how_projects_moved_between_phases(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    today = dt.datetime.now(dt.UTC).date()
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                      json={"kind": "advance", "effective": today.isoformat()})  # fmt: skip
    assert moved.status_code == 200, moved.text
    async with browser(stack, "lead") as lead:
        page = await lead.get("/", params={"lang": "en", "partner": partner["id"]})
        assert "Moves between phases, by quarter" in page.text and "Time spent in each phase" in page.text
        quarter = f"Q{(today.month - 1) // 3 + 1} {today.year}"
        row = re.search(rf'<th scope="row" class="govuk-table__header">{quarter}</th>(.*?)</tr>', page.text, re.S)
        assert row and re.findall(r">(\d+)</td>", row[1])[0] == "1"  # one move into alpha this quarter
        welsh = await lead.get("/", params={"lang": "cy", "partner": partner["id"]})
        assert "Symud rhwng camau, fesul chwarter" in welsh.text and f"Ch{(today.month - 1) // 3 + 1}" in welsh.text


async def test_a_project_page_marks_english_shown_for_missing_welsh_and_hides_the_audit_trail_from_the_public(
    stack: Stack,
) -> None:
    project = await create_project(stack, title_en="Planning portal", title_cy="Porth cynllunio",
                                   summary_en="Apply for planning permission online", summary_cy="")  # fmt: skip
    async with browser(stack) as visitor:
        page = await visitor.get(f"/projects/{project['id']}", params={"lang": "cy"})
        assert page.status_code == 200
        assert '<html lang="cy"' in page.text and "Porth cynllunio" in page.text
        assert '<bdi lang="en">Apply for planning permission online</bdi>' in page.text
        assert "Hanes" not in page.text  # the audit trail is for staff and the project's partner
    async with browser(stack, "lead") as lead:
        page = await lead.get(f"/projects/{project['id']}", params={"lang": "en"})
        assert "History" in page.text and "Project created" in page.text
        assert 'href="/projects/{}/phase"'.format(project["id"]) in page.text


async def test_a_refused_phase_change_shows_the_reason_beside_the_field_in_the_page_language(stack: Stack) -> None:
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        path = f"/projects/{project['id']}/phase"
        refused = await lead.post(path, {"version": "1", "action": "advance:alpha", **date_fields("effective", tomorrow())},
                                  params={"lang": "cy"})  # fmt: skip
        assert refused.status_code == 409
        assert field_errors(refused.text) == ["effective"] and summary_links(refused.text) == ["effective-day"]
        assert "Ni all y dyddiad dod i rym fod ar ôl heddiw" in refused.text  # the API's own Welsh
        assert 'value="advance:alpha" checked' in refused.text  # what was chosen is kept
        today = dt.datetime.now(dt.UTC).date()
        done = await lead.post(path, {"version": "1", "action": "advance:alpha", **date_fields("effective", today)})
        assert done.status_code == 303 and done.headers["location"].endswith("?done=phase")
        assert "cdps_last_write" in done.headers.get("set-cookie", "")
        page = await lead.get(done.headers["location"] + "&lang=en")
        assert "The project's phase has been changed." in words(page) and "Alpha" in page.text
        assert f"after={project['id']}:2" in page.text  # the search link waits for this write


async def test_someone_elses_change_is_shown_beside_yours_and_sending_again_keeps_yours(stack: Stack) -> None:
    project = await create_project(stack, title_en="Old title", title_cy="Hen deitl")
    async with browser(stack, "lead") as lead:
        path = f"/projects/{project['id']}/edit"
        form = await lead.get(path)
        assert 'name="version" value="1"' in form.text
        other = await api(stack, "PATCH", f"/api/v1/projects/{project['id']}", version=1,
                          json={"title_en": "Their title"})  # fmt: skip
        assert other.status_code == 200
        mine = {"version": "1", "title_en": "My title", "title_cy": "Hen deitl", "summary_en": "", "summary_cy": "",
                "partner_id": "", "visibility": "public"}  # fmt: skip
        stale = await lead.post(path, mine, params={"lang": "en"})
        assert stale.status_code == 412
        assert "Someone else changed this project" in stale.text
        assert re.search(r"Title in English</th><td[^>]*>My title</td><td[^>]*>Their title</td>", stale.text)
        assert 'value="My title"' in stale.text and 'name="version" value="2"' in stale.text
        retried = await lead.post(path, {**mine, "version": "2"})
        assert retried.status_code == 303
        saved = await api(stack, "GET", f"/api/v1/projects/{project['id']}")
        assert saved.json()["title_en"] == "My title"


async def test_forms_work_inline_with_htmx_returning_fragments(stack: Stack) -> None:
    project = await create_project(stack)
    htmx = {"HX-Request": "true"}
    async with browser(stack, "lead") as lead:
        form = await lead.get(f"/projects/{project['id']}/health", headers=htmx)
        assert "<html" not in form.text and 'hx-post="/projects/{}/health"'.format(project["id"]) in form.text
        path = f"/projects/{project['id']}/health"
        problem = await lead.post(path, {"version": "1", "health": "red", "reason_cy": "", "reason_en": ""},
                                  headers=htmx)  # fmt: skip
        assert problem.status_code == 422 and "<html" not in problem.text
        assert field_errors(problem.text) == ["reason_cy"]  # either language will do: named at the first
        done = await lead.post(path, {"version": "1", "health": "red", "reason_cy": "Dim cyflenwr",
                                      "reason_en": "No supplier"}, headers=htmx, params={"lang": "en"})  # fmt: skip
        assert done.status_code == 200 and done.headers["hx-retarget"] == "#project"
        assert "<html" not in done.text and 'id="project"' in done.text
        assert "The project's health has been changed." in words(done) and "No supplier" in done.text


async def test_a_lead_adds_a_project_and_posts_an_update(stack: Stack) -> None:
    partner = await create_partner(stack)
    async with browser(stack, "lead") as lead:
        missing = await lead.post("/projects/new", {"title_en": "", "title_cy": "", "slug": "Not A Slug",
                                                    "partner_id": partner["id"], "visibility": "public"},
                                  params={"lang": "en"})  # fmt: skip
        assert missing.status_code == 422
        assert "title_en" in summary_links(missing.text) or "slug" in summary_links(missing.text)
        assert 'value="Not A Slug"' in missing.text
        created = await lead.post("/projects/new", [
            ("title_en", "Flood alerts"), ("title_cy", "Rhybuddion llifogydd"), ("slug", f"flood-{partner['slug']}"),
            ("partner_id", partner["id"]), ("visibility", "public"), ("tags", "cloud"), ("tags", "forms"),
        ])  # fmt: skip
        assert created.status_code == 303, created.text
        project_path = created.headers["location"].split("?")[0]
        assert project_path == f"/projects/flood-{partner['slug']}"  # the slug address, as emails link to
        page = await lead.get(created.headers["location"] + "&lang=cy")
        assert "Rhybuddion llifogydd" in page.text and "Mae'r prosiect wedi'i ychwanegu." in words(page)
        project_id = (await api(stack, "GET", f"/api/v1/projects/by-slug/flood-{partner['slug']}")).json()["id"]
        posted = await lead.post(f"/projects/{project_id}/update", {"body_en": "Met the team", "body_cy": "",
                                                                   "health": ""})  # fmt: skip
        assert posted.headers["location"] == f"{project_path}?done=update"
        assert posted.status_code == 303
        page = await lead.get(project_path, params={"lang": "cy"})
        assert '<bdi lang="en">Met the team</bdi>' in page.text
        mine = await lead.get("/my-projects", params={"lang": "en"})
        assert "Flood alerts" in mine.text


async def test_a_project_page_is_at_its_slug_and_its_id_shows_the_same_page_naming_the_slug_canonical(
    stack: Stack,
) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], title_en="School meals")
    hidden = await create_project(stack, partner_id=partner["id"], title_en="Quiet work", visibility="partner")
    canonical = f'<link rel="canonical" href="/projects/{project["slug"]}">'
    async with browser(stack) as visitor:
        by_slug = await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"})
        by_id = await visitor.get(f"/projects/{project['id']}", params={"lang": "en"})
        for page in (by_slug, by_id):
            assert page.status_code == 200 and "School meals" in page.text and canonical in page.text
        for address in (f"/projects/{hidden['slug']}", f"/projects/{hidden['id']}", "/projects/no-such-project",
                        "/projects/Not_A_Slug", f"/projects/{'a' * 81}"):  # fmt: skip
            assert (await visitor.get(address)).status_code == 404, address
        portfolio = await visitor.get("/", params={"partner": partner["id"]})
        assert f'href="/projects/{project["slug"]}"' in portfolio.text
        assert f'href="/projects/{project["id"]}"' not in portfolio.text
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        assert (await theirs.get(f"/projects/{hidden['slug']}")).status_code == 200


async def test_a_delivery_lead_of_the_portfolio_is_shown_by_name_to_partners_and_staff_never_by_id(
    stack: Stack,
) -> None:
    partner = await create_partner(stack)
    person = await api(stack, "POST", "/api/v1/people", json={
        "name": "Owain Lewis", "email": f"owain-{uuid.uuid4().hex[:6]}@cdps.example", "kind": "lead"})  # fmt: skip
    assert person.status_code == 201, person.text
    lead_id = person.json()["id"]
    project = await create_project(stack, lead=lead_id, partner_id=partner["id"], visibility="partner")
    assert project["lead_id"] == lead_id  # the lead who created it, as their events name them too
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        for lang, row in (("en", "Delivery lead"), ("cy", "Arweinydd cyflawni")):
            page = await theirs.get(f"/projects/{project['slug']}", params={"lang": lang})
            assert page.status_code == 200 and row in page.text
            assert "Owain Lewis" in page.text and lead_id not in page.text  # the lead and the history's actor
    async with browser(stack, "lead") as lead:
        home = await lead.get("/", params={"lang": "en", "partner": partner["id"]})
        assert f'<option value="{lead_id}">Owain Lewis</option>' in home.text  # the filter by lead
    async with browser(stack) as visitor:
        assert (await visitor.get("/api/v1/people/leads")).status_code == 401  # names are for people signed in


async def test_the_assessment_recorded_with_a_phase_change_is_shown_in_the_timeline_and_history_in_both_languages(
    stack: Stack,
) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], title_en="Parking permits")
    report = "https://assessments.example.gov.wales/parking-permits-alpha"
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1, json={
        "kind": "advance", "effective": dt.datetime.now(dt.UTC).date().isoformat(), "assessment": "met",
        "assessment_url": report})  # fmt: skip
    assert moved.status_code == 200, moved.text
    link = f'<a class="govuk-link" href="{report}">'
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        for lang, said, read in (
            ("en", "Service assessment: Met the standard.", "Read the assessment report"),
            ("cy", "Asesiad gwasanaeth: Wedi bodloni'r safon.", "Darllen adroddiad yr asesiad"),
        ):
            page = await theirs.get(f"/projects/{project['slug']}", params={"lang": lang})
            timeline = page.text.split('id="timeline-title"')[1].split("</figure>")[0]
            history = page.text.split('<table class="govuk-table">')[-1]
            for part in (timeline, history):
                assert said in html.unescape(part) and f"{link}{read}</a>" in part, lang


async def test_partners_see_their_own_projects_and_engagements(stack: Stack) -> None:
    ours, theirs = await create_partner(stack), await create_partner(stack)
    await create_project(stack, partner_id=ours["id"], title_en="Our private work", visibility="partner")
    await create_project(stack, partner_id=theirs["id"], title_en="Their private work", visibility="partner")
    await create_project(stack, partner_id=theirs["id"], title_en="Their public work")
    engagement = await api(stack, "POST", "/api/v1/engagements", json={
        "partner_id": ours["id"], "kind": "training", "summary_en": "Service design training",
        "summary_cy": "Hyfforddiant dylunio gwasanaethau", "started_on": "2026-01-05"})  # fmt: skip
    assert engagement.status_code == 201
    async with browser(stack, "partner", partner_id=ours["id"]) as partner:
        mine = await partner.get("/my-projects", params={"lang": "en"})
        assert "Our private work" in mine.text
        assert "Their private work" not in mine.text and "Their public work" not in mine.text
        home = await partner.get("/", params={"partner": theirs["id"]})
        assert "Their private work" not in home.text and "Their public work" in home.text
        engagements = await partner.get("/engagements", params={"lang": "cy"})
        assert "Hyfforddiant dylunio gwasanaethau" in engagements.text
        assert (await partner.get("/support/requests")).status_code == 403
        assert (await partner.get("/projects/new")).status_code == 403
    async with browser(stack) as visitor:
        assert (await visitor.get("/engagements")).status_code == 401
        partners = await visitor.get("/partners", params={"lang": "cy"})
        assert ours["name_cy"] in partners.text
        one = await visitor.get(f"/partners/{ours['id']}", params={"lang": "en"})
        assert ours["name_en"] in one.text and "Our private work" not in one.text
