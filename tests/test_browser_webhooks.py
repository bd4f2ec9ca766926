"""Webhooks in a real Chromium with JavaScript on, in English and in Welsh: an admin adds an endpoint
(a wrong field first), sees its signing secret once, makes a new one (both sign while they overlap,
and the pages say so), turns the endpoint off and on and reads its deliveries, and sees why it turned
itself off when the receiver answered 410, in the page's language; axe finds nothing on any of those
pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser, expect
from standardwebhooks.webhooks import Webhook

from tests import test_browser
from tests.helpers import eventually
from tests.stack import Stack
from tests.test_browser import axe_here, open_page, person, word
from tests.web.pages_helpers import create_project
from tests.webhooks.conftest import Receiver, Request

browser = test_browser.browser  # the session's Chromium (a fixture)

WORDS = {
    "en": {
        "add": "Add an endpoint", "url": "URL", "types": "Event types", "description": "Description (optional)",
        "submit": "Add endpoint", "bad_url": "The URL must start with https://", "added": "Endpoint added",
        "not_again": "it is not shown again", "to_endpoint": "Go to the endpoint", "rotate": "Make a new secret",
        "rotated": "New secret made", "old_works": "The old secret keeps working for 24 hours",
        "previous": "Previous secret", "still_signing": "Still signing requests until", "off": "Turn off",
        "on": "Turn on", "off_tag": "Off", "on_tag": "On", "deliveries": "Deliveries", "delivered": "Delivered",
        "send_again": "Send again", "list": "Webhooks", "gone": "The receiver answered 410 Gone",
    },
    "cy": {
        "add": "Ychwanegu pwynt terfyn", "url": "URL", "types": "Mathau o ddigwyddiad",
        "description": "Disgrifiad (dewisol)", "submit": "Ychwanegu'r pwynt terfyn",
        "bad_url": "Rhaid i'r URL ddechrau gyda https://", "added": "Pwynt terfyn wedi'i ychwanegu",
        "not_again": "ni chaiff ei ddangos eto", "to_endpoint": "Mynd i'r pwynt terfyn",
        "rotate": "Gwneud cyfrinach newydd", "rotated": "Cyfrinach newydd wedi'i gwneud",
        "old_works": "Mae'r hen gyfrinach yn dal i weithio am 24 awr", "previous": "Y gyfrinach flaenorol",
        "still_signing": "Yn dal i lofnodi ceisiadau tan", "off": "Diffodd", "on": "Troi ymlaen",
        "off_tag": "I ffwrdd", "on_tag": "Ymlaen", "deliveries": "Yr hyn a anfonwyd", "delivered": "Wedi'i ddanfon",
        "send_again": "Anfon eto", "list": "Gwe-fachau", "gone": "Atebodd y system sy'n derbyn â'r cod 410",
    },
}  # fmt: skip


def secret_on(text: str) -> str:
    found = re.search(r"whsec_[A-Za-z0-9+/=]+", text)
    assert found, text
    return found[0]


@pytest.mark.parametrize("lang", ["en", "cy"])
async def test_an_admin_adds_an_endpoint_rotates_its_secret_turns_it_off_and_on_and_reads_its_deliveries(
    stack: Stack, browser: Browser, lang: str
) -> None:
    w = WORDS[lang]
    receiver = Receiver()
    receiver.start()
    found: list[str] = []
    try:
        async with person(browser, stack, "admin") as context:
            page, problems = await open_page(context)
            await page.goto(f"{stack.urls['web']}/admin/webhooks?lang={lang}")
            assert await page.get_attribute("html", "lang") == lang
            found += await axe_here(page)
            await page.get_by_role("button", name=w["add"]).click()  # a link that looks like a button
            await page.get_by_label(w["url"], exact=True).fill("http://example.org/hook")  # not https, not loopback
            await page.get_by_role("button", name=w["submit"]).click()
            await expect(page.locator(".govuk-error-summary")).to_contain_text(w["bad_url"])
            found += await axe_here(page)
            description = f"Tracker {word()}"
            await page.get_by_label(w["url"], exact=True).fill(receiver.url())
            await page.get_by_label(w["types"]).fill("portfolio.project.*")
            await page.get_by_label(w["description"]).fill(description)
            await page.get_by_role("button", name=w["submit"]).click()
            await expect(page.get_by_role("heading", name=w["added"])).to_be_visible()
            await expect(page.get_by_text(w["not_again"])).to_be_visible()
            first = secret_on(await page.locator("#secret").inner_text())
            found += await axe_here(page)
            await page.get_by_role("link", name=w["to_endpoint"]).click()
            await expect(page.get_by_role("heading", level=1)).to_have_text(description)
            endpoint_url = page.url.split("?")[0]
            assert first not in await page.content()  # shown once

            async def delivered(project: dict[str, Any]) -> Request:
                async def arrived() -> Request | None:
                    got = [r for r in receiver.accepted() if r.event()["aggregate_id"] == project["id"]]
                    return got[0] if got else None

                return await eventually(arrived, timeout=60)

            before = await delivered(await create_project(stack))
            Webhook(first).verify(before.body, before.headers)

            await page.get_by_role("button", name=w["rotate"]).click()
            await expect(page.get_by_role("heading", name=w["rotated"])).to_be_visible()
            await expect(page.get_by_text(w["old_works"])).to_be_visible()
            second = secret_on(await page.locator("#secret").inner_text())
            assert second != first
            found += await axe_here(page)
            await page.get_by_role("link", name=w["to_endpoint"]).click()
            await expect(page.get_by_text(w["previous"])).to_be_visible()
            await expect(page.get_by_text(w["still_signing"])).to_be_visible()
            after = await delivered(await create_project(stack))
            Webhook(first).verify(after.body, after.headers)  # a receiver not yet changed over
            Webhook(second).verify(after.body, after.headers)  # and one that has
            assert len(after.headers["webhook-signature"].split()) == 2

            await page.get_by_role("button", name=w["off"]).click()
            await expect(page.get_by_role("button", name=w["on"])).to_be_visible()
            await expect(page.locator(".govuk-summary-list")).to_contain_text(w["off_tag"])
            found += await axe_here(page)
            await page.get_by_role("button", name=w["on"]).click()
            await expect(page.get_by_role("button", name=w["off"])).to_be_visible()
            await expect(page.locator(".govuk-summary-list")).to_contain_text(w["on_tag"])

            await page.reload()  # the log: both deliveries, each delivered, each able to go again
            log = page.locator("table", has=page.locator("caption", has_text=w["deliveries"]))
            await expect(log.locator("tbody tr")).to_have_count(2)
            await expect(log.get_by_text(w["delivered"])).to_have_count(2)
            await expect(log.get_by_role("button", name=w["send_again"])).to_have_count(2)
            found += await axe_here(page)

            receiver.answers.append(410)  # the receiving system was retired: the endpoint turns itself off
            await create_project(stack)

            async def turned_off() -> bool:
                await page.reload()
                return await page.get_by_role("button", name=w["on"]).count() == 1

            await eventually(turned_off, timeout=60)
            why = page.locator(".govuk-summary-list p", has_text=w["gone"])
            await expect(why).to_be_visible()
            assert await why.get_attribute("lang") in (None, lang)  # in the page's language, not marked as another
            found += await axe_here(page)
            await page.goto(f"{stack.urls['web']}/admin/webhooks")
            await expect(page.get_by_role("heading", level=1)).to_have_text(w["list"])
            await expect(page.locator("table")).to_contain_text(description)
            assert second not in await page.content()
            found += await axe_here(page)
            assert endpoint_url.startswith(f"{stack.urls['web']}/admin/webhooks/")
            assert problems == []
    finally:
        receiver.stop()
    assert found == []
