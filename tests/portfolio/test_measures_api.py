"""Measures through the API: a project tracks catalogue measures or its own, staff or its partner
record monthly values (JSON or a CSV upload, all or nothing), each change is one event, and who
sees what is scoped (the public: published measures of public projects only)."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import msgspec

from shared.replies.portfolio import Measure
from tests.portfolio.conftest import Api

THIS_MONTH = dt.datetime.now(dt.UTC).date().replace(day=1)


def months_ago(n: int) -> str:
    year, month = divmod(THIS_MONTH.year * 12 + THIS_MONTH.month - 1 - n, 12)
    return f"{year:04d}-{month + 1:02d}"


async def define(api: Api, project_id: str, **body: object) -> dict[str, object]:
    response = await api.client.post(f"/api/v1/projects/{project_id}/measures", json=body, headers=api.as_("lead"))
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def upload(api: Api, project_id: str, text: str, headers: dict[str, str]) -> httpx.Response:
    return await api.client.post(f"/api/v1/projects/{project_id}/measures/upload", content=text.encode(),
                                 headers={**headers, "Content-Type": "text/csv"})  # fmt: skip


async def test_the_catalogue_names_each_measure_in_both_languages() -> None:
    from shared import vocabulary
    from shared.measures import CATALOGUE

    assert tuple(CATALOGUE) == tuple(vocabulary.MEASURES)
    assert vocabulary.name(vocabulary.MEASURES, "welsh_take_up", "cy") == "Defnydd o'r Gymraeg"


async def test_a_lead_defines_measures_and_records_values_and_each_is_one_event(api: Api) -> None:
    partner = await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    satisfaction = await define(api, project["id"], catalogue="user_satisfaction", target_value=85)
    assert satisfaction["unit"] == "percent" and satisfaction["direction"] == "up" and satisfaction["values"] == []
    own = await define(api, project["id"], name={"en": "Calls to the helpline", "cy": "Galwadau i'r llinell gymorth"},
                       unit="count", direction="down")  # fmt: skip
    assert own["name"] == {"en": "Calls to the helpline", "cy": "Galwadau i'r llinell gymorth"}
    again = await api.client.post(f"/api/v1/projects/{project['id']}/measures", json={"catalogue": "user_satisfaction"},
                                  headers=api.as_("lead"))  # fmt: skip
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "catalogue"
    url = f"/api/v1/projects/{project['id']}/measures/{satisfaction['id']}/values"
    first = await api.client.post(url, json={"values": [{"month": months_ago(2), "value": 80},
                                                       {"month": months_ago(1), "value": 83.5}]},
                                  headers=api.as_("lead"))  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.json()["trend"] == "better" and first.json()["met"] is False
    # the project's own partner records this month's value: it crosses the target
    ours = api.as_("partner", partner_id=uuid.UUID(partner["id"]))
    crossed = await api.client.post(url, json={"values": [{"month": months_ago(0), "value": 86}]}, headers=ours)
    assert crossed.status_code == 200 and crossed.json()["met"] is True
    measure = msgspec.convert(crossed.json(), Measure)
    assert [v.value for v in measure.values] == [80, 83.5, 86] and measure.version == 3
    events = await api.events("portfolio.measure.values_recorded")
    assert [e["data"]["crossing"] for e in events] == [None, "reached"]
    assert events[1]["aggregate_seq"] == 3 and events[1]["actor_role"] == "partner"
    assert [e["type"] for e in await api.events()][-4:-2] == ["portfolio.measure.defined"] * 2
    # a correction of a month already recorded keeps one value for it
    corrected = await api.client.post(url, json={"values": [{"month": months_ago(1), "value": 84}]},
                                      headers=api.as_("lead"))  # fmt: skip
    assert [v["value"] for v in corrected.json()["values"]] == [80, 84, 86]
    # this month's value corrected below the target: it fell back from it
    fell = await api.client.post(url, json={"values": [{"month": months_ago(0), "value": 84.5}]}, headers=ours)
    assert fell.status_code == 200 and fell.json()["met"] is False
    events = await api.events("portfolio.measure.values_recorded")
    assert [e["data"]["crossing"] for e in events] == [None, "reached", None, "fell_back"]
    assert {e["version"] for e in events} == {2}


async def test_bad_input_names_every_field_in_both_languages_and_nothing_is_written(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/measures"
    refused = await api.client.post(url, json={"name": {"en": "Visits"}, "target_value": -1}, headers=api.as_("lead"))
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"target_value"}  # the type's constraints come first, one body at a time
    refused = await api.client.post(url, json={"name": {"en": "Visits"}}, headers=api.as_("lead"))
    assert {e["field"] for e in refused.json()["errors"]} == {"name.cy", "unit", "direction"}
    assert all(e["message_cy"] and e["message_en"] != e["message_cy"] for e in refused.json()["errors"])
    measure = await define(api, project["id"], catalogue="completion_rate")
    bad = await api.client.post(f"{url}/{measure['id']}/values", json={"values": [
        {"month": "2026-13", "value": 50}, {"month": "2999-01", "value": 50}, {"month": months_ago(1), "value": 120},
    ]}, headers=api.as_("lead"))  # fmt: skip
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["values[0].month", "values[1].month", "values[2].value"]
    assert await api.events("portfolio.measure.values_recorded") == []
    assert await api.runtime.pool.fetchval("SELECT count(*) FROM measure_values") == 0


async def test_a_csv_upload_records_every_row_or_none_and_names_each_bad_line(api: Api) -> None:
    partner = await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    await define(api, project["id"], catalogue="digital_take_up")
    await define(api, project["id"], catalogue="cost_per_transaction", target_value=4)
    text = ("measure,month,value\n"
            f"digital_take_up,{months_ago(2)},61\n"
            f"Cost per transaction,{months_ago(2)},£5.20\n"
            f"Unknown thing,{months_ago(1)},3\n"
            f"digital_take_up,not-a-month,62\n"
            f"digital_take_up,{months_ago(1)},lots\n"
            f"Cost fesul trafodiad,{months_ago(2)},5\n")  # fmt: skip
    rejected = await upload(api, project["id"], text, api.as_("lead"))
    assert rejected.status_code == 422, rejected.text
    assert [e["field"] for e in rejected.json()["errors"]] == [
        "line 4: measure",
        "line 5: month",
        "line 6: value",
        "line 7: month",
    ]
    assert "nothing was recorded" in rejected.json()["message_en"]
    assert await api.runtime.pool.fetchval("SELECT count(*) FROM measure_values") == 0
    good = ("measure,month,value\n"
            f"digital_take_up,{months_ago(2)},61\n"
            f"digital_take_up,{months_ago(1)},64%\n"
            f"Cost fesul trafodiad,{months_ago(1)},3.80\n")  # fmt: skip
    ours = api.as_("partner", partner_id=uuid.UUID(partner["id"]))
    accepted = await upload(api, project["id"], good, ours)
    assert accepted.status_code == 200 and accepted.json() == {"recorded": 3}
    events = await api.events("portfolio.measure.values_recorded")
    assert len(events) == 2 and {e["data"]["crossing"] for e in events} == {None, "reached"}


async def test_who_may_see_and_record_what(api: Api) -> None:
    partner, stranger = await api.partner(), await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    shown = await define(api, project["id"], catalogue="users_served", published=True)
    hidden = await define(api, project["id"], catalogue="time_to_complete")
    list_url = f"/api/v1/projects/{project['id']}/measures"
    ours = api.as_("partner", partner_id=uuid.UUID(partner["id"]))
    theirs = api.as_("partner", partner_id=uuid.UUID(stranger["id"]))

    async def seen(headers: dict[str, str]) -> set[str]:
        return {m["id"] for m in (await api.client.get(list_url, headers=headers)).json()}

    assert await seen({}) == {shown["id"]} == await seen(theirs)
    assert await seen(ours) == {shown["id"], hidden["id"]} == await seen(api.as_("lead"))
    every = {m["id"] for m in (await api.client.get("/api/v1/measures")).json()}
    assert shown["id"] in every and hidden["id"] not in every
    body = {"values": [{"month": months_ago(1), "value": 5}]}
    values_url = f"{list_url}/{shown['id']}/values"
    assert (await api.client.post(values_url, json=body)).status_code == 401
    assert (await api.client.post(values_url, json=body, headers=theirs)).status_code == 403
    assert (await api.client.post(list_url, json={"catalogue": "completion_rate"}, headers=ours)).status_code == 403
    # staff choose what is published, at the version they read
    change = await api.client.patch(f"{list_url}/{hidden['id']}", json={"published": True, "target_value": 10},
                                    headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert change.status_code == 200 and change.headers["etag"] == '"2"'
    [event] = await api.events("portfolio.measure.changed")
    assert event["data"]["changed"] == ["published", "target"]
    assert await seen({}) == {shown["id"], hidden["id"]}
    stale = await api.client.patch(f"{list_url}/{hidden['id']}", json={"published": False},
                                   headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert stale.status_code == 412
