"""Welsh the product writes itself reads as Welsh: phases and health take the mutation of the word
before them on the pages and in the feeds, and the Welsh feed is signed in Welsh."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from xml.etree import ElementTree

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, words

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


async def test_history_and_feeds_mutate_the_phase_and_health_after_o_and_i(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], health="green")
    path, today = f"/api/v1/projects/{project['id']}", dt.datetime.now(dt.UTC).date().isoformat()
    for version, change in (
        (1, {"kind": "advance"}),
        (2, {"kind": "go_back", "to_phase": "discovery", "reason": "Ailfeddwl"}),
    ):
        moved = await api(stack, "POST", f"{path}/phase", version=version, json={**change, "effective": today})
        assert moved.status_code == 200, moved.text
    health = await api(stack, "POST", f"{path}/health", version=3, json={"health": "red", "reason": "Supplier late"})
    assert health.status_code == 200, health.text

    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        page = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        history = page.split('<table class="govuk-table">')[-1]
        assert "O Ddarganfod i Alffa, o " in history and "O Alffa i Ddarganfod, o " in history
        assert "O Wyrdd i Goch." in history
        assert "O Darganfod" not in history and "i Darganfod" not in history and "O Gwyrdd" not in history
        english = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "Discovery to Alpha, from " in english and "Green to Red." in english

    async with browser(stack) as visitor:
        feed = ElementTree.fromstring((await visitor.get(f"/feeds/projects/{project['slug']}.atom",
                                                         params={"lang": "cy"})).text)  # fmt: skip
        titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
        assert f"{project['title_cy']}: Wedi symud i Ddarganfod" in titles, titles
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Canolfan Gwasanaethau Cyhoeddus Digidol"
        english_feed = ElementTree.fromstring((await visitor.get(f"/feeds/projects/{project['slug']}.atom",
                                                                 params={"lang": "en"})).text)  # fmt: skip
        assert english_feed.findtext(f"{ATOM}author/{ATOM}name") == "Centre for Digital Public Services"


async def test_text_in_one_language_carries_its_true_lang_and_says_it_is_the_only_one(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], health="amber",
                                   health_reason="The supplier is two weeks late.")  # fmt: skip
    path, today = f"/api/v1/projects/{project['id']}", dt.datetime.now(dt.UTC).date().isoformat()
    moved = await api(stack, "POST", f"{path}/phase", version=1,
                      json={"kind": "advance", "effective": today, "reason": "Mae'r darganfod wedi gorffen."})  # fmt: skip
    assert moved.status_code == 200, moved.text
    for body in (
        {"body_en": "Met the residents' panel", "body_cy": ""},
        {"body_en": "", "body_cy": "Wedi cwrdd â phanel y trigolion"},
    ):
        posted = await api(stack, "POST", f"{path}/updates", json=body)
        assert posted.status_code == 201, posted.text

    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        welsh = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert (
            '<bdi lang="en">The supplier is two weeks late.</bdi> <span class="app-muted">(Yn Saesneg yn unig)' in welsh
        )
        assert '<bdi lang="en">Met the residents\' panel</bdi> <span class="app-muted">(Yn Saesneg yn unig)' in welsh
        assert "<bdi>Wedi cwrdd â phanel y trigolion</bdi></p>" in welsh  # in the page's language: no note
        assert "Rheswm: <bdi>Mae'r darganfod wedi gorffen.</bdi>" in welsh
        assert 'lang="cy">The supplier' not in welsh
        english = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "<bdi>The supplier is two weeks late.</bdi></p>" in english
        assert (
            'Reason: <bdi lang="cy">Mae\'r darganfod wedi gorffen.</bdi> <span class="app-muted">(Written in Welsh only)'
            in english
        )
        assert (
            '<bdi lang="cy">Wedi cwrdd â phanel y trigolion</bdi> <span class="app-muted">(Written in Welsh only)'
            in english
        )

    async with browser(stack) as visitor:
        feed = ElementTree.fromstring((await visitor.get(f"/feeds/projects/{project['slug']}.atom",
                                                         params={"lang": "cy"})).text)  # fmt: skip
        marked = {}
        for entry in feed.iter(f"{ATOM}entry"):
            content = entry.find(f"{ATOM}content")
            assert content is not None
            marked[content.text] = (entry.findtext(f"{ATOM}title"), content.get(XML_LANG))
        assert marked["Met the residents' panel"] == (f"Diweddariad: {project['title_cy']} (Yn Saesneg yn unig)", "en")
        assert marked["Wedi cwrdd â phanel y trigolion"] == (f"Diweddariad: {project['title_cy']}", None)


async def test_a_reason_written_in_both_languages_shows_each_reader_their_own(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], health="green")
    path, today = f"/api/v1/projects/{project['id']}", dt.datetime.now(dt.UTC).date().isoformat()
    both = {"en": "The hosting contract is late", "cy": "Mae'r contract cynnal yn hwyr"}
    health = await api(stack, "POST", f"{path}/health", version=1, json={"health": "amber", "reason": both})
    assert health.status_code == 200 and health.json()["health_reason"] == both, health.text
    moved = await api(stack, "POST", f"{path}/phase", version=2,
                      json={"kind": "pause", "effective": today, "reason": {"en": "Waiting for the budget"}})  # fmt: skip
    assert moved.status_code == 200, moved.text

    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs:
        welsh = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "cy"}))
        assert "<bdi>Mae'r contract cynnal yn hwyr</bdi></p>" in welsh and "The hosting contract" not in welsh
        assert "Rheswm: <bdi>Mae'r contract cynnal yn hwyr</bdi>" in welsh  # in the history too
        assert (
            'Rheswm: <bdi lang="en">Waiting for the budget</bdi> <span class="app-muted">(Yn Saesneg yn unig)</span>'
            in welsh
        )
        english = words(await theirs.get(f"/projects/{project['slug']}", params={"lang": "en"}))
        assert "<bdi>The hosting contract is late</bdi></p>" in english and "contract cynnal" not in english
        assert "Reason: <bdi>Waiting for the budget</bdi>" in english

    async with browser(stack, "lead") as lead:  # the form shows both languages, Welsh first, as they stand
        form = (await lead.get(f"/projects/{project['id']}/health", params={"lang": "cy"})).text
        assert form.index('name="reason_cy"') < form.index('name="reason_en"')
        assert (
            "Mae&#39;r contract cynnal yn hwyr</textarea>" in form and "The hosting contract is late</textarea>" in form
        )


async def test_triage_puts_a_request_into_the_summary_of_the_language_it_was_written_in(stack: Stack) -> None:
    needs = {"cy": "Hoffem gael cyngor ar sut i brofi ein ffurflenni gyda siaradwyr Cymraeg.",
             "en": "We would like advice on testing our forms with Welsh speakers."}  # fmt: skip
    organisation = f"Cyngor Cymuned {uuid.uuid4().hex[:8]}"
    async with browser(stack) as visitor:
        for written_in, need in needs.items():
            sent = await visitor.post("/support", {"organisation": f"{organisation} {written_in}", "contact_name": "Nia",
                                                   "contact_email": "nia@example.org", "language": "both", "need": need,
                                                   "urgency": "low"}, params={"lang": "cy"})  # fmt: skip
            assert sent.status_code == 303, sent.text
    async with browser(stack, "lead") as lead:
        queue = await lead.get("/support/requests", params={"lang": "cy"})
        for written_in, need in needs.items():
            match = re.search(r'href="/support/requests/([0-9a-f-]+)">' + re.escape(f"{organisation} {written_in}"),
                              queue.text)  # fmt: skip
            assert match, queue.text
            form = words(await lead.get(f"/support/requests/{match[1]}", params={"lang": "cy"}))
            other = "en" if written_in == "cy" else "cy"
            assert re.search(rf'name="summary_{written_in}"[^>]*>\s*{re.escape(need)}\s*</textarea>', form), form
            assert re.search(rf'name="summary_{other}"[^>]*>\s*</textarea>', form)
            if written_in == "en":  # the need carries its true lang (not the reply language), and says so
                assert f'<bdi lang="en">{need}</bdi> <span class="app-muted">(Yn Saesneg yn unig)</span>' in form
                assert "Mae hwn yn Gymraeg" in form  # staff may correct a language told wrong
                moved = await lead.post(f"/support/requests/{match[1]}/need-language", {"need_language": "cy"},
                                        form=f"/support/requests/{match[1]}")  # fmt: skip
                assert moved.status_code == 303
                again = words(await lead.get(f"/support/requests/{match[1]}", params={"lang": "cy"}))
                assert f"<bdi>{need}</bdi>" in again and "Mae hwn yn Saesneg" in again
