"""Sign-in by one-time email link, sessions, CSRF, security headers and API tokens."""

from __future__ import annotations

import uuid

import httpx

from tests.web.conftest import Web
from web import accounts


async def add(web: Web, email: str = "lead@cdps.example", role: accounts.AccountRole = "lead") -> accounts.Account:
    async with web.runtime.pool.acquire() as conn:
        return await accounts.add_account(conn, email=email, role=role)


async def home_as(web: Web, session: str) -> httpx.Response:
    web.client.cookies.set("cdps_session", session)
    return await web.client.get("/")


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


async def test_a_link_is_sent_to_an_account_and_the_answer_is_the_same_for_an_unknown_address(web: Web) -> None:
    await add(web)
    known = await web.ask_for_link("lead@cdps.example")
    unknown = await web.ask_for_link("nobody@cdps.example")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("lead@cdps.example", "X") == unknown.text.replace("nobody@cdps.example", "X")
    assert [link["email"] for link in web.links] == ["lead@cdps.example"]


async def test_a_link_signs_in_once_and_the_session_id_is_new(web: Web) -> None:
    await add(web)
    await web.ask_for_link("lead@cdps.example")
    path = path_of(web.links[-1]["link"])
    web.client.cookies.set("cdps_session", "chosen-by-an-attacker")
    first = await web.client.get(path)
    assert first.status_code in (302, 303)
    session = first.cookies["cdps_session"]
    assert session and session != "chosen-by-an-attacker"
    set_cookie = first.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    again = await web.client.get(path)
    assert again.status_code == 400  # single use
    page = await home_as(web, session)
    assert "Sign out" in page.text or "Allgofnodi" in page.text


async def test_an_expired_or_tampered_link_does_not_sign_in(web: Web) -> None:
    await add(web)
    await web.ask_for_link("lead@cdps.example")
    path = path_of(web.links[-1]["link"])
    assert (await web.client.get(path + "x")).status_code == 400
    async with web.runtime.pool.acquire() as conn:
        await conn.execute("UPDATE signin_links SET expires_at = now() - interval '1 second'")
    assert (await web.client.get(path)).status_code == 400


async def test_unsafe_requests_without_the_csrf_token_are_refused(web: Web) -> None:
    await web.client.get("/signin")  # the CSRF cookie
    missing = await web.client.post("/signin", data={"email": "a@b.cy"})
    wrong = await web.client.post("/signin", data={"email": "a@b.cy", "_csrf_token": "forged"})
    assert missing.status_code == 403 and wrong.status_code == 403
    assert web.links == []


async def test_sessions_end_after_idle_and_absolute_timeouts_and_everywhere_on_request(web: Web) -> None:
    account = await add(web)
    sessions = []
    for _ in range(2):  # two browsers
        web.client.cookies.clear()
        await web.ask_for_link(account.email)
        response = await web.client.get(path_of(web.links[-1]["link"]))
        sessions.append(response.cookies["cdps_session"])
    web.client.cookies.clear()
    for session in sessions:
        assert "/signout" in (await home_as(web, session)).text
    async with web.runtime.pool.acquire() as conn:
        await conn.execute("UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE id_hash = $1",
                           accounts.digest(sessions[0]))  # fmt: skip
    assert "/signout" not in (await home_as(web, sessions[0])).text
    async with web.runtime.pool.acquire() as conn:
        await conn.execute("UPDATE sessions SET created_at = now() - interval '13 hours' WHERE id_hash = $1",
                           accounts.digest(sessions[1]))  # fmt: skip
    assert "/signout" not in (await home_as(web, sessions[1])).text


async def test_sign_in_is_rate_limited_per_address(web: Web) -> None:
    await add(web)
    statuses = [(await web.ask_for_link("lead@cdps.example")).status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    assert len(web.links) == 5


async def test_every_page_has_strict_security_headers(web: Web) -> None:
    response = await web.client.get("/signin")
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers  # plain HTTP here


async def test_an_api_token_acts_with_its_owners_role_until_revoked(web: Web) -> None:
    account = await add(web, "admin@cdps.example", "admin")
    async with web.runtime.pool.acquire() as conn:
        token, secret = await accounts.create_api_token(conn, account, "script")
        stored = await conn.fetchval("SELECT token_hash FROM api_tokens WHERE id = $1", token.id)
    assert secret.encode() not in stored
    deliveries = await web.client.get("/api/v1/nothing-here", headers={"Authorization": f"Bearer {secret}"})
    assert deliveries.status_code == 404
    async with web.runtime.pool.acquire() as conn:
        assert await accounts.api_token_account(conn, secret) is not None
        await accounts.revoke_api_token(conn, account.id, token.id)
    revoked = await web.client.get("/api/v1/projects", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    forged = await web.client.get("/api/v1/projects", headers={"Authorization": f"Bearer cdps_{uuid.uuid4().hex}"})
    assert forged.status_code == 401
