"""The roadmap: a pure rule puts each project in one column (its properties, with hypothesis), and
the page shows the columns, in Welsh or English, filtered by partner and challenge area, and as a CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project, words
from web.roadmap import COLUMNS, column

TODAY = dt.date(2026, 6, 15)
ORDER = {"now": 0, "next": 1, "later": 2}
phases = st.sampled_from(["discovery", "alpha", "private_beta", "public_beta", "live", "retired"])
states = st.sampled_from(["active", "paused", "stopped"])
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2029, 12, 31))


@st.composite
def milestone(draw: st.DrawFn) -> dict[str, Any]:
    """A milestone as the portfolio answers it: a month's target is its first day."""
    precision = draw(st.sampled_from(["day", "month"]))
    on = draw(days)
    on = on.replace(day=1) if precision == "month" else on
    return {"target_on": on.isoformat(), "precision": precision, "done": draw(st.booleans())}


milestones = st.lists(milestone(), max_size=5)
delivered = st.none() | days


def project(phase: str, state: str) -> dict[str, Any]:
    return {"phase": phase, "state": state}


@given(phases, states, milestones, delivered)
def test_every_project_is_in_one_column_or_has_left_the_roadmap_after_delivery(
    phase: str, state: str, ms: list[dict[str, Any]], on: dt.date | None
) -> None:
    where = column(project(phase, state), ms, on, TODAY)
    assert where in COLUMNS or (where is None and phase in ("live", "retired") and state != "stopped")


@given(phases, milestones, delivered)
def test_a_stopped_project_is_stopped_whatever_its_milestones(phase: str, ms: list[dict[str, Any]],
                                                              on: dt.date | None) -> None:  # fmt: skip
    assert column(project(phase, "stopped"), ms, on, TODAY) == "stopped"


@given(st.sampled_from(["discovery", "alpha", "private_beta", "public_beta"]), milestones)
def test_reached_milestones_do_not_move_a_project(phase: str, ms: list[dict[str, Any]]) -> None:
    open_only = [m for m in ms if not m["done"]]
    assert column(project(phase, "active"), ms, None, TODAY) == column(project(phase, "active"), open_only, None, TODAY)


@given(st.sampled_from(["discovery", "alpha", "private_beta", "public_beta"]), milestones, days, days)
def test_bringing_a_milestone_forward_never_moves_an_active_project_later(
    phase: str, ms: list[dict[str, Any]], early: dt.date, late: dt.date
) -> None:
    early, late = min(early, late), max(early, late)
    sooner = column(project(phase, "active"), [*ms, {"target_on": early.isoformat(), "precision": "day"}], None, TODAY)
    later = column(project(phase, "active"), [*ms, {"target_on": late.isoformat(), "precision": "day"}], None, TODAY)
    assert sooner in ORDER and later in ORDER and ORDER[sooner] <= ORDER[later]


@given(st.sampled_from(["discovery", "alpha", "private_beta", "public_beta"]), milestones)
def test_an_overdue_milestone_puts_an_active_project_in_now(phase: str, ms: list[dict[str, Any]]) -> None:
    overdue = {"target_on": (TODAY - dt.timedelta(days=1)).isoformat(), "precision": "day", "done": False}
    assert column(project(phase, "active"), [*ms, overdue], None, TODAY) == "now"


def test_a_paused_project_is_later_and_a_live_one_is_delivered_for_a_year() -> None:
    assert column(project("alpha", "paused"), [], None, TODAY) == "later"
    assert column(project("live", "active"), [], TODAY - dt.timedelta(days=365), TODAY) == "delivered"
    assert column(project("live", "active"), [], TODAY - dt.timedelta(days=366), TODAY) is None


async def test_the_roadmap_page_shows_each_project_in_its_column_and_filters(stack: Stack) -> None:
    partner = await create_partner(stack)
    soon = await create_project(stack, partner_id=partner["id"], tags=["cloud"])
    far = await create_project(stack, partner_id=partner["id"], tags=["forms"])
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    in_a_year = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=365)).strftime("%Y-%m")
    for record, target in ((soon, dt.datetime.now(dt.UTC).date().isoformat()), (far, in_a_year)):
        added = await api(stack, "POST", f"/api/v1/projects/{record['id']}/milestones",
                          json={"title_en": f"Goal {target}", "title_cy": f"Nod {target}", "target": target})  # fmt: skip
        assert added.status_code == 201, added.text
    async with browser(stack) as visitor:
        page = await visitor.get("/roadmap", params={"lang": "en", "partner": partner["id"]})
        assert page.status_code == 200
        text = page.text
        now, later = text.index('id="roadmap-now"'), text.index('id="column-later"')
        assert now < text.index(soon["title_en"]) < later < text.index(far["title_en"])
        assert hidden["title_en"] not in text  # partner-only: not on the public roadmap
        cloud = words(await visitor.get("/roadmap", params={"lang": "cy", "partner": partner["id"], "tag": "cloud"}))
        assert "Map ffordd" in cloud and soon["title_cy"] in cloud and far["title_cy"] not in cloud
        everyone = await visitor.get("/roadmap", params={"partner": str(uuid.uuid4())})
        assert everyone.status_code == 200
        sheet = await visitor.get("/roadmap.csv", params={"partner": partner["id"]})
        assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(sheet.text)))
        assert {(r["column"], r["project_slug"]) for r in rows} == {("now", soon["slug"]), ("later", far["slug"])}
        assert {r["next_milestone_cy"] for r in rows} == {f"Nod {dt.datetime.now(dt.UTC).date().isoformat()}",
                                                            f"Nod {in_a_year}"}  # fmt: skip
