"""Milestones: a bilingual title, a target month or day, done or not, an optional gate; leads add,
change, complete and remove them under If-Match, each change an event; anyone who may see the
project reads them, with the overdue ones marked."""

from __future__ import annotations

import datetime as dt
import uuid

from services.portfolio.milestones import deadline, is_overdue, parse_target
from shared.events import MilestoneSnapshot
from tests.portfolio.conftest import Api

TODAY = dt.datetime.now(dt.UTC).date()


def matches(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


async def test_a_lead_adds_changes_completes_and_removes_a_milestone_each_an_event(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/milestones"
    added = await api.client.post(url, headers=api.as_("lead"), json={
        "title_en": "Ready for beta assessment", "title_cy": "Yn barod ar gyfer asesiad beta", "target": "2026-05",
        "gate": "private_beta"})  # fmt: skip
    assert added.status_code == 201, added.text
    milestone = added.json()
    assert (milestone["target"], milestone["target_on"], milestone["precision"]) == ("2026-05", "2026-05-01", "month")
    assert milestone["done"] is False and added.headers["etag"] == '"1"'
    one = f"{url}/{milestone['id']}"

    stale = await api.client.patch(one, json={"target": "2026-06-15"}, headers={**api.as_("lead"), **matches(7)})
    assert stale.status_code == 412
    missing = await api.client.patch(one, json={"target": "2026-06-15"}, headers=api.as_("lead"))
    assert missing.status_code == 428
    changed = await api.client.patch(one, json={"target": "2026-06-15"}, headers={**api.as_("lead"), **matches(1)})
    assert changed.status_code == 200 and changed.json()["precision"] == "day" and changed.headers["etag"] == '"2"'

    done = await api.client.post(f"{one}/complete", headers={**api.as_("lead"), **matches(2)})
    assert done.status_code == 200 and done.json()["done"] and done.json()["done_on"] == TODAY.isoformat()
    again = await api.client.post(f"{one}/complete", headers={**api.as_("lead"), **matches(3)})
    assert again.status_code == 200 and again.headers["etag"] == '"3"'  # nothing happens twice

    removed = await api.client.delete(one, headers={**api.as_("lead"), **matches(3)})
    assert removed.status_code == 204
    assert (await api.client.get(url, headers=api.as_("lead"))).json() == []
    events = [e for e in await api.events() if e["aggregate_id"] == uuid.UUID(milestone["id"])]
    assert [(e["type"], e["aggregate_seq"]) for e in events] == [
        ("portfolio.milestone.added", 1), ("portfolio.milestone.changed", 2), ("portfolio.milestone.completed", 3),
        ("portfolio.milestone.removed", 4)]  # fmt: skip
    assert events[1]["data"]["changed"] == ["target_on", "precision"]
    assert (await api.client.get(f"/api/v1/projects/{project['id']}", headers=api.as_("lead"))).headers["etag"] == '"1"'


async def test_bad_milestones_name_every_field_and_write_nothing(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/milestones"
    for body, field in (({"title_en": "A", "title_cy": "B", "target": "2026-02-30"}, "target"),
                        ({"title_en": "A", "title_cy": "B", "target": "2026-13"}, "target"),
                        ({"title_en": "A", "title_cy": "B", "target": "May"}, "target"),
                        ({"title_en": "A", "title_cy": "B", "target": "2026-05", "gate": "retired"}, "gate"),
                        ({"title_en": " ", "title_cy": "B", "target": "2026-05"}, "title_en")):  # fmt: skip
        refused = await api.client.post(url, json=body, headers=api.as_("lead"))
        assert refused.status_code == 422, body
        assert field in [e["field"] for e in refused.json()["errors"]], refused.text
        assert all(e["message_cy"] for e in refused.json()["errors"])
    assert await api.events("portfolio.milestone.added") == []
    partner = await api.client.post(url, json={"title_en": "A", "title_cy": "B", "target": "2026-05"},
                                    headers=api.as_("partner", partner_id=uuid.uuid4()))  # fmt: skip
    assert partner.status_code == 403
    nowhere = await api.client.post(f"/api/v1/projects/{uuid.uuid4()}/milestones", headers=api.as_("lead"),
                                    json={"title_en": "A", "title_cy": "B", "target": "2026-05"})  # fmt: skip
    assert nowhere.status_code == 404


async def test_milestones_are_read_as_their_project_is_and_the_overdue_ones_are_marked(api: Api) -> None:
    partner = await api.partner()
    private = (await api.project(partner_id=partner["id"], visibility="partner")).json()
    url = f"/api/v1/projects/{private['id']}/milestones"
    last_month = (TODAY.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    for target in (last_month, TODAY.strftime("%Y-%m"), TODAY.isoformat()):
        added = await api.client.post(url, json={"title_en": target, "title_cy": target, "target": target},
                                      headers=api.as_("lead"))  # fmt: skip
        assert added.status_code == 201, added.text
    listed = await api.client.get(url, headers=api.as_("partner", partner_id=uuid.UUID(partner["id"])))
    assert [(m["target"], m["overdue"]) for m in listed.json()] == [
        (last_month, True), (TODAY.strftime("%Y-%m"), False), (TODAY.isoformat(), False)]  # fmt: skip
    assert (await api.client.get(url)).status_code == 404  # the public cannot see the project
    other = await api.client.get(url, headers=api.as_("partner", partner_id=uuid.uuid4()))
    assert other.status_code == 404


def test_a_month_target_is_due_by_its_last_day() -> None:
    on, precision = parse_target("2028-02") or (None, None)
    assert (on, precision) == (dt.date(2028, 2, 1), "month")
    snapshot = MilestoneSnapshot(project_id=uuid.uuid4(), title_en="", title_cy="", target_on=dt.date(2028, 2, 1),
                                 precision="month", done=False, done_on=None, gate=None)  # fmt: skip
    assert deadline(snapshot) == dt.date(2028, 2, 29)  # a leap year
    assert not is_overdue(snapshot, dt.date(2028, 2, 29)) and is_overdue(snapshot, dt.date(2028, 3, 1))
    assert parse_target("2027-02-29") is None


async def test_every_milestone_the_caller_may_see_in_one_list(api: Api) -> None:
    partner = await api.partner()
    public = (await api.project()).json()
    private = (await api.project(partner_id=partner["id"], visibility="partner")).json()
    for project in (public, private):
        added = await api.client.post(f"/api/v1/projects/{project['id']}/milestones", headers=api.as_("lead"),
                                      json={"title_en": "M", "title_cy": "M", "target": "2027-03"})  # fmt: skip
        assert added.status_code == 201, added.text

    async def seen(headers: dict[str, str]) -> set[str]:
        return {m["project_id"] for m in (await api.client.get("/api/v1/milestones", headers=headers)).json()}

    assert await seen({}) == {public["id"]}
    assert await seen(api.as_("partner", partner_id=uuid.UUID(partner["id"]))) == {public["id"], private["id"]}
    assert await seen(api.as_("lead")) >= {public["id"], private["id"]}
