"""Idempotency-Key on the portfolio's POSTs: a repeat gets the first answer and writes nothing,
another request under the same key is a 422 naming the header, two repeats at once write once,
and keys expire after 24 hours."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from shared import idempotency
from shared.supervision import Health
from tests.helpers import eventually
from tests.portfolio.conftest import Api
from tests.portfolio.test_records_api import SUPPORT, count, refused

UPDATE = {
    "body_en": "We tested the new form with twelve people",
    "body_cy": "Profwyd y ffurflen newydd gyda deuddeg o bobl",
}


async def post_update(api: Api, project_id: str, key: str, headers: dict[str, str] | None = None,
                      **fields: Any) -> httpx.Response:  # fmt: skip
    return await api.client.post(
        f"/api/v1/projects/{project_id}/updates", json={**UPDATE, **fields},
        headers={**(headers or api.as_("lead", sub="lead-ann")), "Idempotency-Key": key},
    )  # fmt: skip


async def test_a_repeated_post_gets_the_first_answer_and_writes_nothing_more(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())

    first = await post_update(api, project["id"], key)
    again = await post_update(api, project["id"], key)

    assert first.status_code == 201, first.text
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert again.headers["x-event-position"] == first.headers["x-event-position"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await count(api, "project_updates") == 1
    assert len(await api.events("portfolio.project.update_posted")) == 1


async def test_the_same_key_with_a_different_body_is_a_422_naming_the_header_and_writes_nothing(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())
    assert (await post_update(api, project["id"], key)).status_code == 201

    response = await post_update(api, project["id"], key, body_en="Something else entirely")

    body = refused(response, 422, "Idempotency-Key")
    assert "Idempotency-Key" in body["errors"][0]["message_en"] and "Idempotency-Key" in body["errors"][0]["message_cy"]
    assert await count(api, "project_updates") == 1


async def test_the_same_key_on_another_endpoint_is_a_422(api: Api) -> None:
    key = str(uuid.uuid4())
    lead = api.as_("lead", sub="lead-ann")
    created = await api.client.post(
        "/api/v1/projects", json={"slug": "one-key", "title_en": "A", "title_cy": "B"},
        headers={**lead, "Idempotency-Key": key},
    )  # fmt: skip
    assert created.status_code == 201, created.text

    response = await post_update(api, created.json()["id"], key, headers=lead)

    refused(response, 422, "Idempotency-Key")


async def test_repeats_sent_at_once_write_once_and_all_get_the_same_answer(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())

    answers = await asyncio.gather(*(post_update(api, project["id"], key) for _ in range(5)))

    assert {(a.status_code, a.content) for a in answers} == {(201, answers[0].content)}
    assert await count(api, "project_updates") == 1
    assert len(await api.events("portfolio.project.update_posted")) == 1


async def test_a_refused_request_does_not_spend_its_key(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())
    refused(await post_update(api, project["id"], key, health="purple"), 422, "health")

    response = await post_update(api, project["id"], key)

    assert response.status_code == 201, response.text
    assert "idempotent-replayed" not in response.headers


async def test_keys_belong_to_the_caller(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())

    ann = await post_update(api, project["id"], key, headers=api.as_("lead", sub="lead-ann"))
    bob = await post_update(api, project["id"], key, headers=api.as_("lead", sub="lead-bob"))

    assert ann.status_code == bob.status_code == 201
    assert ann.json()["id"] != bob.json()["id"]
    assert await count(api, "project_updates") == 2


async def test_a_key_that_is_not_visible_ascii_is_a_422_naming_the_header(api: Api) -> None:
    project = (await api.project()).json()
    for key in ("", "a b", "x" * 256, "caf\u00e9"):
        response = await api.client.post(
            f"/api/v1/projects/{project['id']}/updates", json=UPDATE,
            headers=[(k.encode(), v.encode()) for k, v in api.as_("lead").items()] + [(b"Idempotency-Key", key.encode())],
        )  # fmt: skip
        refused(response, 422, "Idempotency-Key")
    assert await count(api, "project_updates") == 0


async def test_every_creation_honours_the_key(api: Api) -> None:
    partner = await api.partner()
    lead = api.as_("lead", sub="lead-ann")
    creations = [
        ("/api/v1/partners", {"slug": "bro", "name_en": "Bro", "name_cy": "Bro", "kind": "local_authority"}, "partners"),
        ("/api/v1/projects", {"slug": "new-one", "title_en": "A", "title_cy": "B"}, "projects"),
        ("/api/v1/engagements", {"partner_id": partner["id"], "kind": "advice", "summary_en": "Advice",
                                 "summary_cy": "Cyngor", "started_on": "2024-05-01"}, "engagements"),
        ("/api/v1/people", {"name": "Ann Jones", "email": "ann@example.org", "kind": "lead"}, "people"),
        ("/api/v1/support-requests", SUPPORT, "support_requests"),
    ]  # fmt: skip
    for path, body, table in creations:
        before = await count(api, table)
        key = str(uuid.uuid4())
        answers = [await api.client.post(path, json=body, headers={**lead, "Idempotency-Key": key}) for _ in "12"]
        assert answers[0].status_code == 201, (path, answers[0].text)
        assert answers[1].content == answers[0].content, path
        assert await count(api, table) == before + 1, path


async def test_a_csv_import_repeated_with_its_key_imports_once(api: Api) -> None:
    text = "slug,name_en,name_cy,kind\nmon,Mon,Môn,local_authority\n"
    headers = {**api.as_("lead"), "Content-Type": "text/csv", "Idempotency-Key": str(uuid.uuid4())}
    for _ in range(2):
        response = await api.client.post("/api/v1/import/partners", content=text.encode(), headers=headers)
        assert response.json() == {"created": 1}, response.text
    assert await count(api, "partners") == 1


async def test_a_key_older_than_24_hours_is_forgotten_by_housekeeping_and_may_be_used_again(api: Api) -> None:
    project = (await api.project()).json()
    key = str(uuid.uuid4())
    assert (await post_update(api, project["id"], key)).status_code == 201
    await api.runtime.pool.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")

    again = await post_update(api, project["id"], key, body_en="A new update under an old key")

    assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert await count(api, "project_updates") == 2
    await api.runtime.pool.execute("UPDATE idempotency_keys SET expires_at = now() - interval '1 second'")
    job = idempotency.housekeeping_job(every=0.05)
    task = asyncio.create_task(job.run(api.runtime, Health("housekeeping")))
    try:
        await eventually(lambda: _no_keys(api))
    finally:
        task.cancel()


async def test_keys_are_kept_for_24_hours(api: Api) -> None:
    project = (await api.project()).json()
    assert (await post_update(api, project["id"], str(uuid.uuid4()))).status_code == 201
    kept_for = await api.runtime.pool.fetchval("SELECT expires_at - created_at FROM idempotency_keys")
    assert kept_for == idempotency.KEEP_FOR


async def _no_keys(api: Api) -> bool:
    left: int = await api.runtime.pool.fetchval("SELECT count(*) FROM idempotency_keys")
    return left == 0


async def test_every_post_of_the_api_documents_the_header(api: Api) -> None:
    document = (await api.client.get("/api/v1/schema/openapi.json")).json()
    posts = {path: item["post"] for path, item in document["paths"].items() if "post" in item}
    assert len(posts) >= 10
    for path, operation in posts.items():
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header"]
        assert "Idempotency-Key" in [p["name"] for p in headers], path


async def test_a_correction_at_a_version_repeated_with_its_key_gets_the_first_answer_not_a_412(api: Api) -> None:
    """A PATCH that opts in (a funding record's correction): sent again with its key and its If-Match,
    it is answered as the first was, though that moved the record on; without a key, it is a 412."""
    project = (await api.project()).json()
    lead = api.as_("lead", sub="lead-ann")
    path = f"/api/v1/projects/{project['id']}/funding"
    recorded = await api.client.post(path, json={"source": "cdps", "amount": "1000", "starts": "2032-04",
                                                 "ends": "2033-03", "kind": "project"}, headers=lead)  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    record = f"{path}/{recorded.json()['id']}"
    key = str(uuid.uuid4())
    sent = {"Idempotency-Key": key, "If-Match": '"1"'}
    answers = [await api.client.patch(record, json={"amount": "1500"}, headers={**lead, **sent}) for _ in "12"]
    assert [a.status_code for a in answers] == [200, 200], answers[1].text
    assert answers[1].content == answers[0].content and answers[1].headers["idempotent-replayed"] == "true"
    assert len(await api.events("portfolio.funding.changed")) == 1
    other = await api.client.patch(record, json={"amount": "2000"}, headers={**lead, **sent})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    unkeyed = await api.client.patch(record, json={"amount": "1500"}, headers={**lead, "If-Match": '"1"'})
    assert unkeyed.status_code == 412
