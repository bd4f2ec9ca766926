"""A project's conversation reaches its other side whether or not they follow the project (issue 20):
CDPS writing emails the partner's own people, the partner writing emails the project's delivery lead,
each in their account's language; never the author, an inactive account or anyone for a staff-only note."""

from __future__ import annotations

import html
import uuid

import httpx

from shared import db
from tests.helpers import plain_text
from tests.stack import Inbox, Stack
from tests.test_contact_emails import comment, links_in
from tests.web.pages_helpers import add_account, create_partner, create_project, identity_headers, start_session
from web import accounts


async def deliveries_to(stack: Stack, address: str) -> list[str]:
    async with httpx.AsyncClient(timeout=10, headers=identity_headers(stack, "admin")) as admin:
        log = await admin.get(f"{stack.urls['notifier']}/api/v1/deliveries", params={"recipient": address})
    assert log.status_code == 200, log.text
    return [delivery["event_type"] for delivery in log.json()]


async def deactivate(stack: Stack, account: accounts.Account) -> None:
    pool = await db.create_pool(stack.settings.database_url or "", "web", max_size=1)
    try:
        async with pool.acquire() as conn:
            await accounts.set_active(conn, account.id, False)
    finally:
        await pool.close()


async def test_each_side_of_a_conversation_is_emailed_what_the_other_wrote_in_its_own_language(
    stack: Stack, inbox: Inbox
) -> None:
    partner = await create_partner(stack, "Gwynedd Council", "Cyngor Gwynedd")
    lead = await add_account(stack, "lead", language="en")
    project = await create_project(stack, lead=str(lead.id), partner_id=partner["id"], visibility="partner",
                                   title_en="School transport", title_cy="Cludiant i'r ysgol")  # fmt: skip
    welsh = await add_account(stack, "partner", partner_id=uuid.UUID(partner["id"]), language="cy")
    gone = await add_account(stack, "partner", partner_id=uuid.UUID(partner["id"]), language="en")
    await deactivate(stack, gone)
    stranger = await add_account(stack, "partner", partner_id=uuid.UUID((await create_partner(stack))["id"]))
    tag = uuid.uuid4().hex[:6]

    # The stream's order is the consumer's: by the time the last comment's email is out, the first
    # two have been dealt with, and must have written no delivery to the partner's people.
    await comment(stack, project["id"], f"Internal {tag}: the contract ends in March", internal=True)
    await comment(stack, project["id"], "Pryd mae'r cyfarfod nesaf?", role="partner", partner_id=partner["id"],
                  sub=str(welsh.id))  # fmt: skip
    [to_lead] = await inbox.wait_for(lead.email, "New comment: School transport")
    assert "Pryd mae'r cyfarfod nesaf?" in plain_text(to_lead)
    await comment(stack, project["id"], "Dydd Iau, am ddau o'r gloch", sub=str(lead.id))
    [to_partner] = await inbox.wait_for(welsh.email, "Sylw newydd: Cludiant i'r ysgol")

    assert await deliveries_to(stack, welsh.email) == ["portfolio.comment.posted"]  # not its own comment
    assert await deliveries_to(stack, lead.email) == ["portfolio.comment.posted"]  # not its own either
    assert await deliveries_to(stack, gone.email) == [] and await deliveries_to(stack, stranger.email) == []
    assert all(tag not in plain_text(m) for m in inbox.messages if m["To"] in (welsh.email, lead.email))

    [reply] = [u for u in links_in(plain_text(to_partner), stack.urls["web"]) if "next=" in u]
    cookies = {"cdps_session": await start_session(stack, welsh)}
    async with httpx.AsyncClient(timeout=15, cookies=cookies) as member:  # the link opens the conversation
        opened = await member.get(reply, follow_redirects=True)
    assert opened.status_code == 200 and opened.url.path == f"/projects/{project['slug']}", opened.url
    assert "Dydd Iau, am ddau o'r gloch" in html.unescape(opened.text) and tag not in opened.text
