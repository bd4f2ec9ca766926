"""Every link the product emails opens a working page, as the person who clicks it finds it.

One journey sends each kind of email through the real services and a real SMTP server (aiosmtpd):
a sign-in link, an admin's invitation, a subscription's confirmation, a project update, a phase
change, a weekly digest, a support request's acknowledgement, and unsubscribe links in them. Then every link to the site in every email
of the journey is opened with GET, twice, as a mail scanner and then the person would: each must answer 2xx both
times, so no GET spends a link or depends on having been opened before. (The session's other
emails are not checked: their tests spend links and unsubscribe on purpose.)
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from email.message import EmailMessage

import asyncpg
import httpx

from services.notifier.digest import make_digests
from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import week_of
from shared.db import init_connection
from tests.helpers import eventually
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import add_account, api, browser, create_project

URL = re.compile(r'https?://[^\s"<>)\]]+')


def links(message: EmailMessage, base: str) -> set[str]:
    """The links to the site in every text part (plain and HTML) of ``message``."""
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found |= {url.rstrip(".,;").replace("&amp;", "&") for url in URL.findall(part.get_content())}
    return {url for url in found if url.startswith(base)}


async def test_every_link_in_every_email_the_journeys_send_opens_a_working_page(stack: Stack, inbox: Inbox) -> None:
    web, tag = stack.urls["web"], uuid.uuid4().hex[:8]
    project = await create_project(stack, title_en=f"Bin collections {tag}", title_cy=f"Casglu biniau {tag}")
    follower, weekly = f"follower-{tag}@example.org", f"weekly-{tag}@example.org"
    mine: dict[str, list[EmailMessage]] = {}

    async def mail(to: str, subject: str) -> list[EmailMessage]:
        async def arrived() -> list[EmailMessage]:
            return [m for m in inbox.messages if m["To"] == to and subject in str(m["Subject"])]

        found = await eventually(arrived)
        mine.setdefault(to, []).extend(m for m in found if m not in mine.get(to, []))
        return found

    async with httpx.AsyncClient(base_url=web, timeout=15, follow_redirects=True) as client:
        # Confirmations: one follower in Welsh wants every email, one in English a weekly digest.
        for address, language, rhythm, subject in ((follower, "cy", "immediate", "Cadarnhewch"),
                                                   (weekly, "en", "weekly", "Confirm")):  # fmt: skip
            asked = await client.post("/api/v1/subscriptions", json={
                "email": address, "target_kind": "project", "target_id": project["id"], "language": language,
                "rhythm": rhythm})  # fmt: skip
            assert asked.status_code == 202, asked.text
            [confirmation] = await mail(address, subject)
            (confirm,) = [u for u in links(confirmation, web) if "/subscriptions/confirm" in u]
            confirmed = await client.get(confirm)
            assert confirmed.status_code == 200 and confirmed.headers["cache-control"] == "no-store"  # a token inside

        # An update and a phase change: emailed at once to one, kept for the digest of the other.
        today = dt.datetime.now(dt.UTC).date().isoformat()
        moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                          json={"kind": "advance", "effective": today})  # fmt: skip
        assert moved.status_code == 200, moved.text
        posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                           json={"body_en": "We met the crews", "body_cy": "Gwnaethom gwrdd â'r criwiau"})  # fmt: skip
        assert posted.status_code == 201, posted.text
        await mail(follower, "Diweddariad")
        [phase_email] = await mail(follower, "Alffa")
        assert f"{web}/projects/{project['slug']}" in links(phase_email, web)  # the canonical address

        # The digest, as the weeknotes job makes it when the week's weeknote is published.
        pool = await asyncpg.create_pool(stack.settings.database_url, min_size=1, max_size=2, init=init_connection,
                                         server_settings={"search_path": "notifier,public"})  # fmt: skip
        try:

            async def kept_for_the_digest() -> bool:
                count = await pool.fetchval(
                    "SELECT count(*) FROM digest_items i JOIN subscriptions s ON s.id = i.subscription_id "
                    "WHERE s.email = $1", weekly,
                )  # fmt: skip
                return bool(count == 2)

            await eventually(kept_for_the_digest)
            # Last week's (a quiet one): this week's weeknote is for the weeknote tests to publish.
            week = week_of(dt.datetime.now(dt.UTC)) - dt.timedelta(days=7)
            async with pool.acquire() as conn:
                assert await store.publish(conn, week, web_base=web)
            assert await make_digests(pool, dt.datetime.now(dt.UTC), weeknote=week) >= 1
        finally:
            await pool.close()
        [digest] = await mail(weekly, "weekly CDPS digest")
        assert f"{web}/projects/{project['slug']}" in links(digest, web)
        assert any("/weeknotes/" in url for url in links(digest, web))  # the weeknote it goes out with

        # Sign-in links: asked for on the sign-in page, and in an admin's invitation.
        member = await add_account(stack, "lead")
        form = await client.get("/signin")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert csrf
        assert (await client.post("/signin", data={"email": member.email, "_csrf_token": csrf[1]})).status_code == 200
        await mail(member.email, "sign-in link")
        invitee = f"invitee-{tag}@example.gov.wales"
        async with browser(stack, "admin") as admin:
            invited = await admin.post("/admin/accounts", {"email": invitee, "name": "Nia Jones", "role": "lead",
                                                           "partner_id": "", "language": "cy"})  # fmt: skip
            assert invited.status_code == 303, invited.text
        await mail(invitee, "Gwahoddiad")

        # A support request: its acknowledgement goes to whoever asked.
        asker = f"asker-{tag}@example.org"
        async with browser(stack) as visitor:
            sent = await visitor.post("/support", {"organisation": "Cyngor Tref Aberaeron", "contact_name": "Nia Jones",
                                                   "contact_email": asker, "language": "cy", "urgency": "low",
                                                   "need": "Our allotment list is on paper."})  # fmt: skip
            assert sent.status_code == 303, sent.text
        await mail(asker, "Mae eich cais am gymorth gennym")

        kinds = {"sign-in": member.email, "invitation": invitee, "confirmation": follower, "digest": weekly,
                 "support": asker}  # fmt: skip
        assert all(mine.get(address) for address in kinds.values()), kinds
        every_link = {url for messages in mine.values() for message in messages for url in links(message, web)}
        for part in ("/signin/", "/projects/", "/subscriptions/confirm", "/subscriptions/unsubscribe"):
            assert any(part in url for url in every_link), part
        broken = []
        for url in sorted(every_link):
            first, second = await client.get(url), await client.get(url)  # a scanner's GET, then the person's
            if not (200 <= first.status_code < 300 and 200 <= second.status_code < 300):
                broken.append(f"{first.status_code} then {second.status_code}: {url}")
            if "/signin/" in url:  # opening a sign-in link shows its button: it does not sign in
                assert "cdps_session" not in first.cookies and 'name="_csrf_token"' in second.text, url
        assert not broken, "\n".join(broken)

        # The unsubscribe link's page has the button; pressing it ends the emails, and the link still opens.
        (leave,) = {
            u for u in links((await mail(follower, "Diweddariad"))[0], web) if "/subscriptions/unsubscribe" in u
        }
        assert "<form" in (await client.get(leave)).text
        assert (await client.post(leave)).status_code == 200
        assert (await client.get(leave)).status_code == 200
