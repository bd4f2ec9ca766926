"""Sign-in by one-time email link, sessions, CSRF, security headers and API tokens."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from urllib.parse import unquote, urlsplit

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import asgi
from tests.web.conftest import Web
from web import accounts
from web.auth import destination


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


async def test_opening_a_link_only_shows_a_button_which_signs_in_once_with_a_new_session_id(web: Web) -> None:
    await add(web)
    await web.ask_for_link("lead@cdps.example")
    path = path_of(web.links[-1]["link"])
    web.client.cookies.set("cdps_session", "chosen-by-an-attacker")
    for _ in range(2):  # a mail scanner, a link preview, then the person: opening spends nothing
        opened = await web.client.get(path, params={"lang": "en"})
        assert opened.status_code == 200 and "cdps_session" not in opened.cookies
        assert "You are signing in to the CDPS catalyst portfolio as lead@cdps.example." in opened.text
        assert '<form method="post" novalidate>' in opened.text and ">Sign in</button>" in opened.text
    assert (await web.client.post(path)).status_code == 403  # the button's form carries the CSRF token
    first = await web.use_link(web.links[-1]["link"])
    assert first.status_code == 303 and first.headers["location"] == "/"
    session = first.cookies["cdps_session"]
    assert session and session != "chosen-by-an-attacker"
    set_cookie = first.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie
    again = await web.use_link(web.links[-1]["link"])
    assert again.status_code == 400  # single use
    spent = await web.client.get(path, params={"lang": "cy"})
    assert spent.status_code == 200 and "Nid yw&#39;r ddolen hon yn gweithio" in spent.text  # a page that says so
    page = await home_as(web, session)
    assert "Sign out" in page.text or "Allgofnodi" in page.text


async def test_an_expired_or_tampered_link_does_not_sign_in(web: Web) -> None:
    await add(web)
    await web.ask_for_link("lead@cdps.example")
    link = web.links[-1]["link"]
    assert (await web.use_link(link.replace("?", "x?") if "?" in link else link + "x")).status_code == 400
    async with web.runtime.pool.acquire() as conn:
        await conn.execute("UPDATE signin_links SET expires_at = now() - interval '1 second'")
    assert (await web.use_link(link)).status_code == 400
    assert "This link does not work" in (await web.client.get(path_of(link), params={"lang": "en"})).text


async def test_the_link_opens_in_the_accounts_language(web: Web) -> None:
    async with web.runtime.pool.acquire() as conn:
        await accounts.add_account(conn, email="nia@cdps.example", role="lead", language="cy")
        await accounts.add_account(conn, email="both@cdps.example", role="lead", language="both")
    await web.ask_for_link("nia@cdps.example")
    await web.ask_for_link("both@cdps.example")
    assert [link["link"].rsplit("/", 1)[1].partition("?")[2] for link in web.links] == ["lang=cy", ""]
    opened = await web.client.get(path_of(web.links[0]["link"]))
    assert 'lang="cy"' in opened.text and ">Mewngofnodi</button>" in opened.text


async def test_after_signing_in_the_person_is_on_the_page_they_were_trying_to_reach(web: Web) -> None:
    await add(web)
    wanted = "/account/tokens?lang=en"
    refused = await web.client.get(wanted)
    assert refused.status_code in (302, 303)
    assert refused.headers["location"] == "/signin?next=%2Faccount%2Ftokens%3Flang%3Den"
    form = await web.client.get(refused.headers["location"])
    assert '<input type="hidden" name="next" value="/account/tokens?lang=en">' in form.text
    await web.ask_for_link("lead@cdps.example", going_to=wanted)
    signed_in = await web.use_link(web.links[-1]["link"])
    assert signed_in.headers["location"] == wanted
    assert (await web.client.get(wanted)).status_code == 200


async def test_a_staff_page_asks_to_sign_in_with_a_way_back(web: Web) -> None:
    page = await web.client.get("/support/requests", params={"lang": "en", "status": "all"})
    assert page.status_code == 401
    assert 'href="/signin?next=%2Fsupport%2Frequests%3Flang%3Den%26status%3Dall"' in page.text


ELSEWHERE = [
    "//evil.example", "https://evil.example", "http://evil.example/", "/\\evil.example", "\\\\evil.example",
    "%2F%2Fevil.example", "/%2Fevil.example", "%2f%2fevil.example", "/%5Cevil.example", "%5C%5Cevil.example",
    "/%252F%252Fevil.example", "/%09/evil.example", "/\t/evil.example", "/\n/evil.example", "https:evil.example",
    "javascript:alert(1)", "evil.example", " //evil.example", "/\u3000/evil.example", "/signin", "/signin/abc",
]  # fmt: skip


@pytest.mark.parametrize("elsewhere", ELSEWHERE)
async def test_a_sign_in_never_leads_to_another_site(web: Web, elsewhere: str) -> None:
    await add(web)
    form = await web.client.get("/signin", params={"next": elsewhere})
    assert 'name="next"' not in form.text
    await web.ask_for_link("lead@cdps.example", going_to=elsewhere)
    signed_in = await web.use_link(web.links[-1]["link"])
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"


@given(st.text(max_size=60) | st.from_regex(r"\A[/\\%0-9a-fA-F:.a-z\t]{0,20}\Z"))
def test_a_destination_is_the_path_asked_for_or_home_never_a_host(requested: str) -> None:
    chosen = destination(requested)
    assert chosen in ("/", requested)
    for form in (chosen, unquote(unquote(unquote(chosen)))):
        assert form.startswith("/") and not form.startswith(("//", "/\\")) and "\\" not in form
        assert not urlsplit(form).netloc and not urlsplit(form).scheme


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
        response = await web.use_link(web.links[-1]["link"])
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


async def test_a_stranger_asking_for_someones_links_cannot_stop_them_getting_one_from_their_own_client(
    web: Web,
) -> None:
    await add(web)
    token = await web.csrf("/signin")
    stranger = httpx.ASGITransport(asgi(web.app), client=("203.0.113.66", 40000))
    async with httpx.AsyncClient(transport=stranger, base_url="http://web", cookies=web.client.cookies) as client:
        statuses = [(await client.post("/signin", data={"email": "lead@cdps.example", "_csrf_token": token})).status_code
                    for _ in range(7)]  # fmt: skip
    assert statuses[5:] == [429, 429]
    assert (await web.ask_for_link("lead@cdps.example")).status_code == 200  # the owner, from their own client
    assert len(web.links) == 6


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


async def test_an_invitation_carries_who_invited_whom_and_a_week_long_link(web: Web) -> None:
    admin = await add(web, "admin@cdps.example", "admin")
    async with web.runtime.pool.acquire() as conn:
        session = await accounts.start_session(conn, admin)
    web.client.cookies.set("cdps_session", session)
    token = await web.csrf("/admin/accounts")
    form = {"email": "Nia@Example.org", "name": "Nia Jones", "role": "lead", "language": "cy", "_csrf_token": token}
    invited = await web.client.post("/admin/accounts", data=form)
    assert invited.status_code == 303 and invited.headers["location"] == "/admin/accounts?done=nia%40example.org"
    [sent] = web.links
    assert sent["email"] == "nia@example.org" and sent["language"] == "cy"
    assert sent["invitation"] == {"name": "Nia Jones", "role": "lead", "invited_by": admin.email,
                                  "valid_until": (dt.datetime.now(dt.UTC) + dt.timedelta(days=7)).date().isoformat()}  # fmt: skip
    async with web.runtime.pool.acquire() as conn:
        lifetime = await conn.fetchval("SELECT expires_at - created_at FROM signin_links")
    assert lifetime == accounts.INVITATION_LIFETIME
    web.client.cookies.delete("cdps_session")
    assert (await web.use_link(sent["link"])).status_code == 303


async def test_an_invitation_that_could_not_be_sent_says_so(web: Web) -> None:
    admin = await add(web, "admin@cdps.example", "admin")
    async with web.runtime.pool.acquire() as conn:
        web.client.cookies.set("cdps_session", await accounts.start_session(conn, admin))
    assert web.responder is not None
    await web.responder.unsubscribe()  # no notifier answers
    web.responder = None
    form = {"email": "nia@example.org", "name": "Nia", "role": "lead", "language": "en",
            "_csrf_token": await web.csrf("/admin/accounts")}  # fmt: skip
    invited = await web.client.post("/admin/accounts", data=form)
    page = await web.client.get(invited.headers["location"] + "&lang=en")
    assert "the invitation email could not be sent. They can ask for a sign-in link" in page.text


async def test_every_cookie_is_secure_when_the_public_address_is_https(web_over_https: Web) -> None:
    web = web_over_https
    await add(web)
    chosen = await web.client.get("/accessibility", params={"lang": "cy"})  # the language cookie
    signin = await web.client.get("/signin")  # the CSRF cookie
    # httpx keeps Secure cookies from plain http://, as the proxy's browser would over HTTPS: send them by hand.
    csrf = signin.cookies["csrftoken"]
    token = re.search(r'name="_csrf_token" value="([^"]+)"', signin.text)
    assert token
    web.client.cookies.clear()
    form = {"email": "lead@cdps.example", "_csrf_token": token[1]}
    asked = await web.client.post("/signin", data=form, headers={"Cookie": f"csrftoken={csrf}"})
    assert asked.status_code == 200, asked.text
    path = "/" + web.links[-1]["link"].split("://", 1)[1].split("/", 1)[1]
    opened = await web.client.get(path, headers={"Cookie": f"csrftoken={csrf}"})
    button = re.search(r'name="_csrf_token" value="([^"]+)"', opened.text)
    assert button
    used = await web.client.post(path, data={"_csrf_token": button[1]}, headers={"Cookie": f"csrftoken={csrf}"})
    assert used.status_code == 303, used.text
    set_cookies = [c for r in (chosen, signin, used) for c in r.headers.get_list("set-cookie")]
    names = {c.split("=", 1)[0] for c in set_cookies}
    assert {"csrftoken", "lang", "cdps_session"} <= names, set_cookies
    assert all("; secure" in c.lower() for c in set_cookies), set_cookies


async def test_signing_out_everywhere_ends_every_session_and_every_api_token_as_the_page_says(web: Web) -> None:
    account = await add(web, "admin@cdps.example", "admin")
    async with web.runtime.pool.acquire() as conn:
        _, secret = await accounts.create_api_token(conn, account, "script")
        elsewhere = await accounts.start_session(conn, account)
        here = await accounts.start_session(conn, account)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await web.client.get("/api/v1/nothing-here", headers=bearer)).status_code == 404  # the token works
    web.client.cookies.set("cdps_session", here)
    page = await web.client.get("/account/tokens", params={"lang": "en"})
    assert "revokes every one of your API tokens" in page.text
    signed_out = await web.client.post("/signout/everywhere", data={"_csrf_token": await web.csrf("/account/tokens")})
    assert signed_out.status_code in (302, 303)
    assert (await web.client.get("/api/v1/projects", headers=bearer)).status_code == 401
    for session in (here, elsewhere):
        assert "/signout" not in (await home_as(web, session)).text
