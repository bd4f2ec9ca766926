"""Partners, their contacts, accounts and support requests in a real Chromium, with JavaScript on and off:
a lead adds a partner and a contact, an admin changes and deactivates an account, a partner follows what
became of its support request; the new pages pass axe in both languages."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, expect

from tests import test_browser
from tests.stack import Stack
from tests.test_browser import JS, axe_violations, open_page, person, word
from tests.web.pages_helpers import add_account, api, create_partner, start_session

browser = test_browser.browser  # the session's Chromium (a fixture)


@JS
async def test_a_lead_adds_a_partner_and_a_contact_then_changes_the_contacts_language(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    name = f"Cyngor Tref {word().title()}"
    email = f"mari-{uuid.uuid4().hex[:6]}@town.example"
    async with person(browser, stack, "lead", javascript=javascript) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/partners?lang=en")
        await page.get_by_role("link", name="Add a partner").click()
        await page.get_by_role("button", name="Add the partner").click()  # nothing filled in
        await expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name in Welsh")
        await expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the kind of organisation")
        await page.get_by_label("Name in Welsh").fill(name)
        await page.get_by_label("Name in English").fill(name.replace("Cyngor Tref", "Town Council of"))
        await page.get_by_label("Short name for web addresses").fill(f"town-{word()}")
        await page.get_by_label("Local authority").check()
        await page.get_by_role("button", name="Add the partner").click()
        await expect(page.get_by_text("The partner has been added.")).to_be_visible()
        await page.get_by_role("link", name="Add a contact").click()
        await page.get_by_label("Name", exact=True).fill("Mari Lloyd")
        await page.get_by_label("Role (optional)").fill("Clerc y dref")
        await page.get_by_label("Email address").fill(email)
        await page.get_by_label("Welsh", exact=True).check()
        await page.get_by_role("button", name="Add the contact").click()
        await expect(page.get_by_text("The contact has been added.")).to_be_visible()
        contacts = page.locator("table", has_text="Mari Lloyd")
        await expect(contacts).to_contain_text(email)
        await contacts.get_by_role("link", name="Change").click()
        await page.get_by_label("English", exact=True).check()
        await page.get_by_role("button", name="Save the contact").click()
        await expect(page.get_by_text("The contact's details have been saved.")).to_be_visible()
        await expect(page.locator("table", has_text="Mari Lloyd")).to_contain_text("English")
        await page.goto(page.url.split("?")[0] + "?lang=cy")
        await expect(page.get_by_role("heading", name="Cysylltiadau")).to_be_visible()
        assert problems == []
    async with person(browser, stack, javascript=javascript) as visitor:  # the public never sees them
        page, _ = await open_page(visitor)
        await page.goto(f"{stack.urls['web']}/partners?lang=en")
        await page.get_by_role("link", name=name.replace("Cyngor Tref", "Town Council of")).click()
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert "Mari Lloyd" not in await page.content() and "Add a contact" not in await page.content()


@JS
async def test_an_admin_makes_a_lead_a_partner_then_deactivates_them_and_their_browser_is_signed_out(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    partner = await create_partner(stack, "Newport City Council", "Cyngor Dinas Casnewydd")
    lead = await add_account(stack, "lead", name=f"Rhys {word().title()}")
    web = stack.urls["web"]
    theirs = await browser.new_context(java_script_enabled=javascript, locale="en-GB")
    await theirs.add_cookies([{"name": "cdps_session", "value": await start_session(stack, lead), "url": web}])
    try:
        their_page, _ = await open_page(theirs)
        await their_page.goto(f"{web}/?lang=en")
        await expect(their_page.get_by_role("link", name="Support requests", exact=True)).to_be_visible()  # staff
        async with person(browser, stack, "admin", javascript=javascript) as context:
            page, problems = await open_page(context)
            await page.goto(f"{web}/admin/accounts?lang=en")
            await page.get_by_role("link", name=lead.name).click()
            await page.get_by_label("Partner", exact=True).check()
            await page.get_by_label("Partner (for partner accounts)").select_option(partner["id"])
            await page.get_by_role("button", name="Save the account").click()
            await expect(page.get_by_text("The account has been changed")).to_be_visible()
            await their_page.reload()
            await expect(their_page.get_by_role("link", name="Support requests", exact=True)).to_have_count(
                0
            )  # a partner now
            await page.get_by_role("button", name="Deactivate the account").click()
            await expect(page.get_by_text("The account has been deactivated")).to_be_visible()
            await expect(page.get_by_role("button", name="Reactivate the account")).to_be_visible()
            assert problems == []
        await their_page.goto(f"{web}/my-projects?lang=en")
        await expect(their_page.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        await theirs.close()


@JS
async def test_a_partner_sees_what_became_of_its_support_request_in_welsh(
    stack: Stack, browser: Browser, javascript: bool
) -> None:
    partner = await create_partner(stack, "Conwy County Borough Council", "Cyngor Bwrdeistref Sirol Conwy")
    sender = f"Alaw {word().title()}"
    async with person(browser, stack, "partner", javascript=javascript, partner_id=uuid.UUID(partner["id"])) as context:
        page, problems = await open_page(context)
        await page.goto(f"{stack.urls['web']}/support?lang=cy")
        await page.get_by_label("Sefydliad").fill("Cyngor Conwy")
        await page.get_by_label("Eich enw").fill(sender)
        await page.get_by_label("Cyfeiriad e-bost").fill(f"alaw-{uuid.uuid4().hex[:6]}@conwy.example")
        await page.get_by_label("Gyda beth mae angen help arnoch?").fill("Mae ein ffurflen trwyddedau ar bapur.")
        await page.get_by_role("button", name="Anfon y cais").click()
        await expect(page.get_by_role("heading", name="Cais wedi'i anfon")).to_be_visible()
        await page.get_by_role("link", name="Gweld beth ddigwyddodd i'ch ceisiadau").click()
        await expect(page.get_by_text("Yn aros am arweinydd cyflawni")).to_be_visible()
        [request] = [r for r in (await api(stack, "GET", "/api/v1/support-requests")).json()
                     if r["contact_name"] == sender]  # fmt: skip
        declined = await api(stack, "POST", f"/api/v1/support-requests/{request['id']}/triage",
                             json={"outcome": "declined", "reason": "Mae Cyngor Conwy eisoes yn gweithio ar hyn."})  # fmt: skip
        assert declined.status_code == 200, declined.text
        await page.reload()
        await expect(page.get_by_text("Mae Cyngor Conwy eisoes yn gweithio ar hyn.")).to_be_visible()
        await expect(page.get_by_text("Wedi'i wrthod")).to_be_visible()
        assert problems == []


async def test_the_new_pages_pass_axe_in_both_languages(stack: Stack, browser: Browser) -> None:
    partner = await create_partner(stack)
    contact = await api(stack, "POST", f"/api/v1/partners/{partner['id']}/contacts",
                        json={"name": "Ann", "email": f"ann-{uuid.uuid4().hex[:6]}@a.example", "language": "cy"})  # fmt: skip
    someone = await add_account(stack, "lead")
    paths = ["/partners", "/partners/new", f"/partners/{partner['id']}", f"/partners/{partner['id']}/edit",
             f"/partners/{partner['id']}/contacts/new", f"/partners/{partner['id']}/contacts/{contact.json()['id']}/edit",
             f"/admin/accounts/{someone.id}", "/account/support-requests", "/admin/deliveries"]  # fmt: skip
    found: list[str] = []
    async with person(browser, stack, "admin", bypass_csp=True) as context:
        page = await context.new_page()
        for path in paths:
            for lang in ("en", "cy"):
                found += await axe_violations(page, f"{stack.urls['web']}{path}?lang={lang}")
    assert found == []
