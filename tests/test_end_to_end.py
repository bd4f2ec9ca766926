"""The thin slice, end to end, with all four services running as real processes.

A lead creates a project through the portfolio API; search indexes it from the stream; the
notifier emails a subscriber through a real SMTP server; the web home page lists the project.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage

import httpx

from tests.helpers import auth, eventually
from tests.stack import Inbox, Stack


async def test_every_service_answers_healthz_and_readyz(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        for name, url in stack.urls.items():
            assert (await client.get(f"{url}/healthz")).status_code == 200
            ready = await client.get(f"{url}/readyz")
            checks = ready.json()
            assert ready.status_code == 200 and set(checks.values()) == {"ok"}, checks
            # The web uses NATS request/reply only; the others also need the stream, and name each background task.
            expected = {"database", "nats"} | ({"stream"} if name != "web" else set())
            assert expected <= set(checks) and (name == "web" or len(checks) > len(expected)), checks


async def test_a_created_project_is_searchable_emailed_and_listed(stack: Stack, inbox: Inbox) -> None:
    lead = auth(stack.settings, "lead")
    async with httpx.AsyncClient(timeout=10) as client:
        subscribed = await client.post(
            f"{stack.urls['notifier']}/api/v1/me/subscriptions",
            json={"email": "stakeholder@example.org", "language": "both"},
            headers=auth(stack.settings, "lead", email="stakeholder@example.org"),
        )
        assert subscribed.status_code == 201, subscribed.text
        created = await client.post(
            f"{stack.urls['portfolio']}/api/v1/projects",
            json={
                "slug": "schools-mis",
                "title_en": "Schools management information discovery",
                "title_cy": "Darganfod gwybodaeth reoli ysgolion",
                "summary_en": "What schools need from their next system",
            },
            headers=lead,
        )
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]

        async def found() -> bool:
            hits = (await client.get(f"{stack.urls['search']}/api/v1/search", params={"q": "schools"})).json()
            return any(hit["id"] == project_id for hit in hits["items"])

        await eventually(found)

        async def emailed() -> list[EmailMessage]:
            return [
                m
                for m in inbox.messages
                if "Schools management" in str(m["Subject"]) and m["To"] == "stakeholder@example.org"
            ]

        [message] = await eventually(emailed)
        assert message["To"] == "stakeholder@example.org"
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = body.get_content()
        assert text.index("Darganfod gwybodaeth") < text.index("Schools management")  # Welsh first

        home = await client.get(f"{stack.urls['web']}/", params={"lang": "en"})
        assert home.status_code == 200
        assert "Schools management information discovery" in home.text
        fragment = await client.get(
            f"{stack.urls['web']}/search", params={"q": "schools"}, headers={"HX-Request": "true"}
        )
        assert "<mark>" in fragment.text and "<html" not in fragment.text


async def test_writes_need_a_lead_and_bad_input_gets_a_bilingual_error_naming_the_field(stack: Stack) -> None:
    async with httpx.AsyncClient() as client:
        url = f"{stack.urls['portfolio']}/api/v1/projects"
        anonymous = await client.post(url, json={"slug": "x1", "title_en": "a", "title_cy": "b"})
        assert anonymous.status_code == 401
        partner = await client.post(
            url,
            json={"slug": "x1", "title_en": "a", "title_cy": "b"},
            headers=auth(stack.settings, "partner"),
        )
        assert partner.status_code == 403
        bad = await client.post(
            url, json={"slug": "Not A Slug", "title_en": "a", "title_cy": "b"}, headers=auth(stack.settings)
        )
        assert bad.status_code == 422
        [error] = bad.json()["errors"]
        assert error["field"] == "slug"
        assert error["message_en"] and error["message_cy"] and error["message_en"] != error["message_cy"]


async def test_a_member_of_the_public_subscribes_confirms_and_unsubscribes_in_one_click_through_the_web(
    stack: Stack, inbox: Inbox
) -> None:
    import re

    address = f"public-{uuid.uuid4().hex[:8]}@example.org"

    async def mail_to(predicate: str) -> list[EmailMessage]:
        return [m for m in inbox.messages if m["To"] == address and predicate in str(m["Subject"]) + m.as_string()]

    async with httpx.AsyncClient(timeout=10) as client:
        asked = await client.post(f"{stack.urls['web']}/api/v1/subscriptions",
                                  json={"email": address, "target_kind": "portfolio", "language": "en", "rhythm": "immediate"})  # fmt: skip
        assert asked.status_code == 202, asked.text
        [confirmation] = await eventually(lambda: mail_to("confirm"))
        text = confirmation.get_body(preferencelist=("plain",))
        assert text is not None
        link = re.search(r"(http://\S+/subscriptions/confirm\?token=\S+)", text.get_content())
        assert link and link[1].startswith(stack.urls["web"]), text.get_content()
        assert (await client.get(link[1])).status_code == 200

        lead = auth(stack.settings, "lead")
        slug = f"public-news-{uuid.uuid4().hex[:6]}"
        created = await client.post(f"{stack.urls['portfolio']}/api/v1/projects", headers=lead,
                                    json={"slug": slug, "title_en": f"Public news {slug}", "title_cy": "Newyddion"})  # fmt: skip
        assert created.status_code == 201
        [news] = await eventually(lambda: mail_to(slug))
        assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = re.search(r"<(http[^>]+)>", news["List-Unsubscribe"])
        assert one_click and one_click[1].startswith(stack.urls["web"])
        unsubscribed = await client.post(one_click[1], content=b"List-Unsubscribe=One-Click",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert unsubscribed.status_code == 200, unsubscribed.text

        later = f"after-{uuid.uuid4().hex[:6]}"
        await client.post(f"{stack.urls['portfolio']}/api/v1/projects", headers=lead,
                          json={"slug": later, "title_en": f"Later {later}", "title_cy": "Wedyn"})  # fmt: skip
        others = f"control-{uuid.uuid4().hex[:6]}"  # a later email to someone else shows the sender has moved on
        await client.post(f"{stack.urls['notifier']}/api/v1/me/subscriptions",
                          headers=auth(stack.settings, "lead", email=f"{others}@example.org"),
                          json={"email": f"{others}@example.org", "language": "en"})  # fmt: skip
        control = await client.post(f"{stack.urls['portfolio']}/api/v1/projects", headers=lead,
                                    json={"slug": others, "title_en": f"Control {others}", "title_cy": "Rheolaeth"})  # fmt: skip
        assert control.status_code == 201

        async def control_mail() -> list[EmailMessage]:
            return [m for m in inbox.messages if others in str(m["Subject"])]

        await eventually(control_mail)
        assert await mail_to(later) == []


async def test_a_partner_signs_in_with_the_link_the_notifier_emails(stack: Stack, inbox: Inbox) -> None:
    import re

    import asyncpg

    from web import accounts

    email = f"partner-{uuid.uuid4().hex[:8]}@example.nhs.wales"
    conn = await asyncpg.connect(stack.settings.database_url, server_settings={"search_path": "web"})
    try:
        await accounts.add_account(conn, email=email, role="partner", partner_id=uuid.uuid4(), language="cy")
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=stack.urls["web"], timeout=10) as browser:
        form = await browser.get("/signin")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token
        asked = await browser.post("/signin", data={"email": email, "_csrf_token": token[1]})
        assert asked.status_code == 200

        async def link_email() -> list[EmailMessage]:
            return [m for m in inbox.messages if m["To"] == email]

        [message] = await eventually(link_email)
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"(http://\S+/signin/\S+)", body.get_content())
        assert link, body.get_content()
        path = link[1].replace(stack.urls["web"], "")
        opened = await browser.get(path)
        button = re.search(r'name="_csrf_token" value="([^"]+)"', opened.text)
        assert opened.status_code == 200 and button
        signed_in = await browser.post(path, data={"_csrf_token": button[1]})
        assert signed_in.status_code == 303
        home = await browser.get("/", params={"lang": "cy"})
        assert "/signout" in home.text
        again = await browser.post(path, data={"_csrf_token": button[1]})
        assert again.status_code == 400  # a link works once
