"""Admins manage webhooks in the pages: add an endpoint (every bad field named, in Welsh too), see its
secret once, watch its deliveries arrive in the log, send one again, turn it off."""

from __future__ import annotations

import re

from standardwebhooks.webhooks import Webhook

from tests.helpers import eventually
from tests.stack import Stack
from tests.web.pages_helpers import browser, create_project, field_errors, summary_links
from tests.webhooks.conftest import Receiver, Request


async def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_its_deliveries(stack: Stack) -> None:
    receiver = Receiver()
    receiver.start()
    try:
        async with browser(stack, "admin") as admin:
            form = await admin.get("/admin/webhooks/new", params={"lang": "cy"})
            assert form.status_code == 200 and "Ychwanegu pwynt terfyn gwe-fachyn" in form.text
            wrong = await admin.post("/admin/webhooks", {"url": "http://example.org/x", "event_types": "portfolio.nothing",
                                                         "partner_id": "", "description": ""},
                                     form="/admin/webhooks/new", params={"lang": "cy"})  # fmt: skip
            assert wrong.status_code == 422, wrong.text
            assert summary_links(wrong.text) == ["url", "event_types"] == field_errors(wrong.text)
            assert "Rhaid i&#39;r URL ddechrau gyda https://" in wrong.text
            # A too-long description, an unknown event type and an address no endpoint may have: one answer.
            wrong = await admin.post("/admin/webhooks", {"url": "https://0.0.0.0/x", "event_types": "portfolio.nothing",
                                                         "partner_id": "", "description": "x" * 501},
                                     form="/admin/webhooks/new", params={"lang": "en"})  # fmt: skip
            assert wrong.status_code == 422, wrong.text
            assert summary_links(wrong.text) == ["url", "event_types", "description"] == field_errors(wrong.text)
            assert "The URL cannot be used" in wrong.text and "matches no event type" in wrong.text
            made = await admin.post("/admin/webhooks", {"url": receiver.url(), "event_types": "portfolio.project.*",
                                                        "partner_id": "", "description": "Tracker"},
                                    form="/admin/webhooks/new", params={"lang": "en"})  # fmt: skip
            assert made.status_code == 201, made.text
            secret = re.search(r"whsec_[A-Za-z0-9+/=]+", made.text)
            assert secret and "it is not shown again" in made.text
            link = re.search(r'href="(/admin/webhooks/[0-9a-f-]{36})"', made.text)
            assert link

            project = await create_project(stack)

            async def delivered() -> list[Request] | None:
                got = [r for r in receiver.accepted() if r.event()["aggregate_id"] == project["id"]]
                return list(got) or None

            [request] = await eventually(delivered, timeout=60)
            Webhook(secret[0]).verify(request.body, request.headers)
            listed = await admin.get("/admin/webhooks", params={"lang": "cy"})
            assert "Tracker" in listed.text and "Gwe-fachau" in listed.text
            assert secret[0] not in listed.text

            async def logged() -> str | None:
                page = (await admin.get(link[1], params={"lang": "en"})).text
                return page if "Delivered" in page else None

            page = await eventually(logged, timeout=30)
            assert "portfolio.project.created" in page and secret[0] not in page
            again = re.search(rf'action="({link[1]}/deliveries/{request.webhook_id}/send-again)"', page)
            assert again, page
            sent = await admin.post(again[1], {}, form=link[1])
            assert sent.status_code == 303

            async def resent() -> bool:
                return len([r for r in receiver.requests if r.webhook_id == request.webhook_id]) == 2

            await eventually(resent, timeout=30)  # the same webhook-id, so the receiver can tell
            edit = await admin.get(f"{link[1]}/edit", params={"lang": "cy"})
            assert "Newid y pwynt terfyn gwe-fachyn" in edit.text and "portfolio.project.*" in edit.text
            version = re.search(r'name="version" value="(\d+)"', edit.text)
            assert version
            refused = await admin.post(f"{link[1]}/edit", {"url": receiver.url(), "event_types": "nothing.here",
                                                           "partner_id": "", "description": "Tracker",
                                                           "version": version[1]}, form=f"{link[1]}/edit")  # fmt: skip
            assert refused.status_code == 422 and field_errors(refused.text) == ["event_types"]
            changed = await admin.post(f"{link[1]}/edit", {"url": receiver.url(), "event_types": "*",
                                                           "partner_id": "", "description": "Tracker (all events)",
                                                           "version": version[1]}, form=f"{link[1]}/edit")  # fmt: skip
            assert changed.status_code == 303, changed.text
            assert "Tracker (all events)" in (await admin.get(link[1])).text
            off = await admin.post(f"{link[1]}/enabled", {"enabled": "no"}, form=link[1])
            assert off.status_code == 303
            assert "Turn on" in (await admin.get(link[1], params={"lang": "en"})).text
            removed = await admin.post(f"{link[1]}/remove", {}, form=link[1])
            assert removed.status_code == 303 and removed.headers["location"] == "/admin/webhooks"
            assert (await admin.get(link[1])).status_code == 404
            assert "Tracker (all events)" not in (await admin.get("/admin/webhooks")).text
        async with browser(stack, "lead") as lead:
            assert (await lead.get("/admin/webhooks")).status_code == 403
            assert (await lead.get(link[1])).status_code == 403
    finally:
        receiver.stop()
