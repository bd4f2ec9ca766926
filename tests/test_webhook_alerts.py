"""An endpoint that turns itself off is told to every active admin, each in their account's language
(issue 24): the webhooks service asks the web who they are (accounts.emailable); never a lead, nor
an admin whose account was turned off; and while no web answers, the alert is kept, then sent once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage

import asyncpg
import httpx
import pytest

from shared import db
from tests.helpers import auth, eventually, plain_text
from tests.stack import Inbox, Stack, start_service, wait_ready
from tests.test_comment_emails import deactivate
from tests.web.pages_helpers import add_account, create_project
from tests.webhooks.conftest import Receiver

WELSH = "wedi'i ddiffodd"
ENGLISH = "has been turned off"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def webhooks_db(stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    pool = await db.create_pool(stack.settings.database_url or "", "webhooks", max_size=1)
    yield pool
    await pool.close()


async def gone_endpoint(stack: Stack, receiver: Receiver, description: str) -> str:
    """An endpoint whose receiver answers its first delivery 410 Gone (a project created for it)."""
    receiver.answers.append(410)
    async with httpx.AsyncClient(base_url=stack.urls["webhooks"], timeout=15) as client:
        registered = await client.post("/api/v1/webhooks", headers=auth(stack.settings, "admin"), json={
            "url": receiver.url(), "event_types": ["portfolio.project.*"], "description": description})  # fmt: skip
    assert registered.status_code == 201, registered.text
    await create_project(stack)
    endpoint_id: str = registered.json()["id"]
    return endpoint_id


async def recipients(pool: asyncpg.Pool, endpoint_id: str) -> list[str]:
    rows = await pool.fetch("SELECT recipient FROM alerts WHERE endpoint_id = $1", uuid.UUID(endpoint_id))
    return sorted(row["recipient"] for row in rows)


async def test_every_active_admin_is_emailed_once_in_their_own_language_when_an_endpoint_turns_itself_off(
    stack: Stack, inbox: Inbox, receiver: Receiver, webhooks_db: asyncpg.Pool
) -> None:
    welsh = await add_account(stack, "admin", language="cy")
    english = await add_account(stack, "admin", language="en")
    both = await add_account(stack, "admin", language="both")
    left = await add_account(stack, "admin", language="en")
    await deactivate(stack, left)
    lead = await add_account(stack, "lead", language="en")
    tag = uuid.uuid4().hex[:6]
    endpoint_id = await gone_endpoint(stack, receiver, f"Tracker {tag}")

    [to_welsh] = await inbox.wait_for(welsh.email, tag)
    [to_english] = await inbox.wait_for(english.email, tag)
    [to_both] = await inbox.wait_for(both.email, tag)
    assert str(to_welsh["Subject"]) == f"Gwe-fachyn wedi'i ddiffodd: Tracker {tag}"
    assert WELSH in plain_text(to_welsh) and ENGLISH not in plain_text(to_welsh)
    assert "Y rheswm: Atebodd y system sy'n derbyn â'r cod 410" in plain_text(to_welsh)
    assert to_welsh["Content-Language"] == "cy"
    assert str(to_english["Subject"]) == f"Webhook turned off: Tracker {tag}"
    assert ENGLISH in plain_text(to_english) and WELSH not in plain_text(to_english)
    assert "The reason: The receiver answered 410 Gone" in plain_text(to_english)
    assert to_english["Content-Language"] == "en"
    assert to_both["Content-Language"] == "cy, en"
    text = plain_text(to_both)  # Welsh first, as before
    assert text.index(WELSH) < text.index(ENGLISH) and text.index("Y rheswm:") < text.index("The reason:")
    assert all(f"/admin/webhooks/{endpoint_id}" in plain_text(m) for m in (to_welsh, to_english, to_both))

    # Every alert for this disabling is written in one transaction, before any is sent: the lead and
    # the admin who left have none, so they will never get one.
    told = await recipients(webhooks_db, endpoint_id)
    assert {welsh.email, english.email, both.email} <= set(told) and len(told) == len(set(told))
    assert left.email not in told and lead.email not in told
    assert [m for m in inbox.messages if m["To"] in (left.email, lead.email)] == []


async def test_while_no_web_answers_the_alert_is_kept_and_sent_once_the_web_is_back(
    stack: Stack, inbox: Inbox, receiver: Receiver, webhooks_db: asyncpg.Pool
) -> None:
    admin = await add_account(stack, "admin", language="cy")
    tag = uuid.uuid4().hex[:6]
    web = stack.processes["web"]
    web.terminate()
    await asyncio.to_thread(web.wait, 30)
    try:
        endpoint_id = await gone_endpoint(stack, receiver, f"Tracker {tag}")

        async def asked_in_vain() -> asyncpg.Record | None:
            row: asyncpg.Record | None = await webhooks_db.fetchrow(
                "SELECT * FROM disablings WHERE endpoint_id = $1 AND attempts > 0", uuid.UUID(endpoint_id)
            )
            return row

        kept = await eventually(asked_in_vain, timeout=30)
        assert kept["addressed_at"] is None and "no answer to accounts.emailable" in kept["last_error"]
        assert await recipients(webhooks_db, endpoint_id) == []
    finally:
        start_service(stack, "web")
        await asyncio.to_thread(wait_ready, stack)

    sent: list[EmailMessage] = await inbox.wait_for(admin.email, tag)
    assert len(sent) == 1 and WELSH in plain_text(sent[0])

    async def all_sent() -> bool:
        waiting: int = await webhooks_db.fetchval(
            "SELECT count(*) FROM alerts WHERE endpoint_id = $1 AND sent_at IS NULL", uuid.UUID(endpoint_id)
        )
        return waiting == 0

    await eventually(all_sent, timeout=30)
    assert (await recipients(webhooks_db, endpoint_id)).count(admin.email) == 1
    assert len([m for m in inbox.messages if m["To"] == admin.email]) == 1
