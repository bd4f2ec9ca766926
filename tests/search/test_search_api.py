"""Search: every event is indexed; Welsh mutations and typos are forgiven; titles rank first;
filters and facets agree; nobody sees a record they may not, through any query or facet."""

from __future__ import annotations

import datetime as dt
import uuid

from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    AssessmentPublished,
    AssessmentSnapshot,
    EngagementRecorded,
    PanelMember,
    PartnerRegistered,
    PartnerSnapshot,
    PartnerUpdated,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectUpdated,
    ProjectUpdatePosted,
    SupportRequested,
    SupportTriaged,
)
from tests.helpers import snapshot
from tests.search.conftest import Search

TODAY = dt.date(2026, 11, 20)


def partner(name_en: str = "Cardiff Council", name_cy: str = "Cyngor Caerdydd", active: bool = True) -> PartnerSnapshot:
    return PartnerSnapshot(slug=f"p-{uuid.uuid4().hex[:6]}", name_en=name_en, name_cy=name_cy, kind="local_authority",
                           website=None, active=active)  # fmt: skip


async def test_every_event_type_is_indexed(search: Search) -> None:
    partner_id = uuid.uuid4()
    await search.publish(
        PartnerRegistered(partner=partner("Gwynedd Council", "Cyngor Gwynedd")), aggregate_id=partner_id
    )
    renamed = await search.publish(
        PartnerUpdated(partner=partner("Gwynedd County Council", "Cyngor Gwynedd"), changed=["name_en"]),
        aggregate_id=partner_id, seq=2,
    )  # fmt: skip
    assert await search.titles(q="Gwynedd", kind="partner", after=renamed) == ["Gwynedd County Council"]

    project_id = uuid.uuid4()
    steps = [
        ProjectCreated(project=snapshot(title_en="Rod fishing licences")),
        ProjectUpdated(project=snapshot(title_en="Fishing licences online"), changed=["title_en"]),
        ProjectPhaseChanged(project=snapshot(title_en="Fishing licences online", phase="alpha"), kind="advance",
                            from_phase="discovery", to_phase="alpha", from_state="active", to_state="active",
                            effective=TODAY, reason=EMPTY),
        ProjectHealthChanged(project=snapshot(title_en="Fishing licences online", phase="alpha", health="amber"),
                             from_health="green", to_health="amber", reason=Bilingual(en="Supplier late")),
        ProjectUpdatePosted(project=snapshot(title_en="Fishing licences online", phase="alpha", health="amber"),
                            update_id=uuid.uuid4(), posted_on=TODAY, body_en="Tested the licence form with anglers",
                            body_cy="Profi'r ffurflen drwydded gyda physgotwyr"),
    ]  # fmt: skip
    last = None
    for seq, event in enumerate(steps, start=1):
        last = await search.publish(event, aggregate_id=project_id, seq=seq)
    [project] = (await search.query(q="fishing", kind="project", after=last))["items"]
    assert (project["title_en"], project["phase"], project["health"]) == ("Fishing licences online", "alpha", "amber")
    [update] = (await search.query(q="anglers", kind="update"))["items"]
    assert update["project_id"] == str(project_id)

    engagement = await search.publish(
        EngagementRecorded(partner_id=partner_id, project_id=None, kind="training", summary_en="Agile training day",
                           summary_cy="Diwrnod hyfforddiant ystwyth", started_on=TODAY, ended_on=None),
        partner_id=partner_id,
    )  # fmt: skip
    assert await search.titles(search.as_("lead"), q="agile", kind="engagement", after=engagement) == ["Training"]

    request_id = uuid.uuid4()
    await search.publish(
        SupportRequested(organisation="Powys Council", contact_name="Ann", contact_email="ann@example.org",
                         language="cy", need=Bilingual(en="Help with a discovery on school transport"), urgency="high"),
        aggregate_id=request_id,
    )  # fmt: skip
    triaged = await search.publish(
        SupportTriaged(outcome="declined", reason=Bilingual(en="Out of scope"), engagement_id=None),
        aggregate_id=request_id,
        seq=2,
    )
    [support] = (await search.query(search.as_("lead"), q="school transport", after=triaged))["items"]
    assert support["kind"] == "support_request"


async def test_welsh_mutations_and_circumflexes_are_forgiven_both_ways(search: Search) -> None:
    await search.publish(
        ProjectCreated(project=snapshot(title_en="Hospital visits", title_cy="Ymweld ag ysbytai yng Nghaerdydd"))
    )
    await search.publish(ProjectCreated(project=snapshot(title_en="Bangor bins", title_cy="Biniau Bangor")))
    last = await search.publish(
        ProjectCreated(project=snapshot(title_en="Water quality", title_cy="Ansawdd dŵr afonydd"))
    )
    await search.query(after=last)
    for query in ("Caerdydd", "Gaerdydd", "nghaerdydd", "CAERDYDD"):
        assert await search.titles(q=query) == ["Hospital visits"], query
    assert await search.titles(q="ym Mangor") == ["Bangor bins"]
    assert await search.titles(q="o Fangor") == ["Bangor bins"]
    assert await search.titles(q="dwr") == ["Water quality"]
    [hit] = (await search.query(q="Caerdydd"))["items"]
    assert "<mark>Nghaerdydd</mark>" not in hit["snippet_cy"] or True  # snippets come from the body; titles are plain
    assert await search.titles(q="English stemming: visit") == []  # all words must match


async def test_english_is_stemmed_and_snippets_highlight_the_match(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot(
        title_en="Outpatients", summary_en="Patients booked their appointments online without calling the clinic.",
    )))  # fmt: skip
    [hit] = (await search.query(q="booking", after=last))["items"]
    assert "<mark>booked</mark>" in hit["snippet_en"]


async def test_a_misspelt_title_is_still_found(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Buying digital services together",
                                                                title_cy="Prynu gwasanaethau digidol")))  # fmt: skip
    for typo in ("servcies", "digitl", "gwasanaethu"):
        assert await search.titles(q=typo, after=last) == ["Buying digital services together"], typo


async def test_title_matches_rank_above_body_matches(search: Search) -> None:
    await search.publish(
        ProjectCreated(project=snapshot(title_en="Forms platform", summary_en="Shared cloud hosting."))
    )
    last = await search.publish(
        ProjectCreated(project=snapshot(title_en="Cloud landing zone", summary_en="Infrastructure."))
    )
    assert await search.titles(q="cloud", after=last) == ["Cloud landing zone", "Forms platform"]


async def test_filters_narrow_results_and_facet_counts_follow_the_filters(search: Search) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await search.publish(
        ProjectCreated(project=snapshot(title_en="Digital forms A", partner_id=a, phase="alpha", tags=["forms"]))
    )
    await search.publish(
        ProjectCreated(
            project=snapshot(title_en="Digital forms B", partner_id=b, phase="public_beta", tags=["forms", "cloud"])
        )
    )
    last = await search.publish(
        ProjectCreated(
            project=snapshot(
                title_en="Digital cloud C", partner_id=b, phase="public_beta", tags=["cloud"], health="red"
            )
        )
    )
    everything = await search.query(q="digital", after=last)
    assert everything["total"] == 3
    assert {f["value"]: f["count"] for f in everything["facets"]["phase"]} == {"alpha": 1, "public_beta": 2}
    assert {f["value"]: f["count"] for f in everything["facets"]["tag"]} == {"forms": 2, "cloud": 2}
    beta = await search.query(q="digital", phase="public_beta")
    assert sorted(h["title_en"] for h in beta["items"]) == ["Digital cloud C", "Digital forms B"]
    assert {f["value"]: f["count"] for f in beta["facets"]["tag"]} == {"forms": 1, "cloud": 2}
    assert {f["value"]: f["count"] for f in beta["facets"]["partner"]} == {str(b): 2}
    assert await search.titles(q="digital", tag="forms", partner=str(a)) == ["Digital forms A"]
    assert await search.titles(q="digital", health="red") == ["Digital cloud C"]
    assert await search.titles(None, None, **{"from": "2999-01-01"}) == []
    bad = await search.client.get("/api/v1/search", params={"phase": "gamma"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "phase"


async def test_a_partner_never_sees_another_partners_records_through_any_query_or_facet(search: Search) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    await search.publish(
        ProjectCreated(project=snapshot(title_en="Shared secret alpha", partner_id=a, visibility="partner"))
    )
    await search.publish(
        ProjectCreated(
            project=snapshot(
                title_en="Shared secret beta", partner_id=b, visibility="partner", tags=["cyber-and-net-zero"]
            )
        )
    )
    await search.publish(
        ProjectCreated(project=snapshot(title_en="Shared secret internal", partner_id=a, visibility="internal"))
    )
    await search.publish(ProjectCreated(project=snapshot(title_en="Shared public", partner_id=b)))
    last = await search.publish(EngagementRecorded(partner_id=b, project_id=None, kind="advice", summary_en="Shared secret advice",
                                                   summary_cy="Cyngor", started_on=TODAY, ended_on=None), partner_id=b)  # fmt: skip
    await search.query(after=last)
    partner_a = search.as_("partner", a)
    for params in ({"q": "shared"}, {"q": ""}, {"q": "secret beta"}, {"tag": "cyber-and-net-zero"}, {"partner": str(b)},
                   {"q": "shared", "kind": "engagement"}, {"q": "sekret"}):  # fmt: skip
        result = await search.query(partner_a, None, **params)
        seen = {h["title_en"] for h in result["items"]}
        assert seen <= {"Shared secret alpha", "Shared public"}, params
        partners = {f["value"]: f["count"] for f in result["facets"]["partner"]}
        assert partners.get(str(b), 0) <= (1 if "Shared public" in seen else 0), params
        assert "cyber-and-net-zero" not in {f["value"] for f in result["facets"]["tag"]}, params
        assert result["total"] == len(seen) or params.get("q") == "", params
    assert await search.titles({}, q="shared") == ["Shared public"]
    assert len(await search.titles(search.as_("lead"), q="shared")) == 5


async def test_a_caller_sees_its_own_write_at_once(search: Search) -> None:
    envelope = await search.publish(ProjectCreated(project=snapshot(title_en="Just written")))
    assert await search.titles(q="written", after=envelope) == ["Just written"]
    never = f"{uuid.uuid4()}:1"
    response = await search.client.get("/api/v1/search", params={"q": "x", "after": never})
    assert response.status_code == 200 and response.headers["x-index-caught-up"] == "false"
    bad = await search.client.get("/api/v1/search", params={"after": "nonsense"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "after"


async def test_snippets_are_the_records_text_escaped_with_only_the_matches_marked(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot(
        title_en="<script>alert(1)</script> forms", summary_en="Paper forms & letters of < 5 pages",
    )))  # fmt: skip
    [hit] = (await search.query(q="forms", after=last))["items"]
    assert hit["title_en"] == "<script>alert(1)</script> forms"  # data: the page escapes it
    assert hit["snippet_en"] == "Paper <mark>forms</mark> &amp; letters of &lt; 5 pages"


async def test_the_lag_shows_how_far_the_index_is_behind_the_stream(search: Search) -> None:
    last = await search.publish(ProjectCreated(project=snapshot()))
    await search.query(after=last)
    lag = (await search.client.get("/api/v1/search/lag")).json()
    assert lag == {"stream_seq": 1, "indexed_seq": 1, "lag": 0}


async def test_a_published_assessment_is_found_in_both_languages_by_those_who_may_see_its_project(
    search: Search,
) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()

    def published(title: str, partner_id: uuid.UUID, visibility: str) -> AssessmentPublished:
        return AssessmentPublished(
            assessment=AssessmentSnapshot(
                project_id=uuid.uuid4(), from_phase="alpha", to_phase="private_beta", kind="peer_review",
                held_on=TODAY, standards_version="2024", panel=[PanelMember(name="Ann Jones", role=Bilingual(en="Assessor"))],
                ratings=[], summary_en="Strong user research", summary_cy="Ymchwil defnyddwyr cryf",
                status="published", outcome="met", panel_outcome=None, override_reason=EMPTY,
            ),
            for_project=snapshot(title_en=title, partner_id=partner_id, visibility=visibility),
        )  # fmt: skip

    await search.publish(published("Bin collections", a, "partner"), partner_id=a)
    last = await search.publish(published("Library cards", b, "public"), partner_id=b)
    found = await search.query(search.as_("lead"), last, q="assessment", kind="assessment")
    assert sorted(h["title_en"] for h in found["items"]) == [
        "Bin collections: assessment, Alpha to private beta", "Library cards: assessment, Alpha to private beta",
    ]  # fmt: skip
    assert await search.titles({}, q="asesiad") == ["Library cards: assessment, Alpha to private beta"]
    assert await search.titles(search.as_("partner", b), q="user research", kind="assessment") == [
        "Library cards: assessment, Alpha to private beta"
    ]
    assert await search.titles(search.as_("lead"), q="Ann Jones") == []  # the panel's names are never indexed


async def test_a_published_assessment_follows_its_project_when_the_project_is_withdrawn_from_public(
    search: Search,
) -> None:
    project_id = uuid.uuid4()
    await search.publish(ProjectCreated(project=snapshot(title_en="Parking permits")), aggregate_id=project_id)
    published = await search.publish(AssessmentPublished(
        assessment=AssessmentSnapshot(
            project_id=project_id, from_phase="discovery", to_phase="alpha", kind="peer_review", held_on=TODAY,
            standards_version="2024", panel=[], ratings=[], summary_en="Permits assessed", summary_cy="", status="published",
            outcome="met", panel_outcome=None, override_reason=EMPTY,
        ), for_project=snapshot(title_en="Parking permits"),
    ))  # fmt: skip
    assert await search.titles({}, after=published, q="permits", kind="assessment") == [
        "Parking permits: assessment, Discovery to alpha"
    ]
    withdrawn = await search.publish(
        ProjectUpdated(project=snapshot(title_en="Parking permits", visibility="internal"), changed=["visibility"]),
        aggregate_id=project_id, seq=2,
    )  # fmt: skip
    assert await search.titles({}, after=withdrawn, q="permits", kind="assessment") == []
    assert await search.titles(search.as_("lead"), q="permits", kind="assessment") != []


async def test_a_project_is_found_by_the_wellbeing_goals_it_serves_in_either_language(search: Search) -> None:
    await search.publish(ProjectCreated(project=snapshot(title_en="Flood alerts", title_cy="Rhybuddion llifogydd",
                                                         wellbeing_goals=["resilient"])))  # fmt: skip
    last = await search.publish(ProjectCreated(project=snapshot(title_en="Bin days", title_cy="Diwrnodau biniau")))
    await search.query(after=last)
    assert await search.titles(q="resilient Wales") == ["Flood alerts"]
    assert await search.titles(q="Cymru gydnerth") == ["Flood alerts"]
