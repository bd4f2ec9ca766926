"""A project page lists its milestones, in Welsh or English; only staff see which are overdue."""

from __future__ import annotations

import datetime as dt

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project, words


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
