"""Atom feeds per project and per partner: public records only, whoever asks, linked from the pages
with <link rel="alternate">."""

from __future__ import annotations

import datetime as dt
import uuid
from xml.etree import ElementTree

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(feed: str) -> list[tuple[str, str]]:
    """(title, content) of each entry; parsing fails on a feed that is not well-formed XML."""
    root = ElementTree.fromstring(feed)
    return [(e.findtext(f"{ATOM}title") or "", e.findtext(f"{ATOM}content") or "") for e in root.iter(f"{ATOM}entry")]


async def test_feeds_carry_public_projects_updates_and_phase_changes_and_nothing_else(stack: Stack) -> None:
    partner = await create_partner(stack)
    public = await create_project(stack, partner_id=partner["id"])
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    moved = await api(stack, "POST", f"/api/v1/projects/{public['id']}/phase", version=1,
                      json={"kind": "advance", "effective": dt.datetime.now(dt.UTC).date().isoformat()})  # fmt: skip
    assert moved.status_code == 200, moved.text
    for project, body in ((public, "Public news <b>& more</b>"), (hidden, "Secret news")):
        posted = await api(stack, "POST", f"/api/v1/projects/{project['id']}/updates",
                           json={"body_en": body, "body_cy": f"{body} (cy)"})  # fmt: skip
        assert posted.status_code == 201, posted.text

    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as user:
        feed = await user.get(f"/feeds/projects/{public['slug']}.atom", params={"lang": "en"})
        assert feed.status_code == 200 and feed.headers["content-type"] == "application/atom+xml; charset=utf-8"
        titles = [title for title, _ in entries(feed.text)]
        assert f"{public['title_en']}: Moved to Alpha" in titles and f"Update: {public['title_en']}" in titles
        assert ("Update: " + public["title_en"], "Public news <b>& more</b>") in entries(feed.text)  # text, escaped
        # Even for its own partner's user, a partner-only project has no feed: feeds are public.
        assert (await user.get(f"/feeds/projects/{hidden['slug']}.atom")).status_code == 404
        assert "application/atom+xml" not in (await user.get(f"/projects/{hidden['slug']}")).text

        partner_feed = await user.get(f"/feeds/partners/{partner['id']}.atom", params={"lang": "cy"})
        assert partner_feed.status_code == 200
        found = entries(partner_feed.text)
        assert (f"Diweddariad: {public['title_cy']}", "Public news <b>& more</b> (cy)") in found
        assert not any("Secret" in title + content for title, content in found)

    async with browser(stack) as visitor:
        page = await visitor.get(f"/projects/{public['slug']}", params={"lang": "en"})
        assert (f'<link rel="alternate" type="application/atom+xml" href="/feeds/projects/{public["slug"]}.atom?lang=en"'
                in page.text)  # fmt: skip
        partner_page = await visitor.get(f"/partners/{partner['id']}", params={"lang": "cy"})
        assert f'href="/feeds/partners/{partner["id"]}.atom?lang=cy"' in partner_page.text
        for missing in ("/feeds/projects/no-such-project.atom", f"/feeds/projects/{public['slug']}",
                        f"/feeds/partners/{uuid.uuid4()}.atom", "/feeds/partners/not-an-id.atom"):  # fmt: skip
            assert (await visitor.get(missing)).status_code == 404, missing
