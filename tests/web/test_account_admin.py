"""Admins change an account's role or partner and deactivate it (signed out everywhere, its API tokens
refused at once), with forms that work without JavaScript, in Welsh and English; and send a failed
email again from the delivery log page."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from shared import db
from tests.helpers import eventually
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import add_account, browser, create_partner, field_errors, start_session, words
from web import accounts


async def token_for(stack: Stack, account: accounts.Account) -> str:
    pool = await db.create_pool(stack.settings.database_url or "", "web", max_size=1)
    try:
        async with pool.acquire() as conn:
            _, secret = await accounts.create_api_token(conn, account, "script")
            return secret
    finally:
        await pool.close()


async def test_an_admin_makes_a_lead_a_partner_and_the_change_holds_from_its_next_page(stack: Stack) -> None:
    partner = await create_partner(stack, "Torfaen County Borough Council", "Cyngor Bwrdeistref Sirol Torfaen")
    lead = await add_account(stack, "lead", name="Owain Lewis")
    session = await start_session(stack, lead)
    async with httpx.AsyncClient(base_url=stack.urls["web"], cookies={"cdps_session": session}) as theirs:
        assert (await theirs.get("/partners/new")).status_code == 200  # staff, for now
        path = f"/admin/accounts/{lead.id}"
        async with browser(stack, "admin") as admin:
            listed = await admin.get("/admin/accounts", params={"lang": "en"})
            assert f'href="{path}"' in listed.text
            wrong = await admin.post(path, {"role": "partner", "partner_id": ""}, params={"lang": "cy"})
            assert wrong.status_code == 422 and field_errors(wrong.text) == ["partner_id"]
            assert "Dewiswch y partner y maen nhw'n gweithio iddo" in words(wrong)
            unknown = await admin.post(
                path, {"role": "partner", "partner_id": str(uuid.uuid4())}, params={"lang": "en"}
            )
            assert unknown.status_code == 422 and field_errors(unknown.text) == ["partner_id"]
            assert (await admin.post(path, {"role": "boss"})).status_code == 422
            changed = await admin.post(path, {"role": "partner", "partner_id": partner["id"]})
            assert changed.status_code == 303 and changed.headers["location"].endswith("?done=changed")
            page = words(await admin.get(f"{path}?done=changed&lang=cy"))
            assert "Mae'r cyfrif wedi'i newid" in page and "Cyngor Bwrdeistref Sirol Torfaen" in page
            assert admin.account is not None
            own = await admin.post(f"/admin/accounts/{admin.account.id}", {"role": "lead"}, params={"lang": "en"})
            assert own.status_code == 422 and "You cannot take away your own administrator role" in words(own)
        assert (await theirs.get("/partners/new")).status_code == 403  # a partner now, in the same session
        mine = await theirs.get("/my-projects", params={"lang": "en"})
        assert mine.status_code == 200 and "Torfaen County Borough Council" in mine.text


async def test_deactivating_an_account_refuses_its_session_and_api_token_made_before_at_once(stack: Stack) -> None:
    lead = await add_account(stack, "lead")
    session = await start_session(stack, lead)
    secret = await token_for(stack, lead)
    bearer = {"Authorization": f"Bearer {secret}"}
    web = stack.urls["web"]
    async with httpx.AsyncClient(base_url=web, cookies={"cdps_session": session}, timeout=15) as theirs:
        assert (await theirs.get("/partners/new")).status_code == 200
        assert (await theirs.get("/api/v1/support-requests", headers=bearer)).status_code == 200
        async with browser(stack, "admin") as admin:
            path = f"/admin/accounts/{lead.id}"
            assert admin.account is not None
            mine = f"/admin/accounts/{admin.account.id}"
            refused = await admin.post(f"{mine}/deactivate", {}, form=mine, params={"lang": "en"})
            assert refused.status_code == 422 and "You cannot deactivate your own account" in words(refused)
            done = await admin.post(f"{path}/deactivate", {}, form=path)
            assert done.status_code == 303 and done.headers["location"].endswith("?done=deactivated")
            page = words(await admin.get(f"{path}?done=deactivated&lang=en"))
            assert "signed out everywhere" in page and "Reactivate the account" in page
        assert (await theirs.get("/api/v1/support-requests", headers=bearer)).status_code == 401
        signed_out = await theirs.get("/partners/new")
        assert signed_out.status_code in (401, 303) or "/signin" in str(signed_out.headers.get("location", ""))
        assert "/signout" not in (await theirs.get("/")).text
        async with browser(stack, "admin") as admin:
            back = await admin.post(f"{path}/reactivate", {}, form=path)
            assert back.status_code == 303
    async with httpx.AsyncClient(base_url=web, cookies={"cdps_session": session}) as again:
        assert "/signout" not in (await again.get("/")).text  # the old session stays ended
        assert (await again.get("/api/v1/support-requests", headers=bearer)).status_code == 401  # and the token


async def test_an_admin_sends_a_failed_email_again_from_the_delivery_log(stack: Stack, inbox: Inbox) -> None:
    address = f"reader-{uuid.uuid4().hex[:6]}@example.org"
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:
        asked = await client.post("/api/v1/subscriptions", json={"email": address, "target_kind": "portfolio",
                                                                 "language": "en", "rhythm": "weekly"})  # fmt: skip
        assert asked.status_code == 202, asked.text
    [first] = await inbox.wait_for(address)
    pool = await db.create_pool(stack.settings.database_url or "", "notifier", max_size=1)
    try:  # as if the mail server had refused it for good
        delivery_id = await pool.fetchval(
            "UPDATE deliveries SET status = 'failed', last_error = '550 mailbox unavailable' WHERE recipient = $1 "
            "RETURNING id", address)  # fmt: skip
    finally:
        await pool.close()
    async with browser(stack, "admin") as admin:
        log = await admin.get("/admin/deliveries", params={"lang": "en"})
        assert f'action="/admin/deliveries/{delivery_id}/retry"' in log.text
        retried = await admin.post(f"/admin/deliveries/{delivery_id}/retry", {}, form="/admin/deliveries")
        assert retried.status_code == 303 and retried.headers["location"].endswith("?done=retried")
        assert "The email will be sent again in a moment." in words(
            await admin.get(retried.headers["location"] + "&lang=en")
        )
        twice = await admin.post(f"/admin/deliveries/{delivery_id}/retry", {}, form="/admin/deliveries")
        assert twice.headers["location"].endswith("?done=not_retried")  # it is no longer a failed one

    async def both() -> list[Any]:
        found = [m for m in inbox.messages if m["To"] == address]
        return found if len(found) >= 2 else []

    second = (await eventually(both, timeout=30))[-1]
    assert second["Subject"] == first["Subject"]  # the same email, sent again
    async with browser(stack, "lead") as lead:
        assert (await lead.post(f"/admin/deliveries/{delivery_id}/retry", {}, form="/")).status_code == 403


async def test_an_admins_script_changes_and_deactivates_an_account_through_the_api(stack: Stack) -> None:
    partner = await create_partner(stack)
    boss = await add_account(stack, "admin")
    lead = await add_account(stack, "lead")
    admin_token = {"Authorization": f"Bearer {await token_for(stack, boss)}"}
    lead_token = {"Authorization": f"Bearer {await token_for(stack, lead)}"}
    path = f"/api/v1/accounts/{lead.id}"
    async with httpx.AsyncClient(base_url=stack.urls["web"], timeout=15) as client:
        assert (await client.get("/api/v1/accounts")).status_code == 401
        assert (await client.get("/api/v1/accounts", headers=lead_token)).status_code == 403
        assert (await client.patch(path, json={"role": "admin"}, headers=lead_token)).status_code == 403
        listed = await client.get("/api/v1/accounts", headers=admin_token)
        assert listed.status_code == 200 and str(lead.id) in {a["id"] for a in listed.json()}
        bad = await client.patch(path, json={"role": "boss", "colour": "red"}, headers=admin_token)
        assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"role", "colour"}
        assert all(e["message_en"] and e["message_cy"] for e in bad.json()["errors"])
        nowhere = await client.patch(
            path, json={"role": "partner", "partner_id": str(uuid.uuid4())}, headers=admin_token
        )
        assert nowhere.status_code == 422 and [e["field"] for e in nowhere.json()["errors"]] == ["partner_id"]
        own = await client.patch(f"/api/v1/accounts/{boss.id}", json={"role": "lead"}, headers=admin_token)
        assert own.status_code == 422 and [e["field"] for e in own.json()["errors"]] == ["role"]
        changed = await client.patch(path, json={"role": "partner", "partner_id": partner["id"]}, headers=admin_token)
        assert changed.status_code == 200 and changed.json()["role"] == "partner"
        assert changed.json()["partner_id"] == partner["id"]
        assert (await client.get("/api/v1/support-requests", headers=lead_token)).status_code == 403  # a partner now
        refused = await client.post(f"/api/v1/accounts/{boss.id}/deactivate", headers=admin_token)
        assert refused.status_code == 409 and refused.json()["message_cy"]
        gone = await client.post(f"{path}/deactivate", headers=admin_token)
        assert gone.status_code == 200 and gone.json()["active"] is False
        assert (await client.get("/api/v1/support-requests/mine", headers=lead_token)).status_code == 401


async def test_the_delivery_log_says_an_email_waiting_for_its_welsh_is_not_written_yet(stack: Stack) -> None:
    address = f"aros-{uuid.uuid4().hex[:6]}@example.org"
    notice = uuid.uuid4()
    pool = await db.create_pool(stack.settings.database_url or "", "notifier", max_size=1)
    try:  # as the consumer holds it under CDPS_WELSH_BEFORE_PUBLISHING=required: no subject until rendered
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO notices (id, type, payload) VALUES ($1, 'portfolio.project.health_changed', "
                               "'{}'::jsonb)", notice)  # fmt: skip
            await conn.execute(
                "INSERT INTO deliveries (id, event_id, event_type, template, recipient, language, status) "
                "VALUES ($1, $2, 'portfolio.project.health_changed', 'project_health_changed', $3, 'cy', 'held')",
                uuid.uuid4(), notice, address,
            )  # fmt: skip
    finally:
        await pool.close()
    async with browser(stack, "admin") as admin:
        for lang, status, unwritten in (("en", "Waiting for its Welsh", "Not written yet"),
                                        ("cy", "Yn aros am ei Gymraeg", "Heb ei ysgrifennu eto")):  # fmt: skip
            log = words(await admin.get("/admin/deliveries", params={"lang": lang}))
            row = log[log.index(address) : log.index("</tr>", log.index(address))]
            assert status in row and unwritten in row and "None" not in row, row
