"""Projects through the API: each change is one event with its actor; concurrent edits never
overwrite each other; partners see only what they may."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import msgspec

from shared.replies.portfolio import AllowedAction, Page, Partner
from tests.portfolio.conftest import Api

TODAY = dt.datetime.now(dt.UTC).date().isoformat()


async def test_creating_a_project_returns_it_with_an_etag_and_records_one_event_with_the_actor(api: Api) -> None:
    response = await api.project(tags=["forms", "cloud"])
    project = response.json()
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/api/v1/projects/{project['id']}"
    [event] = await api.events()
    assert event["type"] == "portfolio.project.created"
    assert event["actor_role"] == "lead" and event["actor_id"].startswith("lead-")
    assert event["data"]["project"]["tags"] == ["forms", "cloud"]


async def test_a_project_answers_with_the_phase_changes_it_allows_now_as_kind_and_phase(api: Api) -> None:
    created = (await api.project()).json()
    assert created["allowed_actions"] == [
        {"kind": "advance", "to_phase": "alpha"}, {"kind": "pause", "to_phase": None}, {"kind": "stop", "to_phase": None},
    ]  # fmt: skip
    url = f"/api/v1/projects/{created['id']}"
    moved = await api.client.post(f"{url}/phase", json={"kind": "advance", "effective": TODAY},
                                  headers={**api.as_("lead"), "If-Match": '"1"'})  # fmt: skip
    assert moved.json()["allowed_actions"][:2] == [
        {"kind": "advance", "to_phase": "private_beta"}, {"kind": "go_back", "to_phase": "discovery"},
    ]  # fmt: skip
    listed = (await api.client.get("/api/v1/projects")).json()["items"]
    assert listed[0]["allowed_actions"] == moved.json()["allowed_actions"]


async def test_the_replies_decode_into_the_shared_reply_structs(api: Api) -> None:
    partner = await api.partner()
    project = (await api.project(partner_id=partner["id"])).json()
    assert msgspec.convert(partner, Partner, strict=False).slug == partner["slug"]
    page = msgspec.convert((await api.client.get("/api/v1/projects")).json(), Page, strict=False)
    assert [p.id for p in page.items] == [uuid.UUID(project["id"])]
    assert page.items[0].allowed_actions[0] == AllowedAction(kind="advance", to_phase="alpha")


async def test_bad_input_is_a_bilingual_error_naming_each_field_and_nothing_is_written(api: Api) -> None:
    cases = [
        ({"slug": "Has Spaces", "title_en": "a", "title_cy": "b"}, "slug"),
        ({"slug": "ok-slug", "title_en": "", "title_cy": "b"}, "title_en"),
        ({"slug": "ok-slug", "title_en": "a", "title_cy": "b", "phase": "gamma"}, "phase"),
        ({"slug": "ok-slug", "title_en": "a", "title_cy": "b", "tags": ["not-a-challenge-area"]}, "tags"),
        ({"slug": "ok-slug", "title_en": "a", "title_cy": "b", "colour": "blue"}, "colour"),
        ({"slug": "ok-slug", "title_en": "a" * 201, "title_cy": "b"}, "title_en"),
        ({"slug": "ok-slug", "title_en": "a"}, "title_cy"),
        # /projects/<slug> must never be read as /projects/<id>: a slug that parses as an id is refused
        ({"slug": "0123456789abcdef0123456789abcdef", "title_en": "a", "title_cy": "b"}, "slug"),
        ({"slug": str(uuid.uuid4()), "title_en": "a", "title_cy": "b"}, "slug"),
    ]
    for body, field in cases:
        response = await api.client.post("/api/v1/projects", json=body, headers=api.as_("lead"))
        assert response.status_code == 422, (body, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == field, body
        assert error["message_en"] and error["message_cy"] and error["message_en"] != error["message_cy"]
    assert await api.events() == []
    assert await api.runtime.pool.fetchval("SELECT count(*) FROM projects") == 0


async def test_only_staff_change_things(api: Api) -> None:
    body = {"slug": "nope", "title_en": "a", "title_cy": "b"}
    assert (await api.client.post("/api/v1/projects", json=body)).status_code == 401
    assert (await api.client.post("/api/v1/projects", json=body, headers=api.as_("partner"))).status_code == 403
    bad_token = {"Authorization": "Bearer forged.token"}
    assert (await api.client.post("/api/v1/projects", json=body, headers=bad_token)).status_code == 401


async def test_a_slug_can_be_used_once(api: Api) -> None:
    await api.project(slug="only-once")
    again = await api.client.post(
        "/api/v1/projects", json={"slug": "only-once", "title_en": "a", "title_cy": "b"}, headers=api.as_("lead")
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "slug"


async def test_two_leads_editing_at_once_never_overwrite_each_other_silently(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}"

    async def edit(title: str) -> int:
        response = await api.client.patch(url, json={"title_en": title}, headers={**api.as_("lead"), "If-Match": '"1"'})
        return response.status_code

    statuses = sorted(await asyncio.gather(edit("First"), edit("Second")))
    assert statuses == [200, 412]
    assert len(await api.events("portfolio.project.updated")) == 1
    missing = await api.client.patch(url, json={"title_en": "x"}, headers=api.as_("lead"))
    assert missing.status_code == 428


async def test_an_edit_emits_one_updated_event_naming_what_changed_and_no_change_emits_none(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}"
    response = await api.client.patch(
        url, json={"summary_en": "New summary", "tags": ["cloud"]}, headers={**api.as_("lead"), "If-Match": '"1"'}
    )
    assert response.status_code == 200 and response.headers["etag"] == '"2"'
    [event] = await api.events("portfolio.project.updated")
    assert sorted(event["data"]["changed"]) == ["summary_en", "tags"]
    same = await api.client.patch(
        url, json={"summary_en": "New summary"}, headers={**api.as_("lead"), "If-Match": '"2"'}
    )
    assert same.status_code == 200 and same.headers["etag"] == '"2"'
    assert len(await api.events("portfolio.project.updated")) == 1


async def test_a_project_moves_forward_one_phase_at_a_time_and_refusals_explain_in_both_languages(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/phase"
    lead = api.as_("lead")
    skip = await api.client.post(
        url,
        json={"kind": "advance", "to_phase": "private_beta", "effective": TODAY},
        headers={**lead, "If-Match": '"1"'},
    )
    assert skip.status_code == 409
    body = skip.json()
    assert body["code"] == "skips_a_phase" and "alffa" in body["message_cy"] and "alpha" in body["message_en"]
    moved = await api.client.post(
        url, json={"kind": "advance", "to_phase": "alpha", "effective": TODAY, "assessment": "met"},
        headers={**lead, "If-Match": '"1"'},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["phase"] == "alpha" and moved.headers["etag"] == '"2"'
    [event] = await api.events("portfolio.project.phase_changed")
    assert (event["data"]["from_phase"], event["data"]["to_phase"], event["aggregate_seq"]) == ("discovery", "alpha", 2)
    back = await api.client.post(
        url, json={"kind": "go_back", "to_phase": "discovery", "effective": TODAY}, headers={**lead, "If-Match": '"2"'}
    )
    assert back.status_code == 409 and back.json()["errors"][0]["field"] == "reason"
    stale = await api.client.post(
        url, json={"kind": "advance", "effective": TODAY}, headers={**lead, "If-Match": '"1"'}
    )
    assert stale.status_code == 412


async def test_a_discovery_can_stop_with_a_reason_and_then_nothing_but_reopening_changes_it(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/phase"
    stopped = await api.client.post(
        url, json={"kind": "stop", "effective": TODAY, "reason": "Users do not need a new service"},
        headers={**api.as_("lead"), "If-Match": '"1"'},
    )  # fmt: skip
    assert stopped.status_code == 200 and stopped.json()["state"] == "stopped"
    advance = await api.client.post(
        url, json={"kind": "advance", "effective": TODAY}, headers={**api.as_("lead"), "If-Match": '"2"'}
    )
    assert advance.status_code == 409 and advance.json()["code"] == "project_stopped"


async def test_amber_or_red_health_needs_a_reason(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/health"
    headers = {**api.as_("lead"), "If-Match": '"1"'}
    no_reason = await api.client.post(url, json={"health": "red", "reason": " "}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    red = await api.client.post(url, json={"health": "red", "reason": "Supplier late"}, headers=headers)
    assert red.status_code == 200 and red.json()["health"] == "red"
    [event] = await api.events("portfolio.project.health_changed")
    assert (event["data"]["from_health"], event["data"]["to_health"]) == ("green", "red")


async def test_a_project_created_amber_or_red_needs_a_reason_as_a_health_change_does(api: Api) -> None:
    for health in ("amber", "red"):
        body = {"slug": f"started-{health}", "title_en": "a", "title_cy": "b", "health": health, "health_reason": " "}
        response = await api.client.post("/api/v1/projects", json=body, headers=api.as_("lead"))
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error == {"field": "health_reason", "message_en": "Say why the project is amber or red",
                         "message_cy": "Dywedwch pam mae'r prosiect yn ambr neu'n goch"}  # fmt: skip
    assert await api.events() == []
    with_reason = await api.project(health="amber", health_reason="Waiting on a supplier")
    assert with_reason.json()["health"] == "amber"


async def test_an_update_with_several_bad_fields_names_every_one_in_one_answer(api: Api) -> None:
    project = (await api.project()).json()
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)).isoformat()
    response = await api.client.post(
        f"/api/v1/projects/{project['id']}/updates", headers=api.as_("lead"),
        json={"body_en": " ", "body_cy": "", "posted_on": tomorrow, "health": "red", "health_reason": ""},
    )  # fmt: skip
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["body_en", "body_cy", "posted_on", "health_reason"]
    assert await api.events("portfolio.project.update_posted") == []


async def test_an_update_is_posted_listed_and_emitted_once(api: Api) -> None:
    project = (await api.project()).json()
    url = f"/api/v1/projects/{project['id']}/updates"
    posted = await api.client.post(
        url, json={"body_en": "User research done", "body_cy": "Ymchwil defnyddwyr wedi'i wneud", "health": "amber",
                   "health_reason": "Recruitment slow"},
        headers=api.as_("lead"),
    )  # fmt: skip
    assert posted.status_code == 201, posted.text
    [update] = (await api.client.get(url)).json()
    assert update["body_cy"] == "Ymchwil defnyddwyr wedi'i wneud"
    [event] = await api.events("portfolio.project.update_posted")
    assert event["data"]["project"]["health"] == "amber"
    empty = await api.client.post(url, json={"body_en": " ", "body_cy": ""}, headers=api.as_("lead"))
    assert empty.status_code == 422


async def test_the_history_is_the_audit_trail_with_who_did_what(api: Api) -> None:
    project = (await api.project()).json()
    await api.client.patch(
        f"/api/v1/projects/{project['id']}",
        json={"title_en": "Renamed"},
        headers={**api.as_("lead"), "If-Match": '"1"'},
    )
    history = (await api.client.get(f"/api/v1/projects/{project['id']}/history", headers=api.as_("admin"))).json()
    assert [h["type"] for h in history] == ["portfolio.project.created", "portfolio.project.updated"]
    assert [h["seq"] for h in history] == [1, 2]
    assert all(h["actor_role"] == "lead" for h in history)
    assert (await api.client.get(f"/api/v1/projects/{project['id']}/history")).status_code == 404


async def test_partners_see_their_own_partner_visible_projects_and_nobody_elses(api: Api) -> None:
    a, b = await api.partner(), await api.partner()
    a_id, b_id = uuid.UUID(a["id"]), uuid.UUID(b["id"])
    mine = (await api.project(partner_id=a["id"], visibility="partner")).json()
    theirs = (await api.project(partner_id=b["id"], visibility="partner")).json()
    internal = (await api.project(partner_id=a["id"], visibility="internal")).json()
    public = (await api.project(partner_id=b["id"], visibility="public")).json()

    async def visible(headers: dict[str, str]) -> set[str]:
        page = (await api.client.get("/api/v1/projects", headers=headers)).json()
        return {p["id"] for p in page["items"]}

    assert await visible(api.as_("partner", a_id)) == {mine["id"], public["id"]}
    assert await visible(api.as_("partner", b_id)) == {theirs["id"], public["id"]}
    assert await visible({}) == {public["id"]}
    assert await visible(api.as_("lead")) == {mine["id"], theirs["id"], internal["id"], public["id"]}
    for hidden in (theirs, internal):
        response = await api.client.get(f"/api/v1/projects/{hidden['id']}", headers=api.as_("partner", a_id))
        assert response.status_code == 404
    export = (await api.client.get("/api/v1/projects/export.csv", headers=api.as_("partner", a_id))).text
    assert theirs["slug"] not in export and internal["slug"] not in export and mine["slug"] in export


async def test_listing_filters_and_pages_without_repeats(api: Api) -> None:
    partner = await api.partner()
    for i in range(5):
        await api.project(slug=f"page-{i}", partner_id=partner["id"], tags=["cloud"] if i % 2 else ["forms"])
    await api.project(slug="other-partner")
    seen: list[str] = []
    cursor = None
    while True:
        params = {"partner": partner["id"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.client.get("/api/v1/projects", params=params)).json()
        seen += [p["slug"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == [f"page-{i}" for i in range(5)]
    cloud = (await api.client.get("/api/v1/projects", params={"tag": "cloud"})).json()["items"]
    assert sorted(p["slug"] for p in cloud) == ["page-1", "page-3"]
    bad = await api.client.get("/api/v1/projects", params={"phase": "gamma"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phase"
    bad_cursor = await api.client.get("/api/v1/projects", params={"cursor": "nonsense"})
    assert bad_cursor.status_code == 422


async def test_the_openapi_document_is_generated(api: Api) -> None:
    schema = (await api.client.get("/api/v1/schema/openapi.json")).json()
    assert "/api/v1/projects/{project_id}/phase" in schema["paths"]


async def test_timelines_give_the_phase_history_of_visible_projects_without_who_did_it(api: Api) -> None:
    partner = await api.partner()
    public = (await api.project()).json()
    hidden = (await api.project(partner_id=partner["id"], visibility="partner")).json()
    moved = await api.client.post(f"/api/v1/projects/{public['id']}/phase", headers={**api.as_("lead"), "If-Match": '"1"'},
                                  json={"kind": "advance", "effective": TODAY})  # fmt: skip
    assert moved.status_code == 200
    entries = (await api.client.get("/api/v1/projects/timelines")).json()
    assert {e["project_id"] for e in entries} == {public["id"]}
    assert [(e["type"], e["data"]["to_phase"]) for e in entries] == [
        ("portfolio.project.created", None),
        ("portfolio.project.phase_changed", "alpha"),
    ]
    assert "actor" not in str(entries) and "lead-" not in str(entries)
    own = (
        await api.client.get("/api/v1/projects/timelines", headers=api.as_("partner", uuid.UUID(partner["id"])))
    ).json()
    assert hidden["id"] in {e["project_id"] for e in own}


async def test_the_history_and_timelines_read_an_old_beta_event_as_private_beta_and_leave_it_stored_as_it_was(
    api: Api,
) -> None:
    project = (await api.project()).json()
    # An event as the portfolio wrote it before beta had two steps (version 1), kept in the audit log.
    await api.runtime.pool.execute(
        """INSERT INTO events (id, type, version, occurred_at, actor_id, actor_role, aggregate_id, aggregate_seq, data)
           SELECT gen_random_uuid(), 'portfolio.project.phase_changed', 1, now(), 'lead-1', 'lead', aggregate_id, 2,
                  jsonb_build_object('project', data -> 'project' || '{"phase": "beta"}', 'kind', 'advance',
                                     'from_phase', 'alpha', 'to_phase', 'beta', 'from_state', 'active',
                                     'to_state', 'active', 'effective', '2025-05-01', 'reason', '',
                                     'assessment', 'met', 'assessment_url', 'https://example.test/report')
           FROM events WHERE aggregate_id = $1""",
        uuid.UUID(project["id"]),
    )  # fmt: skip
    history = (await api.client.get(f"/api/v1/projects/{project['id']}/history", headers=api.as_("lead"))).json()
    moved = history[-1]["data"]
    assert (moved["to_phase"], moved["project"]["phase"], moved["assessment"]) == (
        "private_beta",
        "private_beta",
        "met",
    )
    timelines = (await api.client.get("/api/v1/projects/timelines", headers=api.as_("lead"))).json()
    assert timelines[-1]["data"]["to_phase"] == "private_beta"
    [stored] = await api.events("portfolio.project.phase_changed")
    assert stored["version"] == 1 and stored["data"]["to_phase"] == "beta"
