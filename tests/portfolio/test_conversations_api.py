"""A project's conversation through the API: staff and the project's partner write and read it, a
staff-only note never reaches the partner, only its author changes a comment (within the minutes
allowed), and a deleted comment keeps its place without its text, its tombstone in the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import msgspec
from asgi_lifespan import LifespanManager

from services.portfolio import conversations
from services.portfolio.app import create_app
from shared.identity import Identity
from shared.replies.portfolio import Comment
from shared.settings import Settings
from tests.helpers import asgi
from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import refused


async def talk(api: Api) -> tuple[dict[str, Any], dict[str, Any], dict[str, str], dict[str, str]]:
    partner = await api.partner()
    project = (await api.project(partner_id=partner["id"], visibility="partner")).json()
    return partner, project, api.as_("lead", sub="lead-nia"), api.as_("partner", uuid.UUID(partner["id"]), sub="p-ann")


async def test_staff_and_the_projects_partner_talk_and_a_staff_only_note_stays_with_staff(api: Api) -> None:
    partner, project, lead, theirs = await talk(api)
    path = f"/api/v1/projects/{project['id']}/comments"
    asked = await api.client.post(path, json={"comment": "Pryd mae'r cyfarfod nesaf gyda'r tîm?"}, headers=theirs)
    assert asked.status_code == 201, asked.text
    assert asked.json()["body"] == {"cy": "Pryd mae'r cyfarfod nesaf gyda'r tîm?", "en": ""}  # told Welsh
    answered = await api.client.post(path, json={"comment": {"en": "On **Tuesday**", "cy": "Ddydd **Mawrth**"}},
                                     headers=lead)  # fmt: skip
    assert answered.status_code == 201 and answered.headers["ETag"] == '"1"'
    note = await api.client.post(path, json={"comment": "They are late again", "internal": True}, headers=lead)
    assert note.status_code == 201 and note.json()["internal"] is True
    refused(await api.client.post(path, json={"comment": "x", "internal": True}, headers=theirs), 403)
    for_partner = (await api.client.get(path, headers=theirs)).json()
    assert [c["id"] for c in for_partner] == [asked.json()["id"], answered.json()["id"]]
    for_staff = (await api.client.get(path, headers=lead)).json()
    assert [c["id"] for c in for_staff] == [asked.json()["id"], answered.json()["id"], note.json()["id"]]
    other = api.as_("partner", uuid.UUID((await api.partner())["id"]))
    assert (await api.client.get(path, headers=other)).status_code == 404
    assert (await api.client.get(path)).status_code == 401
    assert (await api.client.patch(f"/api/v1/comments/{note.json()['id']}", json={"comment": "x"},
                                   headers={**theirs, "If-Match": '"1"'})).status_code == 404  # fmt: skip
    [posted, *_] = await api.events("portfolio.comment.posted")
    assert posted["partner_id"] == uuid.UUID(partner["id"]) and posted["actor_id"] == "p-ann"
    assert posted["data"]["internal"] is False and posted["data"]["body"]["cy"].startswith("Pryd")


async def test_a_comment_with_bad_fields_names_each_in_both_languages_and_writes_nothing(api: Api) -> None:
    _, project, lead, _ = await talk(api)
    path = f"/api/v1/projects/{project['id']}/comments"
    body = refused(await api.client.post(path, json={"comment": {"en": "x" * 10001, "cy": 3}, "internal": "yes"},
                                         headers=lead), 422)  # fmt: skip
    assert sorted(e["field"] for e in body["errors"]) == ["comment.cy", "comment.en", "internal"], body
    refused(await api.client.post(path, json={"comment": "   "}, headers=lead), 422, "comment")
    refused(await api.client.post(path, json={}, headers=lead), 422, "comment")
    assert (await api.client.get(path, headers=lead)).json() == []
    assert await api.events("portfolio.comment.posted") == []


async def test_only_its_author_changes_a_comment_and_deleting_it_leaves_a_tombstone(api: Api) -> None:
    _, project, lead, theirs = await talk(api)
    made = (await api.client.post(f"/api/v1/projects/{project['id']}/comments", json={"comment": "Draft plan"},
                                  headers=theirs)).json()  # fmt: skip
    path = f"/api/v1/comments/{made['id']}"
    refused(await api.client.patch(path, json={"comment": "Mine now"}, headers={**lead, "If-Match": '"1"'}), 403)
    edited = await api.client.patch(path, json={"comment": {"en": "Final plan"}}, headers={**theirs, "If-Match": '"1"'})
    assert edited.status_code == 200 and edited.json()["edited_at"] and edited.json()["body"]["en"] == "Final plan"
    assert (await api.client.delete(path, headers={**theirs, "If-Match": '"1"'})).status_code == 412
    gone = await api.client.delete(path, headers={**lead, "If-Match": '"2"'})  # staff may delete anyone's
    assert gone.status_code == 200 and gone.json()["deleted_at"] and gone.json()["body"] == {"en": "", "cy": ""}
    refused(await api.client.patch(path, json={"comment": "Back"}, headers={**theirs, "If-Match": '"3"'}), 409)
    [kept] = (await api.client.get(f"/api/v1/projects/{project['id']}/comments", headers=theirs)).json()
    assert kept["deleted_at"] and kept["body"] == {"en": "", "cy": ""}
    [tombstone] = await api.events("portfolio.comment.deleted")
    assert tombstone["actor_id"] == "lead-nia" and tombstone["aggregate_id"] == uuid.UUID(made["id"])
    assert "body" not in tombstone["data"]


def test_the_edit_window_closes_after_the_minutes_allowed() -> None:
    now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    comment = msgspec.convert({"id": str(uuid.uuid4()), "project_id": str(uuid.uuid4()), "author_id": "a",
                               "author_role": "lead", "internal": False, "body": {"en": "x", "cy": ""},
                               "created_at": now.isoformat(), "edited_at": None, "deleted_at": None, "version": 1,
                               "editable_until": (now + dt.timedelta(minutes=10)).isoformat()}, Comment)  # fmt: skip
    assert conversations.may_delete(Identity(sub="a", role="partner"), comment)
    assert not conversations.may_delete(Identity(sub="b", role="partner"), comment)
    assert conversations.may_delete(Identity(sub="b", role="lead"), comment)


async def test_after_the_minutes_allowed_a_comment_can_no_longer_be_changed(settings: Settings) -> None:
    app = create_app(msgspec.structs.replace(settings, comment_edit_minutes=0))
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://portfolio") as client,
    ):
        api = Api(client, app, settings)
        _, project, lead, _ = await talk(api)
        made = await client.post(f"/api/v1/projects/{project['id']}/comments", json={"comment": "Hi"}, headers=lead)
        late = await client.patch(f"/api/v1/comments/{made.json()['id']}", json={"comment": "Hello"},
                                  headers={**lead, "If-Match": '"1"'})  # fmt: skip
        assert refused(late, 409)["message_cy"] == "Mae'r amser i newid y sylw hwn wedi mynd heibio"
