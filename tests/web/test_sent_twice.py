"""A project form sent twice (a double click, the back button and send again, a retry after the
connection dropped) is one change: each form carries a request key, which the web sends to the
portfolio as the Idempotency-Key of its POST."""

from __future__ import annotations

import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_project

REQUEST_KEY = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


async def test_an_update_form_sent_twice_posts_one_update(stack: Stack) -> None:
    project = await create_project(stack)
    form = f"/projects/{project['id']}/update"
    async with browser(stack, "lead") as lead:
        page = await lead.get(form, params={"lang": "en"})
        keys = REQUEST_KEY.findall(page.text)
        assert len(keys) == 1, page.text
        again = REQUEST_KEY.findall((await lead.get(form)).text)
        assert again != keys  # every form its own key
        fields = {"body_en": "Tested the prototype", "body_cy": "Profwyd y prototeip", "health": "",
                  "health_reason": "", "request_key": keys[0]}  # fmt: skip
        answers = [await lead.post(form, fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303]
    updates = (await api(stack, "GET", f"/api/v1/projects/{project['id']}/updates")).json()
    assert [u["body_en"] for u in updates] == ["Tested the prototype"]


async def test_a_support_request_sent_twice_is_one_request(stack: Stack) -> None:
    organisation = f"Cyngor {uuid.uuid4().hex[:6]}"
    async with browser(stack) as visitor:
        [key] = REQUEST_KEY.findall((await visitor.get("/support", params={"lang": "cy"})).text)
        fields = {"organisation": organisation, "contact_name": "Nia", "contact_email": "nia@example.cymru",
                  "language": "cy", "need": "Help i symud ffurflen bapur ar-lein", "urgency": "medium",
                  "request_key": key}  # fmt: skip
        answers = [await visitor.post("/support", fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]  # the same reference
    requests = (await api(stack, "GET", "/api/v1/support-requests")).json()
    assert [r["organisation"] for r in requests].count(organisation) == 1


async def test_a_new_project_form_sent_twice_adds_one_project_and_both_lead_to_it(stack: Stack) -> None:
    slug = f"twice-{uuid.uuid4().hex[:6]}"
    async with browser(stack, "lead") as lead:
        [key] = REQUEST_KEY.findall((await lead.get("/projects/new", params={"lang": "en"})).text)
        fields = {"title_en": "Twice", "title_cy": "Dwywaith", "slug": slug, "partner_id": "", "visibility": "public",
                  "request_key": key}  # fmt: skip
        answers = [await lead.post("/projects/new", fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"] == f"/projects/{slug}?done=created"


async def test_a_triage_sent_twice_is_one_triage_and_both_sends_succeed(stack: Stack) -> None:
    asked = await api(stack, "POST", "/api/v1/support-requests", json={
        "organisation": "Cyngor Gwynedd", "contact_name": "Nia", "contact_email": "nia@example.cymru",
        "need": "Help with a paper form",
    })  # fmt: skip
    request_id = asked.json()["id"]
    async with browser(stack, "lead") as lead:
        page = await lead.get(f"/support/requests/{request_id}", params={"lang": "en"})
        [key] = REQUEST_KEY.findall(page.text)
        fields = {"outcome": "declined", "reason_en": "Out of scope", "request_key": key}
        answers = [await lead.post(f"/support/requests/{request_id}", fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303], answers[1].text
    assert answers[1].headers["location"] == "/support/requests?done=declined"


async def test_a_funding_correction_sent_twice_is_one_correction_and_both_sends_succeed(stack: Stack) -> None:
    """The correction is sent at the version the form was opened at: sent again (a double click, the
    back button and send again), it is answered as the first was, not as a change made meanwhile."""
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        recorded = await lead.post(f"/projects/{project['id']}/funding/new", {
            "source": "cdps", "amount": "1000", "starts-month": "4", "starts-year": "2032", "ends-month": "3",
            "ends-year": "2033", "kind": "project", "request_key": str(uuid.uuid4())})  # fmt: skip
        assert recorded.status_code == 303, recorded.text
        [record] = (await api(stack, "GET", f"/api/v1/projects/{project['id']}/funding")).json()
        edit = f"/projects/{project['id']}/funding/{record['id']}/edit"
        form = (await lead.get(edit, params={"lang": "en"})).text
        inputs = re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form)
        hidden = {name: value for name, value in inputs if name != "_csrf_token"}
        assert set(hidden) >= {"version", "request_key"}, hidden
        fields = {**hidden, "source": "cdps", "amount": "1500", "starts-month": "4", "starts-year": "2032",
                  "ends-month": "9", "ends-year": "2033", "kind": "project"}  # fmt: skip
        answers = [await lead.post(edit, fields, params={"lang": "en"}) for _ in range(2)]

    assert [a.status_code for a in answers] == [303, 303], answers[1].text
    assert answers[0].headers["location"] == answers[1].headers["location"]
    [corrected] = (await api(stack, "GET", f"/api/v1/projects/{project['id']}/funding")).json()
    assert (corrected["amount_pence"], corrected["version"]) == (150000, 2)  # corrected once
