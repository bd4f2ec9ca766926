"""Removing a measure: staff only, at the version they read, saying why in either language; the
measure is then neither shown nor counted anywhere, its values stay in history, and the project may
track the same catalogue measure again."""

from __future__ import annotations

from tests.portfolio.conftest import Api
from tests.portfolio.test_measures_api import define, months_ago


async def test_a_removed_measure_is_no_longer_shown_or_counted_and_its_values_are_kept(api: Api) -> None:
    project = (await api.project(visibility="public")).json()
    measure = await define(api, project["id"], catalogue="users_served", published=True)
    url = f"/api/v1/projects/{project['id']}/measures/{measure['id']}"
    recorded = await api.client.post(f"{url}/values", json={"values": [{"month": months_ago(1), "value": 40}]},
                                     headers=api.as_("lead"))  # fmt: skip
    assert recorded.headers["etag"] == '"2"'
    lead = {**api.as_("lead"), "If-Match": '"2"'}

    refused = await api.client.post(f"{url}/remove", json={"reason": {"en": " ", "cy": ""}}, headers=lead)
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["field"] == "reason" and error["message_cy"].startswith("Rhowch y rheswm")
    stale = await api.client.post(f"{url}/remove", json={"reason": "Counted elsewhere"},
                                  headers={**lead, "If-Match": '"1"'})  # fmt: skip
    assert stale.status_code == 412
    assert await api.events("portfolio.measure.removed") == []

    removed = await api.client.post(f"{url}/remove", json={"reason": {"en": "Counted elsewhere",
                                                                      "cy": "Yn cael ei gyfrif mewn man arall"}},
                                    headers=lead)  # fmt: skip
    assert removed.status_code == 204, removed.text
    [event] = await api.events("portfolio.measure.removed")
    assert event["aggregate_seq"] == 3 and event["data"]["reason"] == {
        "en": "Counted elsewhere", "cy": "Yn cael ei gyfrif mewn man arall"}  # fmt: skip
    for headers in ({}, api.as_("lead")):
        assert (await api.client.get(f"/api/v1/projects/{project['id']}/measures", headers=headers)).json() == []
        every = (await api.client.get("/api/v1/measures", headers=headers)).json()
        assert measure["id"] not in {m["id"] for m in every}
    assert await api.runtime.pool.fetchval("SELECT count(*) FROM measure_values WHERE measure_id = $1",
                                           measure["id"]) == 1  # fmt: skip
    # gone for every change: values, a second removal, a change
    again = await api.client.post(f"{url}/remove", json={"reason": "Twice"}, headers={**lead, "If-Match": '"3"'})
    assert again.status_code == 404
    late = await api.client.post(f"{url}/values", json={"values": [{"month": months_ago(0), "value": 1}]},
                                 headers=api.as_("lead"))  # fmt: skip
    assert late.status_code == 404
    # the project may track the catalogue measure afresh
    await define(api, project["id"], catalogue="users_served")


async def test_a_removal_retried_with_its_idempotency_key_gets_the_first_answer_and_one_event(api: Api) -> None:
    """A lead whose connection dropped sends the removal again: 204 again, not the 404 of a removed measure."""
    project = (await api.project()).json()
    measure = await define(api, project["id"], catalogue="users_served")
    url = f"/api/v1/projects/{project['id']}/measures/{measure['id']}/remove"
    headers = {**api.as_("lead"), "If-Match": f'"{measure["version"]}"', "Idempotency-Key": "remove-once"}

    first = await api.client.post(url, json={"reason": "Counted elsewhere"}, headers=headers)
    second = await api.client.post(url, json={"reason": "Counted elsewhere"}, headers=headers)

    assert (first.status_code, second.status_code) == (204, 204), second.text
    assert len(await api.events("portfolio.measure.removed")) == 1
