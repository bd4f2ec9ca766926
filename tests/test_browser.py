"""The web front end in a real Chromium (Debian's package, driven by Playwright): each role's
journeys with JavaScript on and off, axe-core on every page in both languages, and screenshots."""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import string
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import msgspec
import nats
import pytest
from nats.aio.msg import Msg
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from services.notifier.links import Links
from tests.helpers import auth, eventually, plain_text
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import add_account, api, create_partner, create_project, start_session

ROOT = Path(__file__).parent.parent
SCREENSHOTS = ROOT / "test-results" / "screenshots"
AXE = ROOT / "web/node_modules/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
JS = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def find_chromium() -> str | None:
    configured = os.environ.get("CDPS_CHROMIUM", "/usr/bin/chromium")
    return configured if Path(configured).exists() else shutil.which("chromium")


CHROMIUM = find_chromium()


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


def word(n: int = 7) -> str:
    """A made-up word: unique titles that search still treats as ordinary words."""
    return "".join(random.choices(string.ascii_lowercase, k=n))


@asynccontextmanager
async def person(browser: Browser, stack: Stack, role: str | None = None, *, javascript: bool = True,
                 partner_id: Any = None, **options: Any) -> AsyncIterator[BrowserContext]:  # fmt: skip
    """A browser context, signed in as a new account of ``role`` (None: a visitor)."""
    context = await browser.new_context(java_script_enabled=javascript, locale="en-GB", **options)
    if role is not None:
        account = await add_account(stack, role, partner_id=partner_id)  # type: ignore[arg-type]
        session = await start_session(stack, account)
        await context.add_cookies([{"name": "cdps_session", "value": session, "url": stack.urls["web"]}])
    try:
        yield context
    finally:
        await context.close()


async def open_page(context: BrowserContext) -> tuple[Page, list[str]]:
    """A page, and the errors its console reports (a CSP violation is one)."""
    page = await context.new_page()
    problems: list[str] = []
    expected = "Failed to load resource: the server responded with a status of 4"  # a form's own answer

    def console(message: Any) -> None:
        if message.type == "error" and not message.text.startswith(expected):
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


@asynccontextmanager
async def emailed_links(stack: Stack) -> AsyncIterator[list[dict[str, Any]]]:
    """Sign-in links as the web hands them to the notifier (core NATS request/reply)."""
    connection = await nats.connect(stack.env["NATS_URL"])
    links: list[dict[str, Any]] = []

    async def reply(msg: Msg) -> None:
        links.append(msgspec.json.decode(msg.data))
        await msg.respond(b'{"ok": true}')

    subscription = await connection.subscribe(stack.settings.subject_for("auth.signin_link"), cb=reply)
    try:
        yield links
    finally:
        await subscription.unsubscribe()
        await connection.drain()


@JS
async def test_a_lead_adds_a_project_moves_it_to_alpha_and_finds_it_in_search_at_once(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    title = f"Ferry timetables {word()}"
    async with person(browser, stack, "lead", javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/?lang=en")
        await page.get_by_role("link", name="Add a project").click()
        await page.get_by_label("Title in Welsh").fill(f"Amserlenni fferi {title.split()[-1]}")
        await page.get_by_label("Title in English").fill(title)
        await page.get_by_label("Short name for web addresses").fill(f"ferry-{word()}")
        await page.get_by_role("button", name="Add the project").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(title)
        await page.get_by_role("link", name="Change the phase").click()
        form = page.locator("#action-panel") if javascript else page.locator("main")
        await form.get_by_label("Pause the project").check()
        await form.get_by_role("button", name="Change the phase").click()  # without the reason a pause needs
        await expect(form.locator("#reason_cy-error")).to_contain_text("Give a reason for pausing the project.")
        await expect(form.locator(".govuk-error-summary")).to_be_visible()
        await form.get_by_label("Move forward to Alpha").check()
        await form.get_by_role("button", name="Change the phase").click()
        await expect(page.get_by_text("The project's phase has been changed.")).to_be_visible()
        await page.get_by_role("link", name="Find it in search").click()
        hit = page.locator("#results li", has_text=title)
        await expect(hit).to_contain_text("Alpha")  # read-your-writes: the index already has the move
        assert problems == []


@JS
async def test_a_partner_signs_in_from_the_emailed_link_and_sees_only_their_projects(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    ours, theirs = await create_partner(stack), await create_partner(stack)
    mine = f"Care home visits {word()}"
    await create_project(stack, partner_id=ours["id"], title_en=mine, visibility="partner")
    await create_project(stack, partner_id=theirs["id"], title_en=f"Hidden {word()}", visibility="partner")
    account = await add_account(stack, "partner", partner_id=ours["id"])
    context = await browser.new_context(java_script_enabled=javascript, locale="en-GB")
    async with emailed_links(stack) as links:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/signin?lang=en")
        await page.get_by_label("Email address").fill(account.email)
        await page.get_by_role("button", name="Send me a link").click()
        await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

        async def link_sent() -> list[dict[str, Any]]:
            return [m for m in links if m["email"] == account.email]

        [sent] = await eventually(link_sent)
        await page.goto(sent["link"])
    await page.get_by_role("button", name="Sign in").click()  # opening the link alone signs nobody in
    await page.get_by_role("link", name="My projects").click()
    table = page.locator("main table")
    await expect(table).to_contain_text(mine)
    assert await table.locator("tbody tr").count() == 1
    assert problems == []
    await context.close()


@JS
async def test_a_visitor_reads_the_portfolio_in_welsh(stack: Stack, browser: Browser, javascript: bool) -> None:
    partner = await create_partner(stack)
    english_only = f"Walking routes near {word()}"
    await create_project(stack, partner_id=partner["id"], title_en="Coast walks", title_cy=f"Teithiau arfordir {word()}",
                         summary_en=english_only, summary_cy="")  # fmt: skip
    async with person(browser, stack, javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/?partner={partner['id']}")
        await page.get_by_role("link", name="Cymraeg").click()
        assert await page.get_attribute("html", "lang") == "cy"
        assert f"partner={partner['id']}" in page.url  # the switch keeps the page's filters
        await expect(page.get_by_role("heading", level=1)).to_have_text("Portffolio catalydd")
        await page.locator(".app-board").get_by_role("link", name="Teithiau arfordir").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Teithiau arfordir")
        await expect(page.locator('bdi[lang="en"]', has_text=english_only)).to_be_visible()
        await expect(page.get_by_role("heading", name="Llinell amser y camau")).to_be_visible()
        assert problems == []


async def test_a_welsh_reader_sees_an_english_only_reason_marked_lang_en_with_its_note(
    stack: Stack, browser: Browser
) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], title_en="Library cards",
                                   title_cy=f"Cardiau llyfrgell {word()}", health="green")  # fmt: skip
    path = f"/api/v1/projects/{project['id']}"
    english_only = f"The card supplier has not replied about {word()}"
    both = {"en": "The printer is booked", "cy": "Mae'r argraffydd wedi'i archebu"}
    changed = await api(
        stack, "POST", f"{path}/health", version=1, json={"health": "amber", "reason": {"en": english_only}}
    )
    assert changed.status_code == 200, changed.text
    moved = await api(stack, "POST", f"{path}/phase", version=2,
                      json={"kind": "pause", "effective": project["created_at"][:10], "reason": both})  # fmt: skip
    assert moved.status_code == 200, moved.text
    async with person(browser, stack, "lead") as context:  # a lead reads the history, and its reasons, too
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/projects/{project['slug']}?lang=cy")
        assert await page.get_attribute("html", "lang") == "cy"
        reason = page.locator('bdi[lang="en"]', has_text=english_only).first
        await expect(reason).to_be_visible()
        note = reason.locator("xpath=following-sibling::span[1]")
        await expect(note).to_have_text("(Yn Saesneg yn unig)")
        assert await note.evaluate("n => n.closest('[lang]').getAttribute('lang')") == "cy"  # the note is Welsh
        welsh = page.get_by_text("Mae'r argraffydd wedi'i archebu").first  # both written: the Welsh, unmarked
        await expect(welsh).to_be_visible()
        assert await welsh.evaluate("n => n.closest('[lang]').getAttribute('lang')") == "cy"
        await expect(page.get_by_text("The printer is booked")).to_have_count(0)
        assert problems == []


async def test_the_pages_emails_open_use_the_sites_stylesheet_in_the_subscribers_language_with_a_switch(
    stack: Stack, browser: Browser, inbox: Inbox
) -> None:
    project = await create_project(stack, title_en=f"Road gritting {word()}", title_cy=f"Graeanu ffyrdd {word()}")
    links: dict[str, dict[str, str]] = {}
    async with httpx.AsyncClient(base_url=stack.urls["web"], timeout=15) as client:
        for language in ("cy", "en"):
            address = f"{language}-{word()}@example.org"
            asked = await client.post("/api/v1/subscriptions", json={
                "email": address, "target_kind": "project", "target_id": project["id"], "language": language})  # fmt: skip
            assert asked.status_code == 202, asked.text
            [confirmation] = await inbox.wait_for(address)
            text = confirmation.get_body(preferencelist=("plain",))
            assert text is not None
            found = dict(re.findall(r"(http://\S+/subscriptions/(confirm|unsubscribe)\?token=\S+)", text.get_content()))
            links[language] = {kind: url for url, kind in found.items()}

    async def styled(page: Page) -> None:
        """The site's stylesheets applied (GOV.UK's typeface and colours); no inline style was needed."""
        font = await page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        assert "GDS Transport" in font, font
        header = await page.evaluate(
            "getComputedStyle(document.querySelector('.govuk-generic-header')).backgroundColor"
        )
        assert header not in ("rgba(0, 0, 0, 0)", "transparent"), header

    async with person(browser, stack) as context:
        page, problems = await open_page(context)
        await page.goto(links["cy"]["confirm"])
        assert await page.get_attribute("html", "lang") == "cy"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Diolch, rydych wedi cadarnhau")
        await expect(page.get_by_text("Thank you")).to_have_count(0)  # one language, not both
        await styled(page)
        await page.get_by_role("link", name="English").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, you have confirmed")
        assert await page.get_attribute("html", "lang") == "en"

        await page.goto(links["en"]["unsubscribe"])
        await expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
        await styled(page)
        button = page.get_by_role("button", name="Unsubscribe")
        assert await button.evaluate("b => getComputedStyle(b).backgroundColor") != "rgba(0, 0, 0, 0)"
        await page.get_by_role("link", name="Cymraeg").click()
        await page.get_by_role("button", name="Dad-danysgrifio").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Rydych wedi dad-danysgrifio")
        await page.get_by_role("link", name="English").click()  # the switch shows the same outcome
        await expect(page.get_by_role("heading", level=1)).to_have_text("You have unsubscribed")
        await styled(page)
        assert problems == []  # no stylesheet or inline style refused by the content security policy


@JS
async def test_a_form_error_is_shown_and_fixed(stack: Stack, browser: Browser, javascript: bool) -> None:
    async with person(browser, stack, javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/support?lang=en")
        await page.get_by_label("Organisation").fill("Cyngor Tref Aberaeron")
        await page.get_by_role("button", name="Send the request").click()
        summary = page.locator(".govuk-error-summary")
        await expect(summary).to_contain_text("There is a problem")
        assert await page.title() == "Error: Ask CDPS for support – CDPS"
        await expect(page.get_by_label("Organisation")).to_have_value("Cyngor Tref Aberaeron")  # kept
        await summary.get_by_role("link", name="Enter your name").click()
        if javascript:  # GOV.UK Frontend moves focus to the field
            await expect(page.get_by_label("Your name")).to_be_focused()
        assert page.url.endswith("#contact_name") or javascript
        await page.get_by_label("Your name").fill("Nia Jones")
        await page.get_by_label("Email address").fill("nia@aberaeron.example")
        await page.get_by_label("What do you need help with?").fill("Our allotment waiting list is on paper.")
        await page.get_by_role("button", name="Send the request").click()
        await expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
        assert problems == []


@JS
async def test_a_lead_records_an_engagement_from_a_partners_page_changes_it_and_ends_it(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    partner = await create_partner(stack, f"Conwy {word()}", f"Conwy {word()}")
    summary = f"Advice on waste permits {word()}"
    async with person(browser, stack, "lead", javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/partners/{partner['id']}?lang=en")
        await page.get_by_role("link", name="Record an engagement").click()
        await page.get_by_label("Kind of engagement").select_option("advice")
        start = page.get_by_role("group", name="Start date")  # today, to begin with
        await start.get_by_label("Day").fill("")
        await page.get_by_role("button", name="Record the engagement").click()
        await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date the engagement started")
        await page.get_by_label("Summary in English").fill(summary)
        await page.get_by_label("Summary in Welsh").fill("Cyngor ar drwyddedau gwastraff")
        await start.get_by_label("Day").fill("12")
        await start.get_by_label("Month").fill("1")
        await start.get_by_label("Year").fill("2026")
        await page.get_by_role("button", name="Record the engagement").click()
        await expect(page.get_by_text("The engagement has been recorded.")).to_be_visible()
        await expect(page.get_by_text(summary)).to_be_visible()
        await page.get_by_role("link", name="Change this engagement").click()
        await page.get_by_label("Kind of engagement").select_option("training")
        await page.get_by_role("button", name="Save the engagement").click()
        await expect(page.get_by_text("The engagement has been changed.")).to_be_visible()
        await expect(page.locator("li", has_text=summary)).to_contain_text("Training")
        await page.get_by_role("link", name="End this engagement").click()
        ended = page.get_by_role("group", name="When did it end?")
        await ended.get_by_label("Day").fill("31")
        await ended.get_by_label("Month").fill("3")
        await ended.get_by_label("Year").fill("2026")
        await page.get_by_role("button", name="End the engagement").click()
        await expect(page.get_by_text("The engagement has been ended.")).to_be_visible()
        await expect(page.locator("li", has_text=summary)).to_contain_text("31 March 2026")
        assert problems == []


@JS
async def test_a_partner_asks_on_their_projects_conversation_and_a_lead_answers_with_a_staff_only_note_too(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    partner = await create_partner(stack, f"Powys {word()}", f"Powys {word()}")
    project = await create_project(stack, partner_id=partner["id"], visibility="partner")
    address = f"{stack.urls['web']}/projects/{project['slug']}"
    question, note = f"Pryd mae'r cyfarfod nesaf gyda'r tîm {word()}?", f"Chase their supplier {word()}"
    async with person(browser, stack, "partner", javascript=javascript, partner_id=partner["id"]) as context:
        page, problems = await open_page(context)
        await page.goto(f"{address}?lang=cy")
        await page.get_by_label("Eich sylw").fill(question)
        await page.get_by_role("button", name="Postio'r sylw").click()
        await expect(page.get_by_text("Mae eich sylw wedi'i bostio.")).to_be_visible()
        await expect(page.locator("#conversation ~ ol")).to_contain_text(question)
        assert problems == []
    async with person(browser, stack, "lead", javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{address}?lang=en")
        await expect(page.locator("#conversation ~ ol")).to_contain_text(question)
        await expect(page.locator("#conversation ~ ol")).to_contain_text("Written in Welsh only")
        await page.get_by_label("Your comment").fill(note)
        await page.get_by_label("Staff-only note: the partner never sees it").check()
        await page.get_by_role("button", name="Post the comment").click()
        await expect(page.get_by_text("Your comment has been posted.")).to_be_visible()
        await expect(page.locator("li", has_text=note)).to_contain_text("Staff-only note")
        assert problems == []
    async with person(browser, stack, "partner", javascript=javascript, partner_id=partner["id"]) as context:
        page, problems = await open_page(context)
        await page.goto(f"{address}?lang=en")
        await expect(page.locator("#conversation ~ ol")).to_contain_text(question)
        await expect(page.locator("body")).not_to_contain_text(note)
        assert problems == []


@JS
async def test_a_lead_downloads_the_filtered_portfolio_as_csv_and_as_xlsx_from_its_page(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    title = f"Allotment waiting lists {word()}"
    await create_project(stack, title_en=title, title_cy="Rhestrau aros rhandiroedd", tags=["cyber-and-net-zero"])
    async with person(browser, stack, "lead", javascript=javascript, accept_downloads=True) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/?lang=en&tag=cyber-and-net-zero")
        async with page.expect_download() as csv_download:
            await page.get_by_role("link", name="CSV", exact=True).click()
        got = await csv_download.value
        assert got.suggested_filename == "cdps-portfolio.csv"
        text = await asyncio.to_thread(Path(await got.path()).read_text, encoding="utf-8-sig")
        assert title in text and "Rhestrau aros rhandiroedd" in text
        async with page.expect_download() as xlsx_download:
            await page.get_by_role("link", name="Excel (XLSX)").click()
        assert (await xlsx_download.value).suggested_filename == "cdps-portfolio.xlsx"
        assert problems == []


async def test_search_shows_results_as_you_type_without_reloading_the_page(stack: Stack, browser: Browser) -> None:
    term = word()
    title = f"Accessible forms toolkit {term}"
    project = await create_project(stack, title_en=title, title_cy="Pecyn ffurflenni hygyrch",
                                   summary_en=f"Forms for {term}")  # fmt: skip
    # Written by someone else a moment ago: typing starts once the index holds it (the page only
    # asks again when the words change).
    async with httpx.AsyncClient(timeout=10) as client:
        indexed = await client.get(f"{stack.urls['search']}/api/v1/search", params={"after": f"{project['id']}:1"})
        assert indexed.headers["x-index-caught-up"] == "true"
    async with person(browser, stack) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/search?lang=en")
        await page.evaluate("window.__notReloaded = true")
        await page.get_by_label("Search the portfolio").fill(term)
        await expect(page.locator("#results")).to_contain_text(title)
        await expect(page.locator("#results mark")).not_to_have_count(0)
        assert await page.evaluate("window.__notReloaded") is True  # htmx swapped the results in place
        assert "q=" in page.url  # and the address can be shared
        assert problems == []


# Every page, both languages: axe-core finds no WCAG 2.2 A/AA violation. Screenshots of the main ones.


@pytest.fixture(scope="session")
async def sample(stack: Stack) -> dict[str, str]:
    """A project with a history, an update and an engagement, and a support request, for the tour."""
    partner = await create_partner(stack, "Gwynedd Council", "Cyngor Gwynedd")
    project = await create_project(stack, partner_id=partner["id"], title_en="Bin collection reminders",
                                   title_cy="Nodiadau atgoffa casglu biniau", summary_en="Texts the day before",
                                   summary_cy="Negeseuon y diwrnod cynt", tags=["content", "forms"],
                                   start_date="2026-01-05")  # fmt: skip
    path = f"/api/v1/projects/{project['id']}"
    await api(stack, "POST", f"{path}/phase", version=1, json={"kind": "advance", "effective": "2026-02-10"})
    await api(stack, "POST", f"{path}/health", version=2, json={"health": "amber", "reason": "Supplier late"})
    await api(
        stack, "POST", f"{path}/updates", json={"body_en": "Tested with residents", "body_cy": "Profi gyda thrigolion"}
    )
    engagement = await api(stack, "POST", "/api/v1/engagements", json={
        "partner_id": partner["id"], "project_id": project["id"], "kind": "catalyst_project",
        "summary_en": "Catalyst project", "summary_cy": "Prosiect catalydd", "started_on": "2026-01-05"})  # fmt: skip
    assessment = await api(stack, "POST", f"{path}/assessments", json={
        "to_phase": "private_beta", "kind": "formal_assessment", "held_on": "2026-02-09",
        "panel": [{"name": "Siân Evans", "role": "Lead assessor"}],
        "ratings": [{"standard": 1, "rating": "partly_met", "evidence_cy": "Tystiolaeth yn Gymraeg"}]})  # fmt: skip
    assert assessment.status_code == 201, assessment.text
    request = await api(stack, "POST", "/api/v1/support-requests", json={
        "organisation": "Cyngor Sir Ceredigion", "contact_name": "Siân", "contact_email": "sian@example.org",
        "need": "Help with our school admissions forms", "language": "cy"})  # fmt: skip
    async with httpx.AsyncClient(base_url=stack.urls["webhooks"], timeout=15) as client:  # one with a delivery log
        webhook = await client.post("/api/v1/webhooks", headers=auth(stack.settings, "admin"), json={
            "url": "http://127.0.0.1:9/hook", "event_types": ["portfolio.project.*"], "description": "Olrhain"})  # fmt: skip
        assert webhook.status_code == 201, webhook.text
    follower = f"follower-{word()}@example.org"  # asked to follow: the unsubscribe page has a subscription to end
    async with httpx.AsyncClient(base_url=stack.urls["web"], timeout=15) as client:
        asked = await client.post("/api/v1/subscriptions", json={"email": follower, "language": "cy"})
        assert asked.status_code == 202, asked.text
    links = Links(link_base=stack.urls["web"], web_base=stack.urls["web"], secret=stack.settings.secret_key)
    leave = links.unsubscribe(email=follower).split("?", 1)[1]
    manage = links.manage(follower).split("?", 1)[1]
    return {
        "project": project["id"],
        "partner": partner["id"],
        "request": request.json()["id"],
        "leave": leave,
        "manage": manage,
        "assessment": assessment.json()["id"],
        "engagement": engagement.json()["id"],
        "webhook": webhook.json()["id"],
    }


MAIN_PAGES = {"home": "/", "project": "/projects/{project}", "search": "/search?q=bin", "partners": "/partners",
              "support": "/support", "phase-form": "/projects/{project}/phase"}  # fmt: skip
ADMIN_PAGES = [
    "/?health=amber", "/projects/{project}/edit", "/projects/{project}/health", "/projects/{project}/update",
    "/projects/new", "/partners/{partner}", "/my-projects", "/engagements", "/support/requests",
    "/support/requests/{request}", "/support/sent?reference=0123abcd", "/translations", "/admin/accounts",
    "/admin/deliveries", "/admin/webhooks", "/admin/webhooks/new", "/admin/webhooks/{webhook}",
    "/admin/webhooks/{webhook}/edit", "/accessibility", "/account/tokens", "/no-such-page", "/signin", "/signin/expired-link",
    # the pages emails open
    "/subscriptions/unsubscribe?{leave}", "/subscriptions/confirm?token=not-a-link", "/subscriptions/manage?{manage}",
    "/follow/projects/{project}", "/follow/partners/{partner}", "/follow/portfolio", "/account/subscriptions",
    "/roadmap", "/projects/{project}/milestones/new",
    "/engagements/new", "/engagements/new?partner={partner}", "/engagements/{engagement}/edit",
    "/engagements/{engagement}/end",
    # assessments at the gates
    "/gates", "/assessments/{assessment}", "/assessments/new?project={project}", "/assessments/{assessment}/standards/1",
    "/assessments/{assessment}/check",
]  # fmt: skip


async def axe_violations(page: Page, url: str) -> list[str]:
    await page.goto(url)
    await page.add_script_tag(path=str(AXE))
    return await axe_run(page)


async def axe_here(page: Page) -> list[str]:
    """axe on the page as it is, a form's answer too (which no GET opens again), evaluated through the
    browser's debugging protocol: the page keeps its content security policy, no bypass needed."""
    await page.evaluate(AXE.read_text())
    return await axe_run(page)


async def axe_run(page: Page) -> list[str]:
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG
    )
    return [
        f"{page.url}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]
    ]


async def test_every_page_in_both_languages_passes_axe_and_the_main_ones_are_photographed(
    stack: Stack, browser: Browser, sample: dict[str, str]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    paths = [*MAIN_PAGES.values(), *ADMIN_PAGES]
    found: list[str] = []
    # axe is injected as a script, which the page's CSP (rightly) forbids: this context bypasses it.
    async with person(browser, stack, "admin", bypass_csp=True) as context:
        gate = asyncio.Semaphore(4)

        async def check(path: str, lang: str) -> None:
            async with gate:
                page = await context.new_page()
                joiner = "&" if "?" in path else "?"
                found.extend(
                    await axe_violations(page, f"{stack.urls['web']}{path.format(**sample)}{joiner}lang={lang}")
                )
                await page.close()

        await asyncio.gather(*(check(path, lang) for path in paths for lang in ("en", "cy")))
    async with person(browser, stack, bypass_csp=True) as visitor:  # what the public sees differs
        page = await visitor.new_page()
        for lang in ("en", "cy"):
            for path in ("/projects/{project}", "/follow/projects/{project}"):
                found.extend(await axe_violations(page, f"{stack.urls['web']}{path.format(**sample)}?lang={lang}"))
    assert found == []
    async with person(browser, stack, "lead", viewport={"width": 1280, "height": 900}) as context:
        page = await context.new_page()
        for name, path in MAIN_PAGES.items():
            await page.goto(f"{stack.urls['web']}{path.format(**sample)}")
            for width, label in ((1280, "desktop"), (390, "mobile")):
                await page.set_viewport_size({"width": width, "height": 900})
                await page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
            await page.set_viewport_size({"width": 1280, "height": 900})
    assert (SCREENSHOTS / "home-mobile.png").stat().st_size > 0


@JS
async def test_a_visitor_follows_a_project_from_its_page_confirms_hears_of_an_update_and_manages_it(
    stack: Stack, browser: Browser, inbox: Inbox, javascript: bool
) -> None:
    title = f"School transport {word()}"
    project = await create_project(stack, title_en=title, title_cy=f"Cludiant ysgol {word()}")
    address = f"follower-{word()}@example.org"
    async with person(browser, stack, javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/projects/{project['slug']}?lang=en")
        await page.get_by_role("link", name="Get emails about this project").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Get emails about this project")
        await page.get_by_role("button", name="Subscribe").click()  # nothing filled in: every field at once
        await expect(page.locator(".govuk-error-summary li")).to_have_count(3)
        await page.get_by_label("Email address").fill(address)
        await page.get_by_label("English").check()
        await page.get_by_label("Immediately").check()
        await page.get_by_role("button", name="Subscribe").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

        [confirmation] = await inbox.wait_for(address, "Confirm")
        confirm = re.search(r"http://\S+/subscriptions/confirm\?token=\S+", plain_text(confirmation))
        assert confirm, plain_text(confirmation)
        await page.goto(confirm[0])
        await expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, you have confirmed")

        posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                           json={"body_en": "Routes agreed with schools", "body_cy": "Llwybrau wedi'u cytuno"})  # fmt: skip
        assert posted.status_code == 201, posted.text
        [update] = await inbox.wait_for(address, "Update")
        assert "Routes agreed with schools" in plain_text(update)
        manage = re.search(r"http://\S+/subscriptions/manage\?token=\S+", plain_text(update))
        assert manage, plain_text(update)
        await page.goto(manage[0])
        await expect(page.get_by_role("heading", level=1)).to_have_text("Manage your subscriptions")
        await expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
        await page.get_by_label("Weekly digest").check()
        await page.get_by_role("button", name=f"Save – {title}").click()
        await expect(page.get_by_text("Your choices have been saved.")).to_be_visible()
        await expect(page.get_by_label("Weekly digest")).to_be_checked()
        await page.get_by_role("button", name="Unsubscribe from everything").click()
        await expect(page.get_by_text("You have unsubscribed from everything")).to_be_visible()
        await expect(page.get_by_text("You do not follow anything.")).to_be_visible()
        assert problems == []


# Assessments at the gates -------------------------------------------------------------------------


async def rate_every_standard(page: Page, evidence: str) -> None:
    """The form's twelve pages, one standard each: met, with evidence in English."""
    for number in range(1, 13):
        await expect(page.get_by_text(f"Standard {number} of 12")).to_be_visible()
        await page.get_by_label("Met", exact=True).check()
        await page.get_by_label("Evidence in English").fill(f"{evidence} {number}")
        await page.get_by_role("button", name="Save and continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")


async def test_a_partner_self_assesses_a_lead_assesses_and_publishes_the_project_moves_on_and_the_partner_reads_the_report(
    stack: Stack, browser: Browser, inbox: Inbox
) -> None:
    partner = await create_partner(stack, "Ceredigion County Council", "Cyngor Sir Ceredigion")
    title = f"Blue badge renewals {word()}"
    project = await create_project(stack, partner_id=partner["id"], title_en=title, title_cy=f"Bathodyn glas {word()}")
    moved = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                      json={"kind": "advance", "effective": "2026-02-10"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    partner_id = uuid.UUID(partner["id"])
    team = await add_account(stack, "partner", partner_id=partner_id)
    async with httpx.AsyncClient(base_url=stack.urls["notifier"]) as client:  # the partner follows its project
        followed = await client.post("/api/v1/me/subscriptions", json={
            "target_kind": "project", "target_id": project["id"], "language": "en", "rhythm": "immediate"},
            headers=auth(stack.settings, "partner", partner_id=partner_id, sub=str(team.id), email=team.email))  # fmt: skip
        assert followed.status_code == 201, followed.text
    web = stack.urls["web"]
    partner_context = await browser.new_context(locale="en-GB")
    await partner_context.add_cookies([{"name": "cdps_session", "value": await start_session(stack, team), "url": web}])
    try:
        page, problems = await open_page(partner_context)
        await page.goto(f"{web}/projects/{project['slug']}?lang=en")
        await page.get_by_role("link", name="Start a team self-assessment").click()
        await page.get_by_role("button", name="Start").click()
        await rate_every_standard(page, "Our team did")
        await page.get_by_role("button", name="Submit it to CDPS").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Assessment: Alpha to private beta")
        await expect(page.get_by_text("Submitted", exact=True)).to_be_visible()

        async with person(browser, stack, "lead") as lead_context:
            lead, lead_problems = await open_page(lead_context)
            await lead.goto(f"{web}/projects/{project['slug']}?lang=en")
            await lead.get_by_role("link", name="Start an assessment").click()
            member = lead.get_by_role("group", name="Panel member 1")
            await member.get_by_label("Name").fill("Siân Evans")
            await member.get_by_label("Role in Welsh").fill("prif aseswr")
            await member.get_by_label("Role in English").fill("lead assessor")
            await lead.get_by_role("button", name="Start").click()
            await rate_every_standard(lead, "The panel saw")
            await lead.get_by_role("button", name="Publish the assessment").click()
            await expect(lead.get_by_text("Siân Evans, lead assessor")).to_be_visible()
            await lead.goto(f"{web}/projects/{project['id']}/phase?lang=en")
            await lead.get_by_label("Move forward to Private beta").check()
            await lead.get_by_role("button", name="Change the phase").click()
            await expect(lead.get_by_text("The project's phase has been changed.")).to_be_visible()
            assert lead_problems == []

        [email] = await inbox.wait_for(team.email, "assessment published")
        report = re.search(r"http://\S+/assessments/[0-9a-f-]{36}", plain_text(email))
        assert report, plain_text(email)
        await page.goto(f"{report[0]}?lang=en")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Assessment: Alpha to private beta")
        await expect(page.get_by_text("The panel saw 3")).to_be_visible()
        assert problems == []
    finally:
        await partner_context.close()
