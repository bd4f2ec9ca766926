"""Search finds a project by the names of its measures and by the reasons given for its health and its
phase changes, in either language, and only for callers who may read them: an unpublished measure and
a phase change's reason (its project's history) are for staff and the project's partner, never the public."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from services.search.reindex import reindex
from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    Envelope,
    MeasureChanged,
    MeasureDefined,
    MeasureRemoved,
    MeasureSnapshot,
    MeasureValuesRecorded,
    MonthValue,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectPhaseReasonTranslated,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
)
from tests.helpers import snapshot
from tests.search.conftest import Search

ONLINE = Bilingual(en="Online applications", cy="Ceisiadau ar-lein")


def measure(project_id: uuid.UUID, *, name: Bilingual = ONLINE, catalogue: str | None = None,
            published: bool = False) -> MeasureSnapshot:  # fmt: skip
    return MeasureSnapshot(project_id=project_id, catalogue=catalogue, name=EMPTY if catalogue else name,
                           unit="count", direction="up", target=None, published=published)  # fmt: skip


class Project:
    """A project in the index, and the callers who may and may not read what is for its partner only."""

    def __init__(self, search: Search, **fields: Any):
        self.search, self.id, self.partner_id = search, uuid.uuid4(), uuid.uuid4()
        self.snapshot: ProjectSnapshot = snapshot(partner_id=self.partner_id, **fields)
        self.seq = 0

    async def publish(self, event: ProjectCreated | ProjectUpdated | ProjectPhaseChanged | ProjectHealthChanged
                      | ProjectPhaseReasonTranslated | ProjectUpdatePosted) -> Envelope:  # fmt: skip
        self.seq += 1
        return await self.search.publish(event, aggregate_id=self.id, seq=self.seq, partner_id=self.partner_id)

    async def finders(self, after: Envelope, q: str) -> dict[str, bool]:
        """Who finds the project's documents (any kind) for ``q``: the public, its partner, another
        partner, staff."""
        callers = {"public": {}, "partner": self.search.as_("partner", self.partner_id),
                   "other partner": self.search.as_("partner", uuid.uuid4()), "staff": self.search.as_("lead")}  # fmt: skip
        found = {}
        for who, headers in callers.items():
            hits = (await self.search.query(headers, after, q=q))["items"]
            found[who] = any(hit["project_id"] == str(self.id) for hit in hits)
        return found


EVERYONE = {"public": True, "partner": True, "other partner": True, "staff": True}
ITS_OWN = {"public": False, "partner": True, "other partner": False, "staff": True}
NOBODY = {"public": False, "partner": False, "other partner": False, "staff": False}


async def test_a_published_measure_finds_its_project_by_its_name_in_either_language(search: Search) -> None:
    project = Project(search, title_en="Blue badges", title_cy="Bathodynnau glas")
    await project.publish(ProjectCreated(project=project.snapshot))
    measure_id, catalogue_id = uuid.uuid4(), uuid.uuid4()
    await search.publish(MeasureDefined(measure=measure(project.id, published=True), for_project=project.snapshot),
                         aggregate_id=measure_id, partner_id=project.partner_id)  # fmt: skip
    last = await search.publish(
        MeasureDefined(measure=measure(project.id, catalogue="cost_per_transaction", published=True),
                       for_project=project.snapshot),
        aggregate_id=catalogue_id, partner_id=project.partner_id,
    )  # fmt: skip
    for q in ("Online applications", "ceisiadau ar-lein", "cost per transaction", "Cost fesul trafodiad"):
        assert await project.finders(last, q) == EVERYONE, q
    [hit] = (await search.query(after=last, q="Ceisiadau ar-lein"))["items"]
    assert (hit["kind"], hit["slug"], hit["title_en"], hit["title_cy"]) == (
        "measure",
        project.snapshot.slug,
        "Blue badges",
        "Bathodynnau glas",
    )  # the project's title and page
    assert "<mark>Ceisiadau</mark>" in hit["snippet_cy"]
    # A search for the project's title finds the project, not each of its measures.
    assert [h["kind"] for h in (await search.query(q="Blue badges"))["items"]] == ["project"]


async def test_an_unpublished_measure_is_found_by_staff_and_its_partner_only_until_it_is_published(
    search: Search,
) -> None:
    project = Project(search, title_en="Ferry timetables")
    await project.publish(ProjectCreated(project=project.snapshot))
    measure_id = uuid.uuid4()
    defined = await search.publish(MeasureDefined(measure=measure(project.id), for_project=project.snapshot),
                                   aggregate_id=measure_id, partner_id=project.partner_id)  # fmt: skip
    assert await project.finders(defined, "online applications") == ITS_OWN
    assert await project.finders(defined, "ceisiadau") == ITS_OWN
    # Recording values rewrites nothing the public may read.
    recorded = await search.publish(
        MeasureValuesRecorded(measure=measure(project.id), values=[MonthValue(month=dt.date(2026, 10, 1), value=3)],
                              latest=MonthValue(month=dt.date(2026, 10, 1), value=3), crossing=None,
                              for_project=project.snapshot),
        aggregate_id=measure_id, seq=2, partner_id=project.partner_id,
    )  # fmt: skip
    assert await project.finders(recorded, "online applications") == ITS_OWN
    published = await search.publish(
        MeasureChanged(measure=measure(project.id, published=True), changed=["published"],
                       for_project=project.snapshot),
        aggregate_id=measure_id, seq=3, partner_id=project.partner_id,
    )  # fmt: skip
    assert await project.finders(published, "online applications") == EVERYONE


async def test_a_renamed_measure_is_found_by_its_new_name_and_a_removed_one_by_none(search: Search) -> None:
    project = Project(search, title_en="Library loans")
    await project.publish(ProjectCreated(project=project.snapshot))
    measure_id = uuid.uuid4()
    await search.publish(MeasureDefined(measure=measure(project.id, published=True), for_project=project.snapshot),
                         aggregate_id=measure_id, partner_id=project.partner_id)  # fmt: skip
    renamed_to = Bilingual(en="E-book loans", cy="Benthyciadau e-lyfrau")
    renamed = await search.publish(
        MeasureChanged(measure=measure(project.id, name=renamed_to, published=True), changed=["name"],
                       for_project=project.snapshot),
        aggregate_id=measure_id, seq=2, partner_id=project.partner_id,
    )  # fmt: skip
    assert await project.finders(renamed, "online applications") == NOBODY
    assert await project.finders(renamed, "benthyciadau") == EVERYONE
    removed = await search.publish(
        MeasureRemoved(measure=measure(project.id, name=renamed_to, published=True), reason=Bilingual(en="Duplicate"),
                       for_project=project.snapshot),
        aggregate_id=measure_id, seq=3, partner_id=project.partner_id,
    )  # fmt: skip
    assert await project.finders(removed, "e-book loans") == NOBODY
    # A change delivered late (older than the removal) does not bring it back.
    late = await search.publish(
        MeasureChanged(measure=measure(project.id, name=renamed_to, published=True), changed=["target"],
                       for_project=project.snapshot),
        aggregate_id=measure_id, seq=2, partner_id=project.partner_id, msg_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert await project.finders(late, "e-book loans") == NOBODY


async def test_measures_follow_their_project_when_it_is_withdrawn_from_public_and_unpublished_ones_never_go_public(
    search: Search,
) -> None:
    project = Project(search, title_en="School meals")
    await project.publish(ProjectCreated(project=project.snapshot))
    shown, hidden = uuid.uuid4(), uuid.uuid4()
    await search.publish(MeasureDefined(measure=measure(project.id, published=True), for_project=project.snapshot),
                         aggregate_id=shown, partner_id=project.partner_id)  # fmt: skip
    last = await search.publish(
        MeasureDefined(measure=measure(project.id, catalogue="user_satisfaction"), for_project=project.snapshot),
        aggregate_id=hidden, partner_id=project.partner_id,
    )  # fmt: skip
    assert await project.finders(last, "online applications") == EVERYONE
    assert await project.finders(last, "user satisfaction") == ITS_OWN
    internal = msgspec.structs.replace(project.snapshot, visibility="internal")
    withdrawn = await project.publish(ProjectUpdated(project=internal, changed=["visibility"]))
    assert await project.finders(withdrawn, "online applications") == {**NOBODY, "staff": True}
    assert await project.finders(withdrawn, "user satisfaction") == {**NOBODY, "staff": True}
    again = await project.publish(ProjectUpdated(project=project.snapshot, changed=["visibility"]))
    assert await project.finders(again, "online applications") == EVERYONE
    assert await project.finders(again, "user satisfaction") == ITS_OWN


async def test_a_projects_health_reason_finds_it_and_a_phase_change_reason_finds_it_for_its_history_readers(
    search: Search,
) -> None:
    project = Project(search, title_en="Coastal paths")
    await project.publish(ProjectCreated(project=project.snapshot))
    amber = msgspec.structs.replace(project.snapshot, health="amber",
                            health_reason=Bilingual(en="Waiting for the landowners", cy="Aros am y tirfeddianwyr"))  # fmt: skip
    health = await project.publish(ProjectHealthChanged(project=amber, from_health="green", to_health="amber",
                                                        reason=amber.health_reason))  # fmt: skip
    assert await project.finders(health, "landowners") == EVERYONE
    assert await project.finders(health, "tirfeddianwyr") == EVERYONE

    paused = msgspec.structs.replace(amber, state="paused")
    changed = await project.publish(ProjectPhaseChanged(
        project=paused, kind="pause", from_phase="discovery", to_phase="discovery", from_state="active",
        to_state="paused", effective=dt.date(2026, 11, 2), reason=Bilingual(en="Funding review under way"),
    ))  # fmt: skip
    assert await project.finders(changed, "funding review") == ITS_OWN
    [hit] = (await search.query(search.as_("lead"), q="funding review"))["items"]
    assert (hit["kind"], hit["title_en"], hit["occurred_on"]) == ("phase_change", "Coastal paths", "2026-11-02")
    translated = await project.publish(ProjectPhaseReasonTranslated(
        project=paused, phase_change_id=changed.id, phase_change_seq=changed.aggregate_seq, lang="cy",
        reason=Bilingual(en="Funding review under way", cy="Adolygiad o'r cyllid ar y gweill"),
    ))  # fmt: skip
    assert await project.finders(translated, "cyllid") == ITS_OWN
    # A phase change without a reason adds nothing.
    resumed = await project.publish(ProjectPhaseChanged(
        project=amber, kind="resume", from_phase="discovery", to_phase="discovery", from_state="paused",
        to_state="active", effective=dt.date(2026, 11, 9), reason=EMPTY,
    ))  # fmt: skip
    kinds = [h["kind"] for h in (await search.query(search.as_("lead"), resumed, partner=str(project.partner_id),
                                                    limit=50))["items"]]  # fmt: skip
    assert sorted(kinds) == ["phase_change", "project"]


async def test_a_rebuild_indexes_measures_and_reasons_as_the_live_consumer_did(search: Search) -> None:
    project = Project(search, title_en="Harbour dues")
    await project.publish(ProjectCreated(project=project.snapshot))
    kept, gone = uuid.uuid4(), uuid.uuid4()
    await search.publish(MeasureDefined(measure=measure(project.id), for_project=project.snapshot),
                         aggregate_id=kept, partner_id=project.partner_id)  # fmt: skip
    await search.publish(MeasureDefined(measure=measure(project.id, catalogue="completion_rate"),
                                        for_project=project.snapshot), aggregate_id=gone)  # fmt: skip
    await search.publish(MeasureRemoved(measure=measure(project.id, catalogue="completion_rate"),
                                        reason=Bilingual(en="Not needed"), for_project=project.snapshot),
                         aggregate_id=gone, seq=2)  # fmt: skip
    changed = await project.publish(ProjectPhaseChanged(
        project=project.snapshot, kind="go_back", from_phase="alpha", to_phase="discovery", from_state="active",
        to_state="active", effective=dt.date(2026, 11, 2), reason=Bilingual(cy="Angen mwy o ymchwil"),
    ))  # fmt: skip
    last = await project.publish(ProjectUpdated(project=msgspec.structs.replace(project.snapshot, visibility="partner"),
                                                changed=["visibility"]))  # fmt: skip
    await search.query(after=last)
    columns = "id, kind, visibility, partner_id, partner_only, title_en, body_en, body_cy, tsv::text, title_tsv::text"
    rows = f"SELECT {columns} FROM documents WHERE project_id = $1 ORDER BY id"
    live = [tuple(r) for r in await search.runtime.pool.fetch(rows, project.id)]
    assert sorted(r[1] for r in live) == ["measure", "phase_change", "project"]
    assert {r[0]: r[2] for r in live}[changed.id] == "partner"
    await reindex(search.runtime)
    assert [tuple(r) for r in await search.runtime.pool.fetch(rows, project.id)] == live


async def test_a_projects_measures_updates_and_phase_changes_show_its_new_title_once_it_is_renamed(
    search: Search,
) -> None:
    project = Project(search, title_en="Bus passes", title_cy="Tocynnau bws")
    await project.publish(ProjectCreated(project=project.snapshot))
    await search.publish(MeasureDefined(measure=measure(project.id, published=True), for_project=project.snapshot),
                         aggregate_id=uuid.uuid4(), partner_id=project.partner_id)  # fmt: skip
    await project.publish(ProjectUpdatePosted(project=project.snapshot, update_id=uuid.uuid4(),
                                              posted_on=dt.date(2026, 11, 2), body_en="Online applications opened",
                                              body_cy=""))  # fmt: skip
    await project.publish(ProjectPhaseChanged(
        project=project.snapshot, kind="pause", from_phase="discovery", to_phase="discovery", from_state="active",
        to_state="paused", effective=dt.date(2026, 11, 3), reason=Bilingual(en="Online applications on hold"),
    ))  # fmt: skip
    renamed = msgspec.structs.replace(project.snapshot, title_en="Concessionary travel", title_cy="Teithio rhatach")
    last = await project.publish(ProjectUpdated(project=renamed, changed=["title_en", "title_cy"]))
    hits = (await search.query(search.as_("lead"), last, q="online applications"))["items"]
    assert sorted((h["kind"], h["title_en"], h["title_cy"]) for h in hits) == [
        (kind, "Concessionary travel", "Teithio rhatach") for kind in ("measure", "phase_change", "update")
    ]
    # A measure's event delivered late, with the old title in its snapshot, takes the title the project has now.
    late = await search.publish(MeasureDefined(measure=measure(project.id, catalogue="users_served", published=True),
                                               for_project=project.snapshot),
                                aggregate_id=uuid.uuid4(), partner_id=project.partner_id)  # fmt: skip
    [hit] = (await search.query(after=late, q="users served"))["items"]
    assert hit["title_en"] == "Concessionary travel"


async def test_a_misspelt_measure_name_is_corrected_for_those_who_may_read_the_measure_only(search: Search) -> None:
    project = Project(search, title_en="Harbour moorings")
    await project.publish(ProjectCreated(project=project.snapshot))
    name = Bilingual(en="Berthings allocated", cy="Angorfeydd a ddyrannwyd")
    defined = await search.publish(
        MeasureDefined(measure=measure(project.id, name=name), for_project=project.snapshot),
        aggregate_id=uuid.uuid4(), partner_id=project.partner_id,
    )  # fmt: skip
    callers = {"public": {}, "partner": search.as_("partner", project.partner_id),
               "other partner": search.as_("partner", uuid.uuid4()), "staff": search.as_("lead")}  # fmt: skip
    corrected = {
        who: (await search.query(headers, defined, q="berthngs"))["corrected"] for who, headers in callers.items()
    }
    # Those who may read the unpublished measure are offered its name; the others learn nothing of it.
    assert corrected == {"public": None, "partner": "berthings", "other partner": None, "staff": "berthings"}
    welsh = (await search.query(callers["staff"], defined, q="angorfeyd"))["corrected"]
    assert welsh == "angorfeydd"
