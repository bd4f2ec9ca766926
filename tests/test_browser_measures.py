"""Measures, performance and funding in a real Chromium: axe finds nothing on their pages in English
and Welsh as a delivery lead sees them (a live service with a year of monthly values and funding), and
a lead removes a measure with JavaScript on and off: a reason is asked for, a page opened before
someone else changed the measure is refused, and the project page then says it is gone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests import test_browser
from tests.stack import Stack
from tests.test_browser import JS, axe_here, open_page, person, word
from tests.web.pages_helpers import api, create_partner, create_project
from tests.web.test_measure_pages import months_ago

browser = test_browser.browser  # the session's Chromium (a fixture)


async def measured_project(stack: Stack, title: str) -> dict[str, Any]:
    """A public live service with two measures (one published) and a year of monthly values."""
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], phase="live", visibility="public",
                                   title_en=title, title_cy=f"Gwasanaeth {title.split()[-1]}", tags=["forms"],
                                   wellbeing_goals=["healthier", "vibrant_culture"])  # fmt: skip
    base = f"/api/v1/projects/{project['id']}/measures"
    measures = []
    for catalogue, target, published in (("user_satisfaction", 85, True), ("cost_per_transaction", 3.5, False)):
        defined = await api(stack, "POST", base, json={"catalogue": catalogue, "target_value": target,
                                                       "published": published})  # fmt: skip
        assert defined.status_code == 201, defined.text
        year = [{"month": "{:04d}-{:02d}".format(*months_ago(n)), "value": target * (1 - n / 60)}
                for n in range(12, 0, -1)]  # fmt: skip
        recorded = await api(stack, "POST", f"{base}/{defined.json()['id']}/values", json={"values": year})
        assert recorded.status_code == 200, recorded.text
        measures.append(recorded.json())
    funding = await api(stack, "POST", f"/api/v1/projects/{project['id']}/funding", json={
        "source": "welsh_government", "amount": "12,500", "starts": "2026-04", "ends": "2027-03",
        "kind": "continuous_improvement", "published": True})  # fmt: skip
    assert funding.status_code == 201, funding.text
    return {**project, "measures": measures, "funding": funding.json()}


@pytest.fixture(scope="module")
async def service(stack: Stack) -> dict[str, Any]:
    return await measured_project(stack, f"Blue badge renewals {word()}")


async def test_the_measure_performance_and_funding_pages_pass_axe_in_both_languages(
    stack: Stack, browser: Browser, service: dict[str, Any]
) -> None:
    p, m, f = service["id"], service["measures"][0]["id"], service["funding"]["id"]
    paths = ["/measures", "/performance", "/funding", f"/projects/{service['slug']}", f"/projects/{p}/measures/new",
             f"/projects/{p}/measures/{m}/edit", f"/projects/{p}/measures/{m}/values", f"/projects/{p}/measures/upload",
             f"/projects/{p}/measures/{m}/remove", f"/projects/{p}/funding/new", f"/projects/{p}/funding/{f}/edit"]  # fmt: skip
    found: list[str] = []
    async with person(browser, stack, "lead") as context:
        page, problems = await open_page(context)
        for path in paths:
            for lang in ("en", "cy"):
                await page.goto(f"{stack.urls['web']}{path}?lang={lang}")
                found += await axe_here(page)
        await page.goto(f"{stack.urls['web']}/measures?lang=en")  # the pages show what they are for
        await expect(page.locator("main table")).to_contain_text(service["title_en"])
        await page.goto(f"{stack.urls['web']}/performance?lang=cy")
        await expect(page.locator("main")).to_contain_text("Bodlonrwydd defnyddwyr")
        assert problems == []
    assert found == []


@JS
async def test_a_lead_removes_a_measure_saying_why_after_a_stale_page_is_refused(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    project = await measured_project(stack, f"School meals {word()}")
    measure = project["measures"][0]
    found: list[str] = []
    async with person(browser, stack, "lead", javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/projects/{project['slug']}?lang=en")
        await page.get_by_role("link", name="Remove – User satisfaction").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Remove the measure")
        await expect(page.locator(".govuk-warning-text")).to_contain_text("Its values are kept")
        await page.get_by_role("button", name="Remove the measure").click()  # no reason given
        await expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason for removing the measure")
        if javascript:  # axe is a script: a page without JavaScript never runs it (nor differs)
            found += await axe_here(page)
        changed = await api(stack, "PATCH", f"/api/v1/projects/{project['id']}/measures/{measure['id']}",
                            version=measure["version"], json={"target_value": 90})  # fmt: skip
        assert changed.status_code == 200, changed.text
        await page.get_by_label("Reason in English").fill("Replaced by the new survey")
        await page.get_by_role("button", name="Remove the measure").click()
        await expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Someone else changed this measure since you opened it"
        )
        await page.goto(f"{stack.urls['web']}/projects/{project['slug']}?lang=cy")  # as it is now, in Welsh
        await page.get_by_role("link", name="Tynnu – Bodlonrwydd defnyddwyr").click()
        await page.get_by_label("Rheswm yn Gymraeg").fill("Mae'r arolwg newydd yn ei fesur")
        await page.get_by_role("button", name="Tynnu'r mesur").click()
        await expect(page.locator(".govuk-notification-banner")).to_contain_text("Mae'r mesur wedi'i dynnu.")
        await expect(page.locator(".app-measure")).to_have_count(1)  # the other one stays
        await expect(page.get_by_role("heading", name="Bodlonrwydd defnyddwyr")).to_have_count(0)
        if javascript:
            found += await axe_here(page)
        assert problems == []
    left = await api(stack, "GET", f"/api/v1/projects/{project['id']}/measures")
    assert [m["catalogue"] for m in left.json()] == ["cost_per_transaction"]
    assert found == []
