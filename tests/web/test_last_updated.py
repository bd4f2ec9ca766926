"""Every project page says when the project was last updated and by what kind of change, in both languages."""

from __future__ import annotations

import datetime as dt

from shared import vocabulary
from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project, words


async def test_a_project_page_says_when_and_by_what_kind_of_change_it_was_last_updated(stack: Stack) -> None:
    project = await create_project(stack)
    today = dt.datetime.now(dt.UTC).date()
    english, welsh = vocabulary.long_date(today, "en"), vocabulary.long_date(today, "cy")
    async with browser(stack) as visitor:
        page = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert f"Last updated {english}: project created" in page
        moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                          json={"kind": "advance", "effective": today.isoformat()})  # fmt: skip
        assert moved.status_code == 200, moved.text
        page = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert f"Diweddarwyd ddiwethaf ar {welsh}: newidiwyd y cam" in page
        paused = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=2,
                           json={"kind": "pause", "effective": today.isoformat(), "reason": "Waiting on funding"})  # fmt: skip
        assert paused.status_code == 200, paused.text
        page = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert f"Last updated {english}: state changed" in page
        posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                           json={"body_en": "Tested the forms", "body_cy": "Profwyd y ffurflenni"})  # fmt: skip
        assert posted.status_code == 201, posted.text
        page = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert f"Diweddarwyd ddiwethaf ar {welsh}: postiwyd diweddariad" in page
    reply = await api(stack, "GET", f"/api/v1/projects/{project['id']}")
    assert reply.json()["last_change"]["type"] == "portfolio.project.update_posted"
    listed = await api(stack, "GET", "/api/v1/projects", params={"limit": 1})
    assert listed.json()["items"][0].get("last_change") is None  # one project's answer only


async def test_the_part_of_the_page_an_inline_form_replaces_says_it_too(stack: Stack) -> None:
    project = await create_project(stack)
    today = dt.datetime.now(dt.UTC).date()
    async with browser(stack, "lead") as lead:
        await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})
        changed = await lead.post(f"/projects/{project['id']}/health", {"version": "1", "health": "amber",
                                  "reason_en": "Waiting on a supplier"}, headers={"HX-Request": "true"})  # fmt: skip
        assert changed.status_code == 200, changed.text
        assert f"Last updated {vocabulary.long_date(today, 'en')}: health changed" in words(changed)
