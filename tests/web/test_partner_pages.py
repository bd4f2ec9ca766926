"""Staff add and change partners, and their contacts, with forms that work without JavaScript, in Welsh
and English; every bad field named at once; contacts are shown to staff only (never to a visitor, nor
to the partner's own users)."""

from __future__ import annotations

import re
import uuid

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, field_errors, summary_links, words


async def test_a_lead_adds_a_partner_then_changes_it_and_a_stale_form_overwrites_nothing(stack: Stack) -> None:
    slug = f"powys-{uuid.uuid4().hex[:6]}"
    async with browser(stack, "lead") as lead:
        listing = await lead.get("/partners", params={"lang": "en"})
        assert 'href="/partners/new"' in listing.text
        wrong = await lead.post("/partners/new", {"name_cy": "", "name_en": "x" * 201, "slug": "Not A Slug",
                                                  "website": "powys.gov.uk"}, params={"lang": "cy"})  # fmt: skip
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["name_cy", "name_en", "slug", "website", "kind"]
        assert field_errors(wrong.text) == ["name_cy", "name_en", "slug", "kind", "website"]
        text = words(wrong)
        assert "Rhowch yr enw yn Gymraeg" in text and "Rhaid i'r enw yn Saesneg fod yn 200 nod neu lai" in text
        assert "Dewiswch y math o sefydliad" in text and "Rhowch gyfeiriad llawn y wefan" in text
        form = {"name_cy": "Cyngor Sir Powys", "name_en": "Powys County Council", "slug": slug,
                "kind": "local_authority", "website": "https://www.powys.gov.uk"}  # fmt: skip
        added = await lead.post("/partners/new", form)
        assert added.status_code == 303, added.text
        location = added.headers["location"]
        assert location.endswith("?done=partner_added")
        partner_path = location.split("?")[0]
        page = words(await lead.get(f"{location}&lang=en"))
        assert "The partner has been added." in page and "Powys County Council" in page
        again = await lead.post("/partners/new", {**form, "name_en": "Powys again"}, params={"lang": "en"})
        assert again.status_code == 422 and summary_links(again.text) == ["slug"]  # the slug is taken

        opened = await lead.get(f"{partner_path}/edit", params={"lang": "cy"})
        assert opened.status_code == 200 and 'value="Cyngor Sir Powys"' in opened.text
        version = re.search(r'name="version" value="(\d+)"', opened.text)
        assert version
        change = {"name_cy": "Cyngor Sir Powys", "name_en": "Powys Council", "kind": "local_authority",
                  "website": "", "active": "yes", "version": version[1]}  # fmt: skip
        changed = await lead.post(f"{partner_path}/edit", change)
        assert changed.status_code == 303 and changed.headers["location"].endswith("?done=partner_changed")
        stale = await lead.post(f"{partner_path}/edit", {**change, "name_en": "Someone else's"}, params={"lang": "en"})
        assert stale.status_code == 412 and "Someone else changed this partner" in words(stale)
    partner = (await api(stack, "GET", f"/api/v1{partner_path}")).json()
    assert partner["name_en"] == "Powys Council" and partner["website"] is None and partner["version"] == 2


async def test_staff_add_change_and_remove_a_contact_that_only_staff_see(stack: Stack) -> None:
    partner = await create_partner(stack, "Hywel Dda University Health Board", "Bwrdd Iechyd Prifysgol Hywel Dda")
    await create_project(stack, partner_id=partner["id"], title_en="Outpatient letters", title_cy="Llythyrau cleifion")
    email = f"nia-{uuid.uuid4().hex[:6]}@hywel-dda.example"
    page_path = f"/partners/{partner['id']}"
    form = f"{page_path}/contacts/new"
    async with browser(stack, "lead") as lead:
        shown = await lead.get(page_path, params={"lang": "en"})
        assert f'href="{form}"' in shown.text and "No contacts recorded yet." in words(shown)
        assert "Outpatient letters" in words(shown)
        wrong = await lead.post(form, {"name": "", "role": "r" * 201, "email": "nia-at-example"}, params={"lang": "en"})
        assert wrong.status_code == 422
        assert summary_links(wrong.text) == ["name", "role", "email", "language", "project_emails"]
        text = words(wrong)
        assert "Enter their name" in text and "Their role must be 200 characters or fewer" in text
        assert "Choose the language of the emails they get" in text
        added = await lead.post(form, {"name": "Nia Davies", "role": "Pennaeth digidol", "email": email,
                                       "language": "cy", "project_emails": "yes"})  # fmt: skip
        assert added.status_code == 303, added.text
        page = words(await lead.get(f"{page_path}?done=contact_added&lang=cy"))
        assert "Mae'r cyswllt wedi'i ychwanegu." in page and "Nia Davies" in page and email in page
        assert "Cymraeg" in page
        taken = await lead.post(form, {"name": "Nia again", "email": email.upper(), "language": "en",
                                       "project_emails": "no"}, params={"lang": "en"})  # fmt: skip
        assert taken.status_code == 422 and summary_links(taken.text) == ["email"]

        [contact_id] = re.findall(rf'href="{page_path}/contacts/([0-9a-f-]+)/edit"', page)
        edit = f"{page_path}/contacts/{contact_id}/edit"
        opened = await lead.get(edit, params={"lang": "en"})
        assert f'value="{email}"' in opened.text
        version = re.search(r'name="version" value="(\d+)"', opened.text)
        assert version
        changed = await lead.post(edit, {"name": "Nia Davies", "role": "Head of digital", "email": email,
                                         "language": "en", "project_emails": "no", "version": version[1]})  # fmt: skip
        assert changed.status_code == 303
        stale_removal = await lead.post(f"{page_path}/contacts/{contact_id}/remove", {"version": version[1]}, form=edit)
        assert stale_removal.headers["location"].endswith("?done=contact_not_removed#contacts")
        page = words(await lead.get(f"{page_path}?done=contact_not_removed&lang=en"))
        assert "Head of digital" in page and "The contact was not removed" in page

    async with browser(stack) as visitor:
        public = words(await visitor.get(page_path, params={"lang": "en"}))
        assert "Nia Davies" not in public and email not in public and "Contacts" not in public
        assert (await visitor.get(edit)).status_code in (401, 403) or "signin" in str((await visitor.get(edit)).url)
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as own:
        theirs = words(await own.get(page_path, params={"lang": "en"}))
        assert "Nia Davies" not in theirs and email not in theirs
        assert (await own.get(edit)).status_code == 403 and (await own.get(form)).status_code == 403

    async with browser(stack, "admin") as admin:
        removed = await admin.post(f"{page_path}/contacts/{contact_id}/remove", {"version": "2"}, form=edit)
        assert removed.headers["location"].endswith("?done=contact_removed#contacts")
        assert "Nia Davies" not in words(await admin.get(page_path))
    assert (await api(stack, "GET", f"/api/v1/partners/{partner['id']}/contacts")).json() == []
