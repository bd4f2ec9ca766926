"""Search counts as Elasticsearch does: exact up to a cap, then "more than", with facets over the
counted matches marked approximate; the ranking is still over every match, and nothing the
caller may not see is ever counted. (The cap is 10,000 by default; these tests set it to 3.)"""

from __future__ import annotations

import datetime as dt
import html
import uuid
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from services.search.app import create_app
from shared.events import ProjectCreated, ProjectUpdatePosted
from shared.settings import Settings
from tests.helpers import asgi, snapshot
from tests.search.conftest import Search
from web.i18n import gettext_functions, template_engine
from web.pages import labels

CAP = 3


@pytest.fixture
async def capped(settings: Settings) -> AsyncIterator[Search]:
    app = create_app(msgspec.structs.replace(settings, search_count_cap=CAP))
    async with (
        LifespanManager(asgi(app)),
        httpx.AsyncClient(transport=httpx.ASGITransport(asgi(app)), base_url="http://search") as client,
    ):
        yield Search(client, app, settings)


async def test_above_the_cap_the_total_is_more_than_and_the_facets_are_approximate(capped: Search) -> None:
    last = None
    for n in range(5):
        last = await capped.publish(ProjectCreated(project=snapshot(title_en=f"Ferry timetable {n}", phase="alpha")))
    many = await capped.query(q="ferry", after=last)
    assert (many["total"], many["total_relation"], many["facets_approximate"]) == (CAP, "gte", True)
    assert sum(f["count"] for f in many["facets"]["kind"]) == CAP
    few = await capped.query(q="timetable 4")
    assert (few["total"], few["total_relation"], few["facets_approximate"]) == (1, "eq", False)


async def test_the_ranking_is_over_every_match_not_only_the_counted_ones(capped: Search) -> None:
    project = uuid.uuid4()
    await capped.publish(ProjectCreated(project=snapshot(title_en="Harbour moorings")), aggregate_id=project)
    last = None
    for n in range(1, 6):  # five updates that mention moorings, newest last
        last = await capped.publish(ProjectUpdatePosted(
            project=snapshot(title_en="Harbour moorings"), update_id=uuid.uuid4(), posted_on=dt.date(2026, 1, n),
            body_en=f"Moorings survey, week {n}", body_cy="",
        ), aggregate_id=project, seq=n + 1)  # fmt: skip
    results = await capped.query(q="moorings", after=last, limit=10)
    assert results["total_relation"] == "gte"
    # The title match first, then every update newest first: six hits, though only three were counted.
    assert [(h["kind"], h["occurred_on"]) for h in results["items"]] == [("project", results["items"][0]["occurred_on"])] + [
        ("update", f"2026-01-0{n}") for n in range(5, 0, -1)]  # fmt: skip


async def test_a_capped_count_never_counts_what_the_caller_may_not_see(capped: Search) -> None:
    other = uuid.uuid4()
    for n in range(CAP):
        await capped.publish(ProjectCreated(project=snapshot(title_en=f"Lighthouse {n}")))
    last = None
    for n in range(4):
        last = await capped.publish(ProjectCreated(project=snapshot(
            title_en=f"Lighthouse secret {n}", partner_id=other, visibility="partner")), partner_id=other)  # fmt: skip
    public = await capped.query(q="lighthouse", after=last)
    assert (public["total"], public["total_relation"]) == (CAP, "eq")  # exactly the three it may see
    partner = await capped.query(capped.as_("partner", other), q="lighthouse")
    assert (partner["total"], partner["total_relation"]) == (CAP, "gte")


async def test_staff_may_ask_for_exact_counts_and_nobody_else(capped: Search) -> None:
    last = None
    for n in range(5):
        last = await capped.publish(ProjectCreated(project=snapshot(title_en=f"Bridge survey {n}", tags=["cloud"])))
    await capped.query(after=last)
    exact = await capped.query(capped.as_("lead"), q="bridge", exact="true")
    assert (exact["total"], exact["total_relation"], exact["facets_approximate"]) == (5, "eq", False)
    assert exact["facets"]["tag"] == [{"value": "cloud", "count": 5}]
    for headers in ({}, capped.as_("partner", uuid.uuid4())):
        refused = await capped.client.get("/api/v1/search", params={"q": "bridge", "exact": "true"}, headers=headers)
        assert refused.status_code == 403
        [error] = refused.json()["errors"]
        assert error["field"] == "exact" and error["message_cy"]


@pytest.mark.parametrize(("lang", "heading", "note"), [
    ("en", "More than 10,000 results for “user research”", "The counts below are from the first 10,000 results."),
    ("cy", "Mwy na 10,000 o ganlyniadau ar gyfer “user research”", "Daw'r cyfrifon isod o'r 10,000 canlyniad cyntaf."),
])  # fmt: skip
def test_the_search_page_says_more_than_and_that_the_counts_are_approximate(lang: str, heading: str, note: str) -> None:
    partial = template_engine().engine.get_template("partials/results.html")
    page = partial.render(
        lang=lang, labels=labels, **gettext_functions(lang), searching=True, q="user research", corrected=None,
        total=10_000, total_text="10,000", more=True, approximate=True, hits=[], error=None, oob=True,
        facets=[("Type", [("Update", 9_000, "/search?kind=update", False)])], pages={},
    )  # fmt: skip
    text = html.unescape(page)
    assert heading in text and note in text
    assert ("Mwy na 10,000 o ganlyniadau" if lang == "cy" else "More than 10,000 results") in text  # the status line
