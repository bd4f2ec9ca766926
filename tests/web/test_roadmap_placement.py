"""A lead's placement of a project on the roadmap: the rule keeps it there while the project keeps its
phase and state; the form (Welsh and English, every problem named); the roadmap shows why; and the
roadmap's Atom feed, read as the public."""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree

from hypothesis import given
from hypothesis import strategies as st

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, words
from web.roadmap import COLUMNS, column

TODAY = dt.date(2026, 6, 15)
ATOM = "{http://www.w3.org/2005/Atom}"


def project(
    phase: str, state: str, placed: str | None, placed_phase: str = "", placed_state: str = ""
) -> dict[str, Any]:
    override = None if placed is None else {"column": placed, "reason": {"en": "Because", "cy": "Oherwydd"},
                                            "phase": placed_phase or phase, "state": placed_state or state}  # fmt: skip
    return {"phase": phase, "state": state, "roadmap_override": override}


@given(st.sampled_from(["discovery", "alpha", "private_beta", "live"]), st.sampled_from(["active", "paused", "stopped"]),
       st.sampled_from(COLUMNS))  # fmt: skip
def test_a_placement_holds_while_the_project_keeps_its_phase_and_state(phase: str, state: str, placed: str) -> None:
    assert column(project(phase, state, placed), [], TODAY - dt.timedelta(days=10), TODAY) == placed


def test_a_placement_lapses_when_the_phase_or_state_changes() -> None:
    moved_on = project("alpha", "active", "later", placed_phase="discovery")
    assert column(moved_on, [], None, TODAY) == column(project("alpha", "active", None), [], None, TODAY) == "now"
    stopped = project("alpha", "stopped", "now", placed_state="active")
    assert column(stopped, [], None, TODAY) == "stopped"


async def test_a_lead_places_a_project_on_the_roadmap_and_the_roadmap_and_its_feed_say_why(stack: Stack) -> None:
    partner = await create_partner(stack)
    placed = await create_project(stack, partner_id=partner["id"])
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    async with browser(stack, "lead") as lead:
        form = f"/projects/{placed['id']}/roadmap"
        shown = await lead.get(form, params={"lang": "cy"})
        assert shown.status_code == 200 and "Gosod y prosiect ar y map ffordd" in words(shown)
        refused = await lead.post(form, {"column": "later", "reason_cy": "", "reason_en": "", "version": "1"})
        assert refused.status_code == 422 and 'href="#reason_cy"' in refused.text
        saved = await lead.post(form, {"column": "later", "reason_cy": "Aros am gyllid", "reason_en": "Waiting for funding",
                                       "version": "1"})  # fmt: skip
        assert saved.status_code == 303, saved.text
        stale = await lead.post(form, {"column": "now", "reason_en": "Again", "version": "1"})
        assert stale.status_code == 422 and "Mae rhywun arall wedi newid y prosiect hwn" in words(stale)
    async with browser(stack) as visitor:
        page = words(await visitor.get("/roadmap", params={"lang": "en", "partner": partner["id"]}))
        later = page[page.index('id="column-later"') : page.index('id="column-delivered"')]
        assert placed["title_en"] in later and "Waiting for funding" in later
        welsh = words(await visitor.get("/roadmap", params={"lang": "cy", "partner": partner["id"]}))
        assert "Aros am gyllid" in welsh
        assert '<link rel="alternate" type="application/atom+xml" href="/feeds/roadmap.atom' in page
        feed = await visitor.get("/feeds/roadmap.atom", params={"lang": "cy", "partner": partner["id"]})
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(feed.text)
        entries = {
            e.findtext(f"{ATOM}title") or "": e.findtext(f"{ATOM}content") or "" for e in root.iter(f"{ATOM}entry")
        }
        assert f"Wedyn: {placed['title_cy']}" in entries and "Aros am gyllid" in entries[f"Wedyn: {placed['title_cy']}"]
        assert not any(hidden["title_cy"] in title for title in entries)  # the feed is the public's

    moved = await api(stack, "POST", f"/api/v1/projects/{placed['id']}/phase", version=2,
                      json={"kind": "advance", "effective": dt.datetime.now(dt.UTC).date().isoformat()})  # fmt: skip
    assert moved.status_code == 200, moved.text
    async with browser(stack) as visitor:
        page = words(await visitor.get("/roadmap", params={"lang": "en", "partner": partner["id"]}))
        now = page[page.index('id="column-now"') : page.index('id="column-next"')]
        assert placed["title_en"] in now and "Waiting for funding" not in page  # in alpha: the rule places it again
