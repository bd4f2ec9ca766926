"""The authorisation matrix: every endpoint of every service, for every role, against the real
services. 401 without a valid identity, 403 when forbidden, 404 where existence must not leak."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import httpx
import pytest

from shared.identity import Identity, sign
from tests.helpers import auth
from tests.stack import Stack

ROLES = ("anonymous", "partner_a", "partner_b", "lead", "admin")
_counter = itertools.count()


def unique() -> str:
    return f"{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
async def world(stack: Stack) -> dict[str, Any]:
    """Two partners, a partner-visible project of partner A, and a support request."""
    lead = auth(stack.settings, "lead")
    portfolio = stack.urls["portfolio"]
    async with httpx.AsyncClient(base_url=portfolio) as client:
        a = (await client.post("/api/v1/partners", json={"slug": f"a-{unique()}", "name_en": "A", "name_cy": "A",
                                                          "kind": "other"}, headers=lead)).json()  # fmt: skip
        b = (await client.post("/api/v1/partners", json={"slug": f"b-{unique()}", "name_en": "B", "name_cy": "B",
                                                          "kind": "other"}, headers=lead)).json()  # fmt: skip
        project = (await client.post("/api/v1/projects", json={"slug": f"secret-{unique()}", "title_en": "Secret",
                                                               "title_cy": "Cyfrinach", "partner_id": a["id"],
                                                               "visibility": "partner"}, headers=lead)).json()  # fmt: skip
        support = (await client.post("/api/v1/support-requests", json={
            "organisation": "Powys", "contact_name": "Ann", "contact_email": "ann@example.org", "need": "Help with forms",
        })).json()  # fmt: skip
    # A user of partner B following partner B from their account, with their own address.
    owner = {"sub": f"b-user-{unique()}", "email": f"b-user-{unique()}@council.example"}
    owner_headers = auth(stack.settings, "partner", partner_id=uuid.UUID(b["id"]), **owner)
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:
        followed = await client.post("/api/v1/me/subscriptions", headers=owner_headers, json={
            "target_kind": "partner", "target_id": b["id"], "language": "cy", "rhythm": "weekly"})  # fmt: skip
        assert followed.status_code == 201, followed.text
    async with httpx.AsyncClient(base_url=portfolio) as client:  # a panel's draft of partner A's project
        assessment = (await client.post(f"/api/v1/projects/{project['id']}/assessments", headers=lead, json={
            "to_phase": "alpha", "kind": "peer_review", "held_on": time.strftime("%Y-%m-%d")})).json()  # fmt: skip
        milestone = (await client.post(f"/api/v1/projects/{project['id']}/milestones", headers=lead, json={
            "title_en": "Ready", "title_cy": "Yn barod", "target": "2027-01"})).json()  # fmt: skip
        contact = (await client.post(f"/api/v1/partners/{a['id']}/contacts", headers=lead, json={
            "name": "Ann", "email": f"ann-{unique()}@a.example", "language": "cy"})).json()  # fmt: skip
        measure = (await client.post(f"/api/v1/projects/{project['id']}/measures", headers=lead, json={
            "catalogue": "users_served"})).json()  # fmt: skip
        funding = (await client.post(f"/api/v1/projects/{project['id']}/funding", headers=lead, json={
            "source": "cdps", "amount": "100", "starts": "2026-01", "ends": "2026-03", "kind": "project"})).json()  # fmt: skip
        engagement = (await client.post("/api/v1/engagements", headers=lead, json={
            "partner_id": a["id"], "kind": "advice", "summary_en": "E", "summary_cy": "E",
            "started_on": "2024-01-01"})).json()  # fmt: skip
        comment = (await client.post(f"/api/v1/projects/{project['id']}/comments", headers=lead, json={
            "comment": "Shall we meet on Tuesday?"})).json()  # fmt: skip
        note = (await client.post(f"/api/v1/projects/{project['id']}/comments", headers=lead, json={
            "comment": "They are late again", "internal": True})).json()  # fmt: skip
    return {"comment": comment, "note": note, "a": a, "b": b, "project": project, "support": support, "followed": followed.json(), "assessment": assessment,
            "owner": owner, "owner_headers": owner_headers, "milestone": milestone, "contact": contact,
            "measure": measure, "engagement": engagement, "funding": funding}  # fmt: skip


def headers_for(stack: Stack, world: dict[str, Any], role: str) -> dict[str, str]:
    """A fresh account of the role each time, with its own address."""
    if role == "anonymous":
        return {}
    email = f"{role}-{unique()}@example.org"
    if role == "partner_a":
        return auth(stack.settings, "partner", partner_id=uuid.UUID(world["a"]["id"]), email=email)
    if role == "partner_b":
        return auth(stack.settings, "partner", partner_id=uuid.UUID(world["b"]["id"]), email=email)
    return auth(stack.settings, role, email=email)  # type: ignore[arg-type]


def matrix(world: dict[str, Any]) -> list[tuple[str, str, str, Any, tuple[int, int, int, int, int]]]:
    """(service, method, path, body, expected status for anonymous, partner A, partner B, lead, admin)."""
    p, s, a, m = world["project"]["id"], world["support"]["id"], world["assessment"]["id"], world["milestone"]["id"]
    e, c, n = world["engagement"]["id"], world["comment"]["id"], world["note"]["id"]
    today = time.strftime("%Y-%m-%d")
    this_month, ms = today[:7], world["measure"]["id"]
    stale = {"If-Match": '"999"'}  # staff get past authorisation and stop at the version check
    return [
        ("portfolio", "GET", "/api/v1/projects", None, (200, 200, 200, 200, 200)),
        ("portfolio", "POST", "/api/v1/projects", lambda: {"slug": f"m-{unique()}", "title_en": "M", "title_cy": "M"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "GET", f"/api/v1/projects/{p}", None, (404, 200, 404, 200, 200)),
        ("portfolio", "PATCH", f"/api/v1/projects/{p}", ({"title_en": "X"}, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/phase", ({"kind": "advance", "effective": today}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/health", ({"health": "red", "reason": "x"}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/updates", {"body_en": "Note", "body_cy": "Nodyn"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "GET", f"/api/v1/projects/{p}/updates", None, (404, 200, 404, 200, 200)),
        ("portfolio", "GET", f"/api/v1/projects/{p}/history", None, (404, 200, 404, 200, 200)),
        # Milestones: read as their project is; only staff change them.
        ("portfolio", "GET", f"/api/v1/projects/{p}/milestones", None, (404, 200, 404, 200, 200)),
        ("portfolio", "GET", "/api/v1/milestones", None, (200, 200, 200, 200, 200)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/milestones", {"title_en": "M", "title_cy": "M", "target": "2027-02"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "PATCH", f"/api/v1/projects/{p}/milestones/{m}", ({"title_en": "X"}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/milestones/{m}/complete", (None, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "DELETE", f"/api/v1/projects/{p}/milestones/{m}", (None, stale), (401, 403, 403, 412, 412)),
        # Measures: read as their project is (the public: published ones of public projects); staff define
        # and change them; staff or the project's own partner record values.
        ("portfolio", "GET", "/api/v1/measures/catalogue", None, (200, 200, 200, 200, 200)),
        ("portfolio", "GET", "/api/v1/measures", None, (200, 200, 200, 200, 200)),
        ("portfolio", "GET", f"/api/v1/projects/{p}/measures", None, (404, 200, 404, 200, 200)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/measures",
         lambda: {"name": {"en": f"M {unique()}", "cy": "M"}, "unit": "count", "direction": "up"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "PATCH", f"/api/v1/projects/{p}/measures/{ms}", ({"published": True}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/measures/{ms}/remove", ({"reason": "Not tracked"}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/measures/{ms}/values",
         {"values": [{"month": this_month, "value": 1}]}, (401, 200, 404, 200, 200)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/measures/upload", {"not": "csv"},
         (401, 422, 404, 422, 422)),  # those who may upload get as far as reading the file
        # Funding: staff record and correct it; read as the project is, the public only what is published.
        ("portfolio", "GET", "/api/v1/funding", None, (200, 200, 200, 200, 200)),
        ("portfolio", "GET", f"/api/v1/projects/{p}/funding", None, (404, 200, 404, 200, 200)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/funding",
         {"source": "partner", "amount": "10", "starts": "2026-01", "ends": "2026-01", "kind": "project"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "PATCH", f"/api/v1/projects/{p}/funding/{world['funding']['id']}", ({"published": True}, stale),
         (401, 403, 403, 412, 412)),
        ("portfolio", "GET", "/api/v1/projects/export.csv", None, (200, 200, 200, 200, 200)),
        ("portfolio", "GET", "/api/v1/projects/timelines", None, (200, 200, 200, 200, 200)),
        # Assessments: the project's partner self-assesses; only staff see a panel's draft or publish.
        ("portfolio", "POST", f"/api/v1/projects/{p}/assessments",
         {"to_phase": "alpha", "kind": "self_assessment", "held_on": today}, (401, 201, 404, 201, 201)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/assessments",
         {"to_phase": "alpha", "kind": "formal_assessment", "held_on": today}, (401, 403, 404, 201, 201)),
        ("portfolio", "GET", f"/api/v1/projects/{p}/assessments", None, (404, 200, 404, 200, 200)),
        ("portfolio", "GET", "/api/v1/assessments", None, (200, 200, 200, 200, 200)),
        ("portfolio", "GET", f"/api/v1/assessments/{a}", None, (404, 404, 404, 200, 200)),
        ("portfolio", "PATCH", f"/api/v1/assessments/{a}", ({"summary_en": "X"}, stale), (401, 404, 404, 412, 412)),
        ("portfolio", "POST", f"/api/v1/assessments/{a}/submit", (None, stale), (401, 404, 404, 412, 412)),
        ("portfolio", "POST", f"/api/v1/assessments/{a}/publish", (None, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/assessments/{a}/actions", {"standard": 1, "text_en": "A", "owner": "O"},
         (401, 403, 403, 409, 409)),  # staff stop at the rule: actions follow published assessments
        ("portfolio", "GET", f"/api/v1/assessments/{a}/actions", None, (404, 404, 404, 200, 200)),
        ("portfolio", "GET", "/api/v1/actions", None, (200, 200, 200, 200, 200)),
        ("portfolio", "POST", f"/api/v1/actions/{uuid.uuid4()}/close", ({"state": "done"}, stale),
         (401, 403, 403, 404, 404)),
        ("portfolio", "GET", "/api/v1/partners", None, (200, 200, 200, 200, 200)),
        ("portfolio", "POST", "/api/v1/partners",
         lambda: {"slug": f"n-{unique()}", "name_en": "N", "name_cy": "N", "kind": "other"}, (401, 403, 403, 201, 201)),
        ("portfolio", "PATCH", f"/api/v1/partners/{world['a']['id']}", ({"name_en": "A2"}, stale),
         (401, 403, 403, 412, 412)),
        # A partner's contacts: staff only, to read as to change (not even the partner's own users).
        ("portfolio", "GET", f"/api/v1/partners/{world['a']['id']}/contacts", None, (401, 403, 403, 200, 200)),
        ("portfolio", "POST", f"/api/v1/partners/{world['a']['id']}/contacts",
         lambda: {"name": "C", "email": f"c{unique()}@a.example"}, (401, 403, 403, 201, 201)),
        ("portfolio", "GET", f"/api/v1/partners/{world['a']['id']}/contacts/{world['contact']['id']}", None,
         (401, 403, 403, 200, 200)),
        ("portfolio", "PATCH", f"/api/v1/partners/{world['a']['id']}/contacts/{world['contact']['id']}",
         ({"role": "X"}, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "DELETE", f"/api/v1/partners/{world['a']['id']}/contacts/{world['contact']['id']}",
         (None, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "POST", "/api/v1/engagements",
         {"partner_id": world["a"]["id"], "kind": "advice", "summary_en": "E", "summary_cy": "E", "started_on": today},
         (401, 403, 403, 201, 201)),
        ("portfolio", "GET", "/api/v1/engagements", None, (200, 200, 200, 200, 200)),
        # A project's conversation: staff and the project's partner; staff-only notes for staff only (a
        # partner is told nothing of one); only its author changes a comment, its author or staff delete it.
        ("portfolio", "GET", f"/api/v1/projects/{p}/comments", None, (401, 200, 404, 200, 200)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/comments", {"comment": "Hi"}, (401, 201, 404, 201, 201)),
        ("portfolio", "POST", f"/api/v1/projects/{p}/comments", {"comment": "x", "internal": True},
         (401, 403, 404, 201, 201)),
        ("portfolio", "PATCH", f"/api/v1/comments/{c}", ({"comment": "x"}, stale), (401, 403, 404, 403, 403)),
        ("portfolio", "PATCH", f"/api/v1/comments/{n}", ({"comment": "x"}, stale), (401, 404, 404, 403, 403)),
        ("portfolio", "DELETE", f"/api/v1/comments/{c}", (None, stale), (401, 403, 404, 412, 412)),
        ("portfolio", "DELETE", f"/api/v1/comments/{n}", (None, stale), (401, 404, 404, 412, 412)),
        # One engagement: staff and its own partner read it; only staff edit or end it, under If-Match.
        ("portfolio", "GET", f"/api/v1/engagements/{e}", None, (404, 200, 404, 200, 200)),
        ("portfolio", "PATCH", f"/api/v1/engagements/{e}", ({"kind": "training"}, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "POST", f"/api/v1/engagements/{e}/end", ({"ended_on": today}, stale), (401, 403, 403, 412, 412)),
        ("portfolio", "POST", "/api/v1/support-requests",
         {"organisation": "O", "contact_name": "C", "contact_email": "c@example.org", "need": "Some help please"},
         (201, 201, 201, 201, 201)),
        ("portfolio", "GET", "/api/v1/support-requests", None, (401, 403, 403, 200, 200)),
        ("portfolio", "GET", "/api/v1/support-requests/mine", None, (401, 200, 200, 200, 200)),  # each their own
        ("portfolio", "POST", f"/api/v1/support-requests/{s}/triage", {"outcome": "declined", "reason": ""},
         (401, 403, 403, 422, 422)),
        ("portfolio", "POST", "/api/v1/people", lambda: {"name": "P", "email": f"p{unique()}@example.org", "kind": "lead"},
         (401, 403, 403, 201, 201)),
        ("portfolio", "GET", "/api/v1/people", None, (401, 403, 403, 200, 200)),
        ("search", "GET", "/api/v1/search?q=secret", None, (200, 200, 200, 200, 200)),
        ("search", "GET", "/api/v1/search/lag", None, (200, 200, 200, 200, 200)),
        ("notifier", "POST", "/api/v1/subscriptions",
         lambda: {"email": f"s{unique()}@example.org", "target_kind": "portfolio", "language": "cy", "rhythm": "weekly"},
         (202, 202, 202, 202, 202)),
        # An account follows with its own address at once; any other address is sent a confirmation first.
        ("notifier", "POST", "/api/v1/me/subscriptions", {"language": "en"}, (401, 201, 201, 201, 201)),
        ("notifier", "POST", "/api/v1/me/subscriptions", lambda: {"email": f"m{unique()}@example.org", "language": "en"},
         (401, 202, 202, 202, 202)),
        ("notifier", "POST", "/api/v1/me/subscriptions",
         {"email": world["owner"]["email"], "target_kind": "partner", "target_id": world["b"]["id"], "language": "en"},
         (401, 202, 202, 202, 202)),
        ("notifier", "GET", "/api/v1/me/subscriptions", None, (401, 200, 200, 200, 200)),
        ("notifier", "PATCH", f"/api/v1/me/subscriptions/{world['followed']['id']}",
         {"language": "en", "rhythm": "daily"}, (401, 404, 404, 404, 404)),
        ("notifier", "DELETE", f"/api/v1/me/subscriptions/{world['followed']['id']}", None, (401, 404, 404, 404, 404)),
        ("notifier", "GET", "/api/v1/deliveries", None, (401, 403, 403, 403, 200)),
        ("notifier", "POST", f"/api/v1/deliveries/{uuid.uuid4()}/retry", None, (401, 403, 403, 403, 404)),
        ("notifier", "GET", "/api/v1/weeknotes", None, (200, 200, 200, 200, 200)),
        ("notifier", "GET", "/api/v1/weeknotes/draft/current", None, (401, 403, 403, 200, 200)),
        ("notifier", "PATCH", "/api/v1/weeknotes/draft/2026-W01", {"intro_en": "x"}, (401, 403, 403, 428, 428)),
        ("webhooks", "GET", "/api/v1/webhooks", None, (401, 403, 403, 403, 200)),
        ("webhooks", "POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]},
         (401, 403, 403, 403, 201)),
        ("webhooks", "GET", f"/api/v1/webhooks/{uuid.uuid4()}", None, (401, 403, 403, 403, 404)),
        ("webhooks", "PATCH", f"/api/v1/webhooks/{uuid.uuid4()}", ({"enabled": False}, stale), (401, 403, 403, 403, 404)),
        ("webhooks", "DELETE", f"/api/v1/webhooks/{uuid.uuid4()}", None, (401, 403, 403, 403, 404)),
        ("webhooks", "POST", f"/api/v1/webhooks/{uuid.uuid4()}/rotate", None, (401, 403, 403, 403, 404)),
        ("webhooks", "GET", f"/api/v1/webhooks/{uuid.uuid4()}/deliveries", None, (401, 403, 403, 403, 404)),
        ("webhooks", "GET", f"/api/v1/webhooks/{uuid.uuid4()}/deliveries/{uuid.uuid4()}", None, (401, 403, 403, 403, 404)),
        ("webhooks", "POST", f"/api/v1/webhooks/{uuid.uuid4()}/deliveries/{uuid.uuid4()}/send-again", None,
         (401, 403, 403, 403, 404)),
    ]  # fmt: skip


async def test_every_endpoint_answers_each_role_as_expected(stack: Stack, world: dict[str, Any]) -> None:
    wrong: list[str] = []
    async with httpx.AsyncClient(timeout=10) as client:
        for service, method, path, body, expected in matrix(world):
            for role, status in zip(ROLES, expected, strict=True):
                headers = headers_for(stack, world, role)
                payload = body() if callable(body) else body
                if isinstance(payload, tuple):
                    payload, extra = payload
                    headers = {**headers, **extra}
                response = await client.request(method, f"{stack.urls[service]}{path}", json=payload, headers=headers)
                if response.status_code != status:
                    wrong.append(f"{method} {path} as {role}: {response.status_code}, expected {status}")
    assert wrong == []


async def test_a_subscription_belongs_to_its_subscriber_whoever_else_names_its_address(
    stack: Stack, world: dict[str, Any]
) -> None:
    followed, owner = world["followed"], world["owner"]
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:
        for role in ROLES[1:]:
            headers = headers_for(stack, world, role)
            again = await client.post("/api/v1/me/subscriptions", headers=headers, json={
                "email": owner["email"], "target_kind": "partner", "target_id": world["b"]["id"], "language": "en",
                "rhythm": "immediate"})  # fmt: skip
            assert again.status_code == 202, (role, again.text)
            assert followed["id"] not in (await client.get("/api/v1/me/subscriptions", headers=headers)).text, role
            gone = await client.delete(f"/api/v1/me/subscriptions/{followed['id']}", headers=headers)
            assert gone.status_code == 404, role
        [theirs] = (await client.get("/api/v1/me/subscriptions", headers=world["owner_headers"])).json()
        assert theirs == followed and theirs["audience"] == "partner" and theirs["language"] == "cy"


async def test_an_account_naming_another_address_gets_it_the_public_double_opt_in_only(
    stack: Stack, world: dict[str, Any]
) -> None:
    import asyncpg

    stranger = f"stranger-{unique()}@example.org"
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:
        for role in ("lead", "partner_a"):
            answer = await client.post("/api/v1/me/subscriptions", headers=headers_for(stack, world, role),
                                       json={"email": stranger, "target_kind": "partner", "target_id": world["a"]["id"]})  # fmt: skip
            assert answer.status_code == 202 and answer.json()["message_cy"], answer.text
    conn = await asyncpg.connect(stack.settings.database_url)
    try:
        rows = await conn.fetch("SELECT confirmed, audience, account_id, partner_id FROM notifier.subscriptions "
                                "WHERE email = $1", stranger)  # fmt: skip
    finally:
        await conn.close()
    assert [dict(r) for r in rows] == [
        {"confirmed": False, "audience": "public", "account_id": None, "partner_id": None}
    ]


async def test_an_expired_or_forged_identity_token_is_refused_everywhere(stack: Stack) -> None:
    expired = sign(Identity(sub="x", role="admin"), stack.settings.secret_key, lifetime=-1)
    forged = sign(Identity(sub="x", role="admin"), "not-the-secret")
    async with httpx.AsyncClient() as client:
        for token in (expired, forged, "garbage"):
            for service, path in (("portfolio", "/api/v1/projects"), ("search", "/api/v1/search"),
                                  ("notifier", "/api/v1/me/subscriptions"), ("webhooks", "/api/v1/webhooks")):  # fmt: skip
                response = await client.get(
                    f"{stack.urls[service]}{path}", headers={"Authorization": f"Bearer {token}"}
                )
                assert response.status_code == 401, (service, token)


async def test_no_search_result_snippet_or_facet_reveals_another_partners_record(
    stack: Stack, world: dict[str, Any]
) -> None:
    async with httpx.AsyncClient() as client:
        for role in ("anonymous", "partner_b"):
            body = (await client.get(f"{stack.urls['search']}/api/v1/search", params={"q": "secret"},
                                     headers=headers_for(stack, world, role))).json()  # fmt: skip
            assert world["project"]["id"] not in str(body) and "Cyfrinach" not in str(body), role
            assert world["a"]["id"] not in str(body["facets"]["partner"]), role
            html = (await client.get(f"{stack.urls['web']}/search", params={"q": "secret"},
                                     headers={"HX-Request": "true"})).text  # fmt: skip
            assert "Cyfrinach" not in html and "Secret" not in html


async def test_a_spoofed_x_forwarded_for_does_not_reset_the_sign_in_rate_limit(stack: Stack) -> None:
    import re

    import asyncpg

    async with httpx.AsyncClient(base_url=stack.urls["web"]) as client:
        page = await client.get("/signin")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        statuses = []
        for n in range(22):
            response = await client.post(
                "/signin", data={"email": f"spoof{n}-{unique()}@example.org", "_csrf_token": token[1]},
                headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Real-IP": f"198.51.100.{n}"},
            )  # fmt: skip
            statuses.append(response.status_code)
    conn = await asyncpg.connect(stack.settings.database_url)
    try:  # leave the shared stack's budget as it was for the tests that follow
        await conn.execute("DELETE FROM web.rate_limits WHERE key LIKE 'signin:client:%'")
    finally:
        await conn.close()
    assert statuses.count(200) <= 20 and statuses[-2:] == [429, 429], statuses
