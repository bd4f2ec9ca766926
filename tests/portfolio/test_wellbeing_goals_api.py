"""Wellbeing goals through the API: a project names the Well-being of Future Generations Act goals it
serves, kept in the Act's order; a change is a project update event; the list filters by goal."""

from __future__ import annotations

from typing import get_args

from services.portfolio.domain import WellbeingGoal
from shared import vocabulary
from tests.portfolio.conftest import Api


def test_the_vocabulary_names_the_acts_seven_goals_in_order() -> None:
    assert tuple(vocabulary.WELLBEING_GOALS) == get_args(WellbeingGoal)
    assert len(vocabulary.WELLBEING_GOALS) == 7
    assert vocabulary.name(vocabulary.WELLBEING_GOALS, "more_equal", "cy") == "Cymru sy'n fwy cyfartal"


async def test_goals_are_kept_in_the_acts_order_and_a_change_is_one_updated_event(api: Api) -> None:
    project = (await api.project(wellbeing_goals=["healthier", "prosperous", "healthier"])).json()
    assert project["wellbeing_goals"] == ["prosperous", "healthier"]
    [created] = await api.events("portfolio.project.created")
    assert created["data"]["project"]["wellbeing_goals"] == ["prosperous", "healthier"]
    url = f"/api/v1/projects/{project['id']}"
    same = await api.client.patch(url, json={"wellbeing_goals": ["healthier", "prosperous"]},
                                  headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert same.status_code == 200 and same.headers["etag"] == '"1"'  # a reordering is no change
    changed = await api.client.patch(url, json={"wellbeing_goals": ["vibrant_culture"]},
                                     headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["wellbeing_goals"] == ["vibrant_culture"]
    [event] = await api.events("portfolio.project.updated")
    assert event["data"]["changed"] == ["wellbeing_goals"]
    assert event["data"]["project"]["wellbeing_goals"] == ["vibrant_culture"]


async def test_an_unknown_goal_is_a_bilingual_422_naming_the_field_and_nothing_is_written(api: Api) -> None:
    body = {"slug": "goals", "title_en": "a", "title_cy": "b", "wellbeing_goals": ["a-happier-wales"], "tags": ["x"]}
    response = await api.client.post("/api/v1/projects", json=body, headers=api.as_("lead"))
    assert response.status_code == 422
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"wellbeing_goals", "tags"}
    assert "wellbeing goals" in errors["wellbeing_goals"]["message_en"]
    assert "nodau llesiant" in errors["wellbeing_goals"]["message_cy"]
    assert await api.events() == []
    bad_filter = await api.client.get("/api/v1/projects", params={"goal": "nope"})
    assert bad_filter.status_code == 422 and bad_filter.json()["errors"][0]["field"] == "goal"


async def test_the_list_filters_by_goal(api: Api) -> None:
    await api.project(slug="green-one", wellbeing_goals=["resilient", "globally_responsible"])
    await api.project(slug="health-one", wellbeing_goals=["healthier"])
    await api.project(slug="none-one")
    found = await api.client.get("/api/v1/projects", params={"goal": "resilient"})
    assert [p["slug"] for p in found.json()["items"]] == ["green-one"]
    every = await api.client.get("/api/v1/projects")
    assert len(every.json()["items"]) == 3
