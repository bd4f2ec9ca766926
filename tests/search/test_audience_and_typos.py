"""Search: an update is seen by whoever may see its project, whatever order its events arrive in;
a misspelt word is corrected to the nearest title word (tests/search/test_corrections.py: only
ever to a word the caller could have found)."""

from __future__ import annotations

import datetime as dt
import uuid

from shared.events import ProjectCreated, ProjectUpdated, ProjectUpdatePosted
from tests.helpers import eventually, snapshot
from tests.search.conftest import Search

TODAY = dt.date(2026, 11, 20)


def posted(body_en: str, **project: object) -> ProjectUpdatePosted:
    return ProjectUpdatePosted(project=snapshot(**project), update_id=uuid.uuid4(), posted_on=TODAY, body_en=body_en,
                               body_cy="")  # fmt: skip


async def test_a_project_made_partner_only_takes_its_updates_with_it(search: Search) -> None:
    partner, project = uuid.uuid4(), uuid.uuid4()
    await search.publish(ProjectCreated(project=snapshot(partner_id=partner)), aggregate_id=project)
    await search.publish(posted("Interviewed beekeepers", partner_id=partner), aggregate_id=project, seq=2)
    hidden = await search.publish(
        ProjectUpdated(project=snapshot(partner_id=partner, visibility="partner"), changed=["visibility"]),
        aggregate_id=project, seq=3,
    )  # fmt: skip
    assert await search.titles(q="beekeepers", after=hidden) == []
    assert await search.titles(search.as_("partner", partner), q="beekeepers") == ["Digital tax returns"]
    assert await search.titles(search.as_("partner", uuid.uuid4()), q="beekeepers") == []


async def test_an_update_delivered_late_takes_the_audience_its_project_has_now(search: Search) -> None:
    partner, project = uuid.uuid4(), uuid.uuid4()
    await search.publish(ProjectCreated(project=snapshot(partner_id=partner)), aggregate_id=project)
    await search.publish(
        ProjectUpdated(project=snapshot(partner_id=partner, visibility="partner"), changed=["visibility"]),
        aggregate_id=project, seq=3,
    )  # fmt: skip
    # Written while the project was still public, delivered after it became partner-only. (Waiting with
    # `after` would not do: the project is at sequence 3 already, so the index "holds" sequence 2.)
    await search.publish(posted("Surveyed lighthouse keepers", partner_id=partner), aggregate_id=project, seq=2)

    async def seen_by_the_partner() -> list[str]:
        return await search.titles(search.as_("partner", partner), q="lighthouse")

    assert await eventually(seen_by_the_partner) == ["Digital tax returns"]
    assert await search.titles(q="lighthouse") == []


async def test_an_update_is_found_by_its_own_words_and_its_project_by_its_title(search: Search) -> None:
    project = uuid.uuid4()
    await search.publish(ProjectCreated(project=snapshot(title_en="Ferry timetables")), aggregate_id=project)
    last = await search.publish(posted("Prototype tested with commuters", title_en="Ferry timetables"),
                                aggregate_id=project, seq=2)  # fmt: skip
    ferry = await search.query(q="ferry", after=last)
    assert [(h["kind"], h["title_en"]) for h in ferry["items"]] == [("project", "Ferry timetables")]
    [update] = (await search.query(q="commuters"))["items"]
    assert (update["kind"], update["title_en"]) == ("update", "Ferry timetables")  # shown under its project


async def test_a_misspelt_word_is_searched_as_the_nearest_title_word_and_says_so(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Repeat prescriptions online")))
    results = await search.query(q="presciptions", after=last)
    assert [h["title_en"] for h in results["items"]] == ["Repeat prescriptions online"]
    assert results["corrected"] == "prescriptions"
    exact = await search.query(q="prescriptions")
    assert exact["corrected"] is None
