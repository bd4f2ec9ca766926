"""The web front end in a real Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright, expect

from tests.helpers import auth
from tests.stack import Stack


def find_chromium() -> str | None:
    configured = os.environ.get("CDPS_CHROMIUM", "/usr/bin/chromium")
    return configured if Path(configured).exists() else shutil.which("chromium")


CHROMIUM = find_chromium()
SCREENSHOTS = Path(__file__).parent.parent / "test-results" / "screenshots"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if CHROMIUM is None:
        # An error, never a skip: a run without the browser has not tested the front end.
        pytest.fail("Chromium not found: install Debian's chromium (apt-get install chromium) or set CDPS_CHROMIUM")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        await browser.close()


async def create_project(stack: Stack, slug: str, title_en: str, title_cy: str) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{stack.urls['portfolio']}/api/v1/projects",
            json={
                "slug": slug,
                "title_en": title_en,
                "title_cy": title_cy,
                "summary_en": f"About {title_en}",
            },
            headers=auth(stack.settings),
        )
        assert response.status_code == 201, response.text


async def test_search_as_you_type_shows_results_without_reloading_the_page(stack: Stack, browser: Browser) -> None:
    await create_project(stack, "browser-forms", "Accessible forms toolkit", "Pecyn ffurflenni hygyrch")
    page = await browser.new_page()
    await page.goto(f"{stack.urls['web']}/?lang=en")
    await expect(page.get_by_role("heading", name="Catalyst portfolio")).to_be_visible()
    await page.evaluate("window.__notReloaded = true")
    await page.get_by_label("Search the portfolio").fill("toolkit")
    await expect(page.locator("#results")).to_contain_text("Accessible forms toolkit", timeout=10_000)
    assert await page.evaluate("window.__notReloaded") is True  # htmx swapped the results in place
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "home-search-en.png", full_page=True)


async def test_search_works_with_javascript_off_and_the_page_speaks_welsh(stack: Stack, browser: Browser) -> None:
    await create_project(stack, "browser-cloud", "Cloud hosting guidance", "Canllawiau cynnal yn y cwmwl")
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{stack.urls['web']}/?lang=cy")
    assert await page.get_attribute("html", "lang") == "cy"
    await page.get_by_label("Chwilio'r portffolio").fill("guidance")
    await page.get_by_role("button", name="Chwilio").click()
    await expect(page).to_have_url(f"{stack.urls['web']}/search?q=guidance")
    await expect(page.locator("#results")).to_contain_text("Canllawiau cynnal yn y cwmwl")
    await context.close()
