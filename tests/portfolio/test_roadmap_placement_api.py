"""A lead places a project in a roadmap column of their choosing, with a reason in Welsh, English or
both, under If-Match, or gives it back to the roadmap's rule; each change is an event of the project."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.portfolio.conftest import Api


def matches(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


async def test_a_lead_places_a_project_on_the_roadmap_with_a_reason_and_gives_it_back_to_the_rule(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/roadmap"
    placement = {
        "column": "later",
        "reason": {"en": "Waiting for the new funding year", "cy": "Aros am y flwyddyn ariannu newydd"},
    }
    assert (await api.client.post(url, json=placement, headers=api.as_("lead"))).status_code == 428
    assert (await api.client.post(url, json=placement, headers={**api.as_("lead"), **matches(9)})).status_code == 412
    assert (await api.client.post(url, json=placement, headers={**api.as_("partner"), **matches(1)})).status_code == 403
    unexplained = await api.client.post(url, json={"column": "later"}, headers={**api.as_("lead"), **matches(1)})
    assert unexplained.status_code == 422
    [error] = unexplained.json()["errors"]
    assert error["field"] == "reason" and "reason" in error["message_en"] and "rheswm" in error["message_cy"]
    wrong = await api.client.post(
        url, json={"column": "someday", "reason": "x"}, headers={**api.as_("lead"), **matches(1)}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "column"

    placed = await api.client.post(url, json=placement, headers={**api.as_("lead"), **matches(1)})
    assert placed.status_code == 200, placed.text
    assert placed.headers["etag"] == '"2"'
    override = placed.json()["roadmap_override"]
    assert override["column"] == "later" and override["reason"] == placement["reason"]
    assert (override["phase"], override["state"]) == ("discovery", "active")
    assert override["placed_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    seen = (await api.client.get(f"/api/v1/projects/{project['id']}")).json()  # the public reads it with the project
    assert seen["roadmap_override"]["column"] == "later"

    back = await api.client.post(url, json={"column": None}, headers={**api.as_("lead"), **matches(2)})
    assert back.status_code == 200 and back.json()["roadmap_override"] is None
    events = [
        e for e in await api.events("portfolio.project.roadmap_placed") if e["aggregate_id"] == uuid.UUID(project["id"])
    ]
    assert [(e["aggregate_seq"], e["data"]["column"]) for e in events] == [(2, "later"), (3, None)]
    assert events[0]["data"]["reason"] == placement["reason"]
    assert events[0]["data"]["project"]["slug"] == project["slug"]


async def test_a_reason_given_as_one_string_is_kept_in_the_language_it_is_written_in(api: Api) -> None:
    project = (await api.project()).json()
    placed = await api.client.post(f"/api/v1/projects/{project['id']}/roadmap", headers={**api.as_("lead"), **matches(1)},
                                   json={"column": "now", "reason": "Mae'r tîm yn gweithio arno bob dydd yr wythnos hon"})  # fmt: skip
    assert placed.status_code == 200, placed.text
    assert placed.json()["roadmap_override"]["reason"]["cy"].startswith("Mae'r tîm")
