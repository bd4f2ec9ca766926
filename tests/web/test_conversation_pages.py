"""A project's conversation on its page, without JavaScript: staff and the project's partner write
(Markdown-lite, shown safely: no HTML, no script links), a staff-only note never reaches the
partner's page nor search, an author changes theirs, and a deleted comment leaves a line behind."""

from __future__ import annotations

import re
import uuid

import httpx

from tests.stack import Stack
from tests.web.pages_helpers import browser, create_partner, create_project, field_errors, identity_headers, words


async def test_a_partner_and_a_lead_talk_on_a_project_and_a_staff_only_note_stays_with_staff(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"], visibility="partner")
    page = f"/projects/{project['slug']}"
    secret = f"quibble{uuid.uuid4().hex[:6]}"
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as theirs, browser(stack, "lead") as lead:
        shown = await theirs.get(page, params={"lang": "cy"})
        assert "Sgwrs" in words(shown) and "Nodyn i staff yn unig: nid yw" not in words(shown)
        empty = await theirs.post(f"/projects/{project['id']}/comments", {"comment": "  "}, form=page)
        assert empty.status_code == 422 and field_errors(empty.text) == ["comment"]
        hostile = ("Pryd mae'r **cyfarfod** nesaf gyda'r tîm digidol yn y swyddfa? Diolch yn fawr iawn i chi. "
                   "<script>alert('x')</script> "
                   "[cliciwch](javascript:alert(1)) <img src=x onerror=alert(1)>")  # fmt: skip
        posted = await theirs.post(f"/projects/{project['id']}/comments", {"comment": hostile}, form=page)
        assert posted.status_code == 303 and posted.headers["location"] == f"{page}?done=comment#conversation"
        note = await lead.post(f"/projects/{project['id']}/comments", {"comment": f"Internal {secret}",
                                                                       "internal": "yes"}, form=page)  # fmt: skip
        assert note.status_code == 303
        answer = await lead.post(f"/projects/{project['id']}/comments", {"comment": "On *Tuesday*, [agenda](https://cdps.example/a)"},
                                 form=page)  # fmt: skip
        assert answer.status_code == 303
        partner_view = await theirs.get(page, params={"lang": "en"})
        text = partner_view.text
        assert "<strong>cyfarfod</strong>" in text and "<script>alert" not in text and "&lt;script&gt;" in text
        assert 'href="javascript' not in text and "<img" not in text
        assert '<a href="https://cdps.example/a" class="govuk-link" rel="nofollow noopener">agenda</a>' in text
        assert 'lang="cy"' in text and "Written in Welsh only" in words(partner_view)
        assert secret not in text and "Staff-only note" not in words(partner_view)
        staff_view = await lead.get(page, params={"lang": "en"})
        assert secret in staff_view.text and "Staff-only note" in words(staff_view)
        [(comment_id, version)] = re.findall(
            r'action="/projects/[0-9a-f-]+/comments/([0-9a-f-]+)/delete">\s*<input type="hidden" name="_csrf_token"'
            r'[^>]*><input type="hidden" name="version" value="(\d+)">', partner_view.text)  # fmt: skip
        edit = f"/projects/{project['id']}/comments/{comment_id}/edit"
        assert edit in partner_view.text  # their own, just written: they may change it
        opened = await theirs.get(edit, params={"lang": "en"})
        assert opened.status_code == 200 and "Pryd mae" in words(opened)
        changed = await theirs.post(edit, {"comment_cy": "Pryd mae'r cyfarfod?", "comment_en": "When is the meeting?",
                                           "version": version}, form=edit)  # fmt: skip
        assert changed.headers["location"] == f"{page}?done=comment_edited#conversation"
        stale = await theirs.post(edit, {"comment_cy": "Hwyr", "version": version}, form=edit, params={"lang": "en"})
        assert stale.status_code == 422 and "Someone changed or deleted this comment" in words(stale)
        assert (await lead.get(edit)).status_code == 200  # the page opens, the portfolio refuses the change
        refused = await lead.post(edit, {"comment_en": "Mine", "version": "2"}, form=edit, params={"lang": "en"})
        assert refused.status_code == 422
        deleted = await lead.post(f"/projects/{project['id']}/comments/{comment_id}/delete", {"version": "2"},
                                  form=page)  # fmt: skip
        assert deleted.headers["location"] == f"{page}?done=comment_deleted#conversation"
        after = words(await theirs.get(page, params={"lang": "en"}))
        assert "This comment was deleted on" in after and "When is the meeting?" not in after
    async with httpx.AsyncClient(base_url=stack.urls["search"], timeout=10) as client:  # notes are never indexed
        as_partner = identity_headers(stack, "partner", partner_id=uuid.UUID(partner["id"]))
        found = await client.get("/api/v1/search", params={"q": secret}, headers=as_partner)
        assert found.status_code == 200 and found.json()["items"] == []
    async with browser(stack, "partner", partner_id=uuid.UUID((await create_partner(stack))["id"])) as other:
        assert "Conversation" not in words(await other.get(page, params={"lang": "en"}))  # not theirs to see
