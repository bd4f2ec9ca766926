"""Wellbeing goals on the pages: a lead names them in the project forms (no JavaScript needed), the
project page lists them in Welsh or English, the board filters by one, and the home page counts them."""

from __future__ import annotations

from tests.stack import Stack
from tests.web.pages_helpers import browser, create_project, words


async def test_a_lead_names_a_projects_goals_and_everyone_sees_them_in_both_languages(stack: Stack) -> None:
    project = await create_project(stack)
    form = f"/projects/{project['id']}/edit"
    async with browser(stack, "lead") as lead:
        shown = words(await lead.get(form, params={"lang": "cy"}))
        assert "Nodau llesiant" in shown and "Cymru o gymunedau cydlynus" in shown
        sent = await lead.post(form, [
            ("title_cy", project["title_cy"]), ("title_en", project["title_en"]), ("visibility", "public"),
            ("version", str(project["version"])), ("wellbeing_goals", "vibrant_culture"),
            ("wellbeing_goals", "healthier"), ("wellbeing_goals", "a-made-up-goal"),
        ])  # fmt: skip
        assert sent.status_code == 303, sent.text
    async with browser(stack) as visitor:
        english = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Wellbeing goals" in english
        assert english.index("A healthier Wales") < english.index("A Wales of vibrant culture and thriving Welsh")
        welsh = words(await visitor.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "Cymru â diwylliant bywiog lle mae'r Gymraeg yn ffynnu" in welsh and "Cymru iachach" in welsh


async def test_the_board_filters_by_goal_and_the_home_page_counts_projects_per_goal(stack: Stack) -> None:
    serving = await create_project(stack, wellbeing_goals=["globally_responsible"])
    other = await create_project(stack, wellbeing_goals=["prosperous"])
    async with browser(stack) as visitor:
        board = words(await visitor.get("/", params={"goal": "globally_responsible", "lang": "en"}))
        assert serving["title_en"] in board and other["title_en"] not in board
        assert "Projects serving each wellbeing goal" in board
        assert '<option value="globally_responsible" selected>' in board
        welsh = words(await visitor.get("/", params={"lang": "cy"}))
        assert "Prosiectau sy'n gwasanaethu pob nod llesiant" in welsh and "Pob nod llesiant" in welsh
        ignored = await visitor.get("/", params={"goal": "<script>", "lang": "en"})
        assert ignored.status_code == 200 and other["title_en"] in ignored.text
