"""Live status in a real Chromium: two people at once, a lead changing a project and a visitor
watching the board, which follows without a reload and never hears of what the visitor may not see."""

from __future__ import annotations

import asyncio
import datetime as dt

from playwright.async_api import Browser, Route, expect

from tests.stack import Stack
from tests.test_browser import browser, open_page, person, word  # noqa: F401
from tests.web.pages_helpers import api, create_partner, create_project

LISTEN = """document.addEventListener('htmx:sseMessage', (event) => {
  (window.appLiveMessages = window.appLiveMessages || []).push(event.detail.data)
})"""


async def test_the_visitors_board_shows_the_leads_move_to_alpha_without_a_reload_and_nothing_partner_only(
    stack: Stack,
    browser: Browser,  # noqa: F811  (the fixture of tests.test_browser)
) -> None:
    partner = await create_partner(stack)
    title = f"Bin collections {word()}"
    public = await create_project(stack, partner_id=partner["id"], title_en=title, title_cy=f"Casglu biniau {word()}")
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    async with person(browser, stack) as visitor_context, person(browser, stack, "lead") as lead_context:
        await visitor_context.add_init_script(LISTEN)
        visitor, visitor_problems = await open_page(visitor_context)
        await visitor.goto(f"{stack.urls['web']}/?lang=en")
        discovery = visitor.locator(".app-board__column--discovery")
        alpha = visitor.locator(".app-board__column--alpha")
        await expect(discovery.get_by_role("link", name=title)).to_be_visible()
        await visitor.evaluate("window.appNotReloaded = true")

        lead, lead_problems = await open_page(lead_context)
        await lead.goto(f"{stack.urls['web']}/projects/{public['slug']}?lang=en")
        today = dt.datetime.now(dt.UTC).date().isoformat()
        moved = await api(stack, "POST", f"/api/v1/projects/{hidden['id']}/phase", version=1,
                          json={"kind": "advance", "effective": today})  # fmt: skip
        assert moved.status_code == 200, moved.text
        await lead.get_by_role("link", name="Change the phase").click()
        panel = lead.locator("#action-panel")
        await panel.get_by_label("Move forward to Alpha").check()
        await panel.get_by_role("button", name="Change the phase").click()
        await expect(lead.get_by_text("The project's phase has been changed.")).to_be_visible()

        await expect(alpha.get_by_role("link", name=title)).to_be_visible(timeout=20_000)
        await expect(discovery.get_by_role("link", name=title)).to_have_count(0)
        assert await visitor.evaluate("window.appNotReloaded") is True  # the same page, updated in place
        heard = await visitor.evaluate("window.appLiveMessages || []")
        assert any(public["id"] in message for message in heard), heard
        assert not any(hidden["id"] in message for message in heard), heard  # nor in the raw stream
        await expect(visitor.get_by_text(hidden["title_en"])).to_have_count(0)
        assert visitor_problems == [] and lead_problems == []

    async with person(browser, stack, javascript=False) as no_script:  # without JavaScript: right on loading
        page, _problems = await open_page(no_script)
        await page.goto(f"{stack.urls['web']}/?lang=en")
        await expect(page.locator(".app-board__column--alpha").get_by_role("link", name=title)).to_be_visible()


async def test_a_form_opened_while_the_page_was_fetching_a_change_is_not_swapped_away(
    stack: Stack,
    browser: Browser,  # noqa: F811  (the fixture of tests.test_browser)
) -> None:
    """The page asks for the change before the lead opens the phase form, and the answer comes after
    (held back here until the lead has typed, as a busy server would): it must not replace the form."""
    project = await create_project(stack, title_en=f"Harbour permits {word()}")
    page_url = f"{stack.urls['web']}/projects/{project['slug']}"
    async with person(browser, stack, "lead") as lead_context:
        lead, problems = await open_page(lead_context)
        await lead.goto(f"{page_url}?lang=en")
        asked, typed = asyncio.Event(), asyncio.Event()

        async def held_back(route: Route) -> None:
            asked.set()
            await typed.wait()
            await route.continue_()

        await lead.route(page_url, held_back)  # the page's own address: only the live refresh asks for it now
        await lead.evaluate("""() => { window.appLiveAnswered = new Promise((answered) => document.body.addEventListener(
          'htmx:afterRequest', (event) => { if (event.detail.elt.hasAttribute('data-live')) answered(true) })) }""")
        posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                           json={"body_en": f"Fees agreed {word()}", "body_cy": f"Cytunwyd {word()}"})  # fmt: skip
        assert posted.status_code == 201, posted.text
        await asyncio.wait_for(asked.wait(), timeout=20)  # the page heard of the change and asked for it
        panel = lead.locator("#action-panel")
        try:
            await lead.get_by_role("link", name="Change the phase").click()
            await panel.get_by_label("Pause the project").check()
            await panel.get_by_label("Reason in English").fill("Waiting for the harbour authority's budget")
        finally:
            typed.set()
        assert await lead.evaluate("window.appLiveAnswered") is True  # the answer came, and htmx is done with it
        await expect(panel.get_by_label("Reason in English")).to_have_value(
            "Waiting for the harbour authority's budget"
        )
        await panel.get_by_role("button", name="Change the phase").click()
        await expect(lead.get_by_text("The project's phase has been changed.")).to_be_visible()
        assert problems == []
