"""A project page lists its milestones, in Welsh or English; only staff see which are overdue, and
staff add, mark done and remove them with forms that work without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project, field_errors, summary_links, words


async def test_a_project_page_lists_its_milestones_and_flags_the_overdue_ones_for_staff(stack: Stack) -> None:
    project = await create_project(stack)
    today = dt.datetime.now(dt.UTC).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    for body in ({"title_en": "Research plan agreed", "title_cy": "Cynllun ymchwil wedi'i gytuno", "target": last_month},
                 {"title_en": "Ready for alpha assessment", "title_cy": "Yn barod ar gyfer asesiad alffa",
                  "target": "2031-03-14", "gate": "alpha"}):  # fmt: skip
        added = await api(stack, "POST", f"/api/v1/projects/{project['id']}/milestones", json=body)
        assert added.status_code == 201, added.text
    async with browser(stack) as visitor:
        english = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Research plan agreed" in english and "14 March 2031" in english
        assert "Prepares the gate to Alpha" in english and "Overdue" not in english
        welsh = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "Cerrig milltir" in welsh and "Cynllun ymchwil wedi'i gytuno" in welsh and "14 Mawrth 2031" in welsh
    async with browser(stack, "lead") as lead:
        staff = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Overdue" in staff


async def test_a_lead_adds_marks_done_and_removes_a_milestone_with_forms(stack: Stack) -> None:
    project = await create_project(stack)
    form = f"/projects/{project['id']}/milestones/new"
    async with browser(stack, "lead") as lead:
        shown = await lead.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert f'href="{form}"' in shown.text
        wrong = await lead.post(
            form, {"title_en": "", "target-month": "13", "target-year": "2027"}, params={"lang": "cy"}
        )
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["title_cy", "title_en", "target-day"]  # a date's link goes to its day
        assert field_errors(wrong.text) == ["title_cy", "title_en", "target"]
        assert "Rhowch fis a blwyddyn go iawn" in words(wrong)
        added = await lead.post(form, {"title_cy": "Yn barod ar gyfer beta", "title_en": "Ready for beta",
                                       "target-month": "5", "target-year": "2027", "gate": "private_beta"})  # fmt: skip
        assert added.status_code == 303 and added.headers["location"].endswith("?done=milestone")
        page = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Ready for beta" in page and "May 2027" in page and "Prepares the gate to Private beta" in page
        [(milestone_id, version)] = re.findall(
            rf'action="/projects/{project["id"]}/milestones/([0-9a-f-]+)/done"[^>]*>.*?name="version" value="(\d+)"',
            page,
        )
        path = f"/projects/{project['id']}/milestones/{milestone_id}"
        opened = await lead.get(f"{path}/edit", params={"lang": "en"})
        assert opened.status_code == 200 and 'value="Ready for beta"' in opened.text and 'value="5"' in opened.text
        edited = await lead.post(f"{path}/edit", {"title_cy": "Yn barod ar gyfer beta", "title_en": "Ready for beta",
                                                 "target-day": "14", "target-month": "6", "target-year": "2027",
                                                 "gate": "private_beta", "version": version}, form=f"{path}/edit")  # fmt: skip
        assert edited.status_code == 303 and edited.headers["location"].endswith("?done=milestone_edited")
        late = await lead.post(f"{path}/edit", {"title_cy": "Hwyr", "title_en": "Late", "target-month": "7",
                                               "target-year": "2027", "version": version}, form=f"{path}/edit")  # fmt: skip
        assert late.status_code == 422 and "Someone else changed this milestone" in words(late)
        assert "14 June 2027" in words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        version = str(int(version) + 1)
        stale = await lead.post(f"{path}/remove", {"version": "9"}, form=f"/projects/{project['slug']}")
        assert stale.status_code == 303 and "done=" not in stale.headers["location"]  # changed meanwhile: kept
        done = await lead.post(f"{path}/done", {"version": version}, form=f"/projects/{project['slug']}")
        assert done.headers["location"].endswith("?done=milestone_done")
        page = words(await lead.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Done" in page and f"{path}/done" not in page
        removed = await lead.post(f"{path}/remove", {"version": str(int(version) + 1)},
                                  form=f"/projects/{project['slug']}")  # fmt: skip
        assert removed.headers["location"].endswith("?done=milestone_removed")
        assert "Ready for beta" not in words(await lead.get(f"/projects/{project['slug']}"))
