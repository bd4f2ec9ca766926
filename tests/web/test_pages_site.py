"""The rest of the site against the running product: support requests and triage, search,
administration, error pages, the Welsh catalogue and static files."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import uuid
from pathlib import Path

from babel.messages.pofile import read_po

from tests.helpers import plain_text
from tests.stack import Inbox, Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, field_errors, summary_links, words
from web.accounts import AccountRole

ROOT = Path(__file__).parent.parent.parent
CATALOGUE = ROOT / "web/translations/cy/LC_MESSAGES/messages.po"


async def test_a_support_request_keeps_its_values_on_error_then_staff_triage_it(stack: Stack) -> None:
    organisation = f"Cyngor Tref {dt.datetime.now().timestamp()}"
    async with browser(stack) as visitor:
        wrong = await visitor.post("/support", {"organisation": organisation, "contact_name": "Nia",
                                                "contact_email": "nia-at-example", "language": "cy", "need": "Help",
                                                "urgency": "high"}, params={"lang": "cy"})  # fmt: skip
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["contact_email", "need"] == field_errors(wrong.text)
        assert "Rhowch gyfeiriad e-bost yn y fformat cywir" in wrong.text
        assert f'value="{organisation}"' in wrong.text and 'value="high" checked' in wrong.text
        sent = await visitor.post("/support", {"organisation": organisation, "contact_name": "Nia",
                                               "contact_email": "nia@example.org", "language": "cy",
                                               "need": "Help with our bin collection forms", "urgency": "high"})  # fmt: skip
        assert sent.status_code == 303 and sent.headers["location"].startswith("/support/sent?reference=")
        confirmation = await visitor.get(sent.headers["location"], params={"lang": "en"})
        assert "Request sent" in confirmation.text
    partner = await create_partner(stack)
    async with browser(stack, "lead") as lead:
        queue = await lead.get("/support/requests", params={"lang": "en"})
        match = re.search(r'href="/support/requests/([0-9a-f-]+)">' + re.escape(organisation), queue.text)
        assert match, queue.text
        path = f"/support/requests/{match[1]}"
        missing = await lead.post(path, {"outcome": "accepted", "partner_id": "", "kind": "advice",
                                         "summary_en": "Advice", "summary_cy": "Cyngor"})  # fmt: skip
        assert missing.status_code == 422 and set(field_errors(missing.text)) == {"partner_id", "started_on"}
        today = dt.datetime.now(dt.UTC).date()
        accepted = await lead.post(path, {"outcome": "accepted", "partner_id": partner["id"], "kind": "advice",
                                          "summary_en": "Advice on forms", "summary_cy": "Cyngor ar ffurflenni",
                                          "started_on-day": str(today.day), "started_on-month": str(today.month),
                                          "started_on-year": str(today.year)})  # fmt: skip
        assert accepted.status_code == 303, accepted.text
        engagements = await lead.get("/engagements", params={"lang": "cy"})
        assert "Cyngor ar ffurflenni" in engagements.text


async def test_search_returns_highlighted_results_with_facets_as_a_page_or_a_fragment(stack: Stack) -> None:
    project = await create_project(stack, title_en="Harbour mooring permits", title_cy="Trwyddedau angori harbwr",
                                   summary_en="Apply for a mooring in the harbour")  # fmt: skip
    async with browser(stack) as visitor:
        page = await visitor.get("/search", params={"q": "mooring", "lang": "en", "after": f"{project['id']}:1"})
        assert page.status_code == 200 and "<html" in page.text
        assert "<mark>" in page.text and f'href="/projects/{project["slug"]}"' in page.text  # the canonical address
        assert re.search(r"Discovery \(\d+\)", page.text)  # facet counts, each a link that narrows the search
        fragment = await visitor.get("/search", params={"q": "mooring", "lang": "cy"}, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "Trwyddedau angori harbwr" in fragment.text
        misspelt = await visitor.get("/search", params={"q": "moorng", "lang": "cy"})
        assert "Doedd dim yn cyfateb i “moorng”" in misspelt.text and "Trwyddedau angori harbwr" in misspelt.text
        later = {"q": "mooring", "lang": "en", "from-day": "1", "from-month": "1", "from-year": "2999"}
        assert "Harbour mooring permits" not in (await visitor.get("/search", params=later)).text
        impossible = await visitor.get("/search", params={**later, "from-day": "31", "from-month": "2"})
        assert "Enter a real date, like 27 3 2026" in impossible.text and "Harbour mooring permits" in impossible.text
        narrowed = await visitor.get("/search", params={"q": "mooring", "phase": "live", "lang": "en"})
        assert "Harbour mooring permits" not in narrowed.text
        restored = await visitor.get("/search", params={"q": "mooring"},
                                     headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})  # fmt: skip
        assert "<html" in restored.text  # going back in history needs the whole page


async def test_admins_invite_people_and_read_the_delivery_log(stack: Stack) -> None:
    partner = await create_partner(stack)
    async with browser(stack, "admin") as admin:
        email = f"new-{dt.datetime.now().timestamp()}@example.org"
        wrong = await admin.post("/admin/accounts", {"email": email, "name": "Nia", "role": "partner",
                                                     "partner_id": "", "language": "cy"})  # fmt: skip
        assert wrong.status_code == 422 and field_errors(wrong.text) == ["partner_id"]
        invited = await admin.post("/admin/accounts", {"email": email, "name": "Nia", "role": "partner",
                                                       "partner_id": partner["id"], "language": "cy"})  # fmt: skip
        assert invited.status_code == 303
        page = await admin.get(invited.headers["location"] + "&lang=en")
        assert email in page.text and partner["name_en"] in page.text
        assert f"We have emailed {email} an invitation with a link to sign in." in page.text
        again = await admin.post("/admin/accounts", {"email": email, "name": "Nia", "role": "lead", "language": "cy"})
        assert again.status_code == 422 and "There is already an account" in again.text
        log = await admin.get("/admin/deliveries", params={"lang": "en"})
        assert log.status_code == 200 and "Emails sent" in log.text
    async with browser(stack, "lead") as lead:
        assert (await lead.get("/admin/accounts")).status_code == 403
        assert (await lead.get("/admin/deliveries")).status_code == 403


async def test_an_invitee_who_is_a_partners_contact_is_invited_in_the_contacts_language_unless_one_is_chosen(
    stack: Stack, inbox: Inbox
) -> None:
    partner = await create_partner(stack)
    stamp = dt.datetime.now().timestamp()
    contact, chosen = f"contact-{stamp}@example.org", f"chosen-{stamp}@example.org"
    for address in (contact, chosen):
        added = await api(stack, "POST", f"/api/v1/partners/{partner['id']}/contacts",
                          json={"name": "Gwenllian", "email": address.upper(), "language": "cy"})  # fmt: skip
        assert added.status_code == 201, added.text
    async with browser(stack, "admin") as admin:
        form = await admin.get("/admin/accounts", params={"lang": "en"})
        assert "the language recorded for them as a contact of their partner" in words(form)
        radios = re.findall(r'<input[^>]*name="language"[^>]*>', form.text)
        assert len(radios) == 3 and not any("checked" in radio for radio in radios), radios  # none chosen
        for address, language in ((contact, None), (chosen, "en")):
            answer = {"email": address, "name": "Gwenllian", "role": "partner", "partner_id": partner["id"]}
            invited = await admin.post("/admin/accounts", answer | ({"language": language} if language else {}))
            assert invited.status_code == 303, invited.text
    [welsh] = await inbox.wait_for(contact)
    [english] = await inbox.wait_for(chosen)
    assert welsh["Subject"] == "Gwahoddiad i bortffolio catalydd CDPS"  # as recorded for the contact
    assert english["Subject"] == "You are invited to the CDPS catalyst portfolio"  # the admin's choice wins


async def test_an_invitation_is_emailed_in_the_invitees_language_and_its_link_signs_them_in(
    stack: Stack, inbox: Inbox
) -> None:
    stamp = dt.datetime.now().timestamp()
    invitees = {language: f"invited-{language}-{stamp}@example.org" for language in ("cy", "en", "both")}
    async with browser(stack, "admin") as admin:
        for language, email in invitees.items():
            invited = await admin.post("/admin/accounts", {"email": email, "name": f"Nia {language}", "role": "lead",
                                                           "language": language})  # fmt: skip
            assert invited.status_code == 303 and "unsent" not in invited.headers["location"]
    mail = {language: (await inbox.wait_for(email))[0] for language, email in invitees.items()}
    welsh, english, both = (plain_text(mail[language]) for language in ("cy", "en", "both"))
    assert "Helo Nia cy" in welsh and "fel arweinydd cyflawni" in welsh and "Hello" not in welsh
    assert "Hello Nia en" in english and "as a delivery lead" in english and "Helo" not in english
    assert both.index("Helo Nia both") < both.index("Hello Nia both")  # Welsh first
    assert mail["cy"]["Subject"] == "Gwahoddiad i bortffolio catalydd CDPS"
    assert "List-Unsubscribe" not in mail["cy"]
    link = re.search(r"http://\S+/signin/[\w-]+\?lang=cy", welsh)
    assert link and link[0].startswith(stack.urls["web"]), welsh
    async with browser(stack) as invitee:
        path = link[0].removeprefix(stack.urls["web"])
        opened = await invitee.get(path)
        assert opened.status_code == 200 and invitees["cy"] in opened.text
        signed_in = await invitee.post(path, {})
        assert signed_in.status_code == 303
        assert "/signout" in (await invitee.get("/")).text


async def test_staff_see_what_lacks_its_welsh_or_english(stack: Stack) -> None:
    project = await create_project(stack, title_en="Coastal path survey", title_cy="Arolwg llwybr yr arfordir",
                                   summary_en="Survey of the coastal path")  # fmt: skip
    async with browser(stack, "lead") as lead:
        page = await lead.get("/translations", params={"lang": "en"})
        card = re.search(rf'href="/projects/{project["slug"]}">.*?</form>', page.text, re.S)
        assert card and "Projects: Summary" in card[0] and "In Welsh" in card[0]  # filled in on the page
    async with browser(stack) as visitor:
        assert (await visitor.get("/translations")).status_code == 401


async def test_error_pages_are_friendly_in_both_languages_and_the_api_keeps_json(stack: Stack) -> None:
    async with browser(stack) as visitor:
        welsh = await visitor.get("/no-such-page", params={"lang": "cy"})
        assert welsh.status_code == 404 and "Heb ddod o hyd i'r dudalen" in words(welsh)
        assert 'hreflang="en"' in welsh.text  # the language switch is on every page
        english = await visitor.get("/projects/00000000-0000-0000-0000-000000000000", params={"lang": "en"})
        assert english.status_code == 404 and "Page not found" in english.text
        api_404 = await visitor.get("/api/nothing")
        assert api_404.status_code == 404 and api_404.json()["message_cy"] == "Heb ei ganfod"
        forged = await visitor.client.post("/support", data={"organisation": "x"})
        assert forged.status_code == 403 and "govuk-template" in forged.text


async def test_static_files_are_cached_and_every_page_links_fingerprinted_assets(stack: Stack) -> None:
    async with browser(stack) as visitor:
        home = await visitor.get("/")
        for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text):
            response = await visitor.get(path)
            assert response.status_code == 200, path
            assert "max-age=" in response.headers.get("cache-control", ""), path
            assert "?v=" in path
        font = re.search(
            r"url\((/assets/fonts/[^)]+)\)", (await visitor.get("/static/govuk/govuk-frontend.min.css")).text
        )
        assert font and "max-age=" in (await visitor.get(font[1])).headers["cache-control"]


async def test_the_project_history_is_for_staff_and_the_projects_partner(stack: Stack) -> None:
    ours = await create_partner(stack)
    project = await create_project(stack, partner_id=ours["id"], title_en="Shared ledger")
    await api(stack, "POST", f"/api/v1/projects/{project['id']}/health", version=1,
              json={"health": "amber", "reason": "Late data"})  # fmt: skip
    async with browser(stack, "partner", partner_id=ours["id"]) as partner:
        page = await partner.get(f"/projects/{project['id']}", params={"lang": "en"})
        assert "History" in page.text and "Late data" in page.text and "Change the phase" not in page.text
    other = await create_partner(stack)
    async with browser(stack, "partner", partner_id=other["id"]) as stranger:
        page = await stranger.get(f"/projects/{project['id']}", params={"lang": "en"})
        assert page.status_code == 200 and "History" not in page.text


def test_every_interface_text_has_its_welsh_and_the_catalogue_is_current(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [Path(sys.executable).parent / "pybabel", "extract", "-F", "web/babel.cfg", "-o", str(template),
         "--no-location", "--sort-output", "--project=cdps-portfolio", "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(template.open("rb")) if m.id}
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f, locale="cy")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalogue
        if m.id and "fuzzy" not in m.flags and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert extracted - translated == set(), "run pybabel extract/update and translate the new texts"
    assert len(extracted) > 300


async def test_a_lead_who_follows_from_the_support_queue_is_emailed_each_new_request_and_the_asker_too(
    stack: Stack, inbox: Inbox
) -> None:
    async with browser(stack, "lead") as lead:
        assert lead.account is not None
        queue = await lead.get("/support/requests", params={"lang": "cy"})
        assert "Cael e-bost am bob cais newydd, gyda newyddion y portffolio" in words(queue)
        followed = await lead.post("/follow/portfolio", {"own": "1", "rhythm": "immediate"}, form="/support/requests")
        assert followed.status_code == 200, followed.text
        organisation = f"Cyngor Cymuned {dt.datetime.now(dt.UTC).timestamp()}"
        asker = f"asker-{lead.account.id}@example.org"
        async with browser(stack) as visitor:
            sent = await visitor.post("/support", {"organisation": organisation, "contact_name": "Nia Jones",
                                                   "contact_email": asker, "language": "en", "urgency": "high",
                                                   "need": "Our allotment list is on paper."})  # fmt: skip
            assert sent.status_code == 303, sent.text
        [notice] = await inbox.wait_for(lead.account.email, organisation)
        assert "Our allotment list is on paper." in plain_text(notice)
        [acknowledgement] = await inbox.wait_for(asker)
        assert acknowledgement["Subject"] == "We have your request for support"
        assert "Our allotment list is on paper." in plain_text(acknowledgement)


async def test_the_search_type_filter_offers_only_the_kinds_its_reader_can_ever_find(stack: Stack) -> None:
    partner = await create_partner(stack)

    async def types(role: AccountRole | None, partner_id: uuid.UUID | None = None) -> set[str]:
        async with browser(stack, role, partner_id=partner_id) as reader:
            page = await reader.get("/search", params={"lang": "cy"})
        kind = re.search(r'<select[^>]*name="kind"[^>]*>(.*?)</select>', page.text, re.S)
        assert kind, "no Type filter"
        return set(re.findall(r'<option value="(\w+)"', kind.group(1)))

    public = {"project", "partner", "update", "assessment", "measure", "weeknote"}
    assert await types(None) == public  # support requests, engagements and phase changes are never public
    assert await types("partner", partner_id=uuid.UUID(partner["id"])) == public | {"engagement", "phase_change"}
    assert await types("lead") == public | {"engagement", "phase_change", "support_request"}
