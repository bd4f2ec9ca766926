"""Following from the pages: every page that can be followed offers "Get emails about this …"; a
visitor gives an address, a language and a frequency, then confirms by email; a staff or partner
account follows with one button, to its own address. Against the running services and a real SMTP
server, with the forms as a browser without JavaScript sends them."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.helpers import plain_text
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, field_errors, summary_links, words

CONFIRM_LINK = re.compile(r"https?://\S+/subscriptions/confirm\?token=[\w.%-]+")
MANAGE_LINK = re.compile(r"https?://\S+/subscriptions/manage\?token=[\w.%-]+")


async def test_a_visitor_follows_a_public_project_from_its_page_and_hears_of_its_next_update(
    stack: Stack, inbox: Inbox
) -> None:
    project = await create_project(stack)
    async with browser(stack) as visitor:
        shown = await visitor.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert f'href="/follow/projects/{project["id"]}">Get emails about this project</a>' in shown.text
        form = f"/follow/projects/{project['id']}"
        opened = await visitor.get(form)
        assert opened.status_code == 200 and project["title_en"] in opened.text

        wrong = await visitor.post(form, {"email": "nia-at-example"}, params={"lang": "cy"})
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["email", "language", "rhythm"] == field_errors(wrong.text)
        assert "Rhowch gyfeiriad e-bost yn y fformat cywir" in words(wrong)
        assert 'value="nia-at-example"' in wrong.text  # what was typed stays

        address = f"nia-{uuid.uuid4().hex[:8]}@example.org"
        sent = await visitor.post(form, {"email": address, "language": "en", "rhythm": "immediate"},
                                  params={"lang": "en"})  # fmt: skip
        assert sent.status_code == 200 and "Check your email" in sent.text and address in sent.text

    [confirmation] = await inbox.wait_for(address, "Confirm")
    link = CONFIRM_LINK.search(plain_text(confirmation))
    assert link, plain_text(confirmation)
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(link[0])).status_code == 200

    posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                       json={"body_en": "We met the crews", "body_cy": "Gwnaethom gwrdd â'r criwiau"})  # fmt: skip
    assert posted.status_code == 201, posted.text
    [update] = await inbox.wait_for(address, "Update")
    assert "We met the crews" in plain_text(update)

    # The email's manage link opens at the site's address, and ends the emails there.
    manage = MANAGE_LINK.search(plain_text(update))
    assert manage and manage[0].startswith(stack.urls["web"]), plain_text(update)
    async with httpx.AsyncClient(timeout=10) as client:
        opened = await client.get(manage[0])
        assert opened.status_code == 200 and project["title_en"] in opened.text
        ended = await client.post(manage[0], data={"action": "stop_all"})
        assert ended.status_code == 200 and "You do not follow anything" in ended.text


async def test_a_partner_follows_its_own_partner_only_project_with_one_button(stack: Stack, inbox: Inbox) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], visibility="partner")
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as user:
        assert user.account is not None
        shown = await user.get(f"/projects/{project['slug']}", params={"lang": "en"})
        assert 'name="own" value="1"' in shown.text and user.account.email in shown.text
        followed = await user.post(f"/follow/projects/{project['id']}", {"own": "1"},
                                   form=f"/projects/{project['slug']}", params={"lang": "en"})  # fmt: skip
        assert followed.status_code == 200 and "You are following this" in followed.text
    # Confirmed at once, and hearing what a partner's user may: its own partner-only project.
    posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                       json={"body_en": "Only for the partner", "body_cy": "I'r partner yn unig"})  # fmt: skip
    assert posted.status_code == 201, posted.text
    [update] = await inbox.wait_for(user.account.email)
    assert "Only for the partner" in plain_text(update)
    async with browser(stack) as visitor:  # and nobody else even sees the form
        assert (await visitor.get(f"/follow/projects/{project['id']}")).status_code == 404


async def test_the_board_a_partner_page_and_the_weeknotes_offer_emails_in_both_languages(stack: Stack) -> None:
    partner = await create_partner(stack)
    async with browser(stack) as visitor:
        for path, form in (("/", "/follow/portfolio"), (f"/partners/{partner['id']}", f"/follow/partners/{partner['id']}"),
                           ("/weeknotes", "/follow/portfolio?rhythm=weekly")):  # fmt: skip
            for lang, text in (("en", "Get"), ("cy", "Cael")):
                page = await visitor.get(path, params={"lang": lang})
                assert re.search(f'href="{re.escape(form)}">{text} ', words(page)), (path, lang)
        weekly = await visitor.get("/follow/portfolio", params={"rhythm": "weekly", "lang": "cy"})
        assert weekly.status_code == 200 and 'value="weekly" checked' in weekly.text
        partner_form = await visitor.get(f"/follow/partners/{partner['id']}", params={"lang": "cy"})
        assert partner["name_cy"] in partner_form.text
        address = f"cai-{uuid.uuid4().hex[:8]}@example.org"
        asked = await visitor.post(f"/follow/partners/{partner['id']}",
                                   {"email": address, "language": "both", "rhythm": "daily"}, params={"lang": "cy"})  # fmt: skip
        assert asked.status_code == 200 and "Gwiriwch eich e-bost" in asked.text
        assert (await visitor.get(f"/follow/teams/{partner['id']}")).status_code == 404


async def test_a_lead_changes_and_stops_what_they_follow_from_their_account_page(stack: Stack) -> None:
    project = await create_project(stack)
    async with browser(stack, "lead") as lead:
        followed = await lead.post(
            f"/follow/projects/{project['id']}", {"own": "1"}, form=f"/projects/{project['slug']}"
        )
        assert followed.status_code == 200
        mine = await lead.get("/account/subscriptions", params={"lang": "en"})
        assert mine.status_code == 200 and project["title_en"] in mine.text
        [subscription] = re.findall(r'action="/account/subscriptions/([0-9a-f-]+)"', mine.text)
        path = f"/account/subscriptions/{subscription}"

        wrong = await lead.post(path, {"action": "save"}, form="/account/subscriptions", params={"lang": "cy"})
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == [f"language-{subscription}", f"rhythm-{subscription}"]
        assert "Dewiswch pa mor aml" in words(wrong)

        saved = await lead.post(path, {"action": "save", f"language-{subscription}": "cy",
                                       f"rhythm-{subscription}": "daily"}, form="/account/subscriptions")  # fmt: skip
        assert saved.status_code == 303
        again = await lead.get(saved.headers["location"] + "&lang=en")
        assert "Your choices have been saved" in again.text
        assert (
            f'id="rhythm-{subscription}-2" name="rhythm-{subscription}" type="radio" value="daily" checked'
            in again.text
        )

        stopped = await lead.post(path, {"action": "stop"}, form="/account/subscriptions")
        assert stopped.status_code == 303
        assert "You do not follow anything yet" in words(
            await lead.get("/account/subscriptions", params={"lang": "en"})
        )
