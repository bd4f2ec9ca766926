"""A text translated on the Missing translations page is found by the words of its new language, as
the stream brings the translation: an update's body, a support request's need (translated, or moved
to the language staff say it is in), a published assessment's summary, a phase change's reason to
pass a gate."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    AssessmentPublished,
    AssessmentSnapshot,
    AssessmentTranslated,
    ProjectCreated,
    ProjectGateReasonTranslated,
    ProjectPhaseChanged,
    ProjectUpdatePosted,
    ProjectUpdateTranslated,
    SupportNeedCorrected,
    SupportRequested,
    SupportTranslated,
    SupportTriaged,
)
from tests.helpers import snapshot
from tests.search.conftest import Search

TODAY = dt.date(2026, 11, 20)


async def test_an_update_translated_into_welsh_is_found_by_its_welsh_words(search: Search) -> None:
    project_id, update_id = uuid.uuid4(), uuid.uuid4()
    project = snapshot(title_en="Fishing licences", title_cy="Trwyddedau pysgota")
    await search.publish(ProjectCreated(project=project), aggregate_id=project_id)
    posted = await search.publish(
        ProjectUpdatePosted(project=project, update_id=update_id, posted_on=TODAY,
                            body_en="Tested the licence form with anglers", body_cy=""),
        aggregate_id=project_id, seq=2,
    )  # fmt: skip
    assert await search.titles(q="pysgotwyr", kind="update", after=posted) == []
    translated = await search.publish(
        ProjectUpdateTranslated(project=project, update_id=update_id, lang="cy",
                                body_en="Tested the licence form with anglers",
                                body_cy="Profi'r ffurflen drwydded gyda physgotwyr"),
        aggregate_id=project_id, seq=3,
    )  # fmt: skip
    for words in ("pysgotwyr", "physgotwyr", "ffurflen drwydded"):  # the radical and the mutated forms
        [hit] = (await search.query(q=words, kind="update", after=translated))["items"]
        assert hit["id"] == str(update_id), words
    [hit] = (await search.query(q="anglers", kind="update"))["items"]  # the English it had is still found
    assert hit["id"] == str(update_id)


async def test_a_support_need_translated_or_moved_into_welsh_is_found_by_its_welsh_words(search: Search) -> None:
    staff = search.as_("lead")
    request_id = uuid.uuid4()
    await search.publish(
        SupportRequested(organisation="Cyngor Powys", contact_name="Ann", contact_email="ann@example.org",
                         language="cy", need=Bilingual(en="Help with school transport"), urgency="high"),
        aggregate_id=request_id,
    )  # fmt: skip
    triaged = await search.publish(
        SupportTriaged(outcome="declined", reason=Bilingual(cy="Y tu hwnt i'n gwaith"), engagement_id=None),
        aggregate_id=request_id, seq=2,
    )  # fmt: skip
    assert await search.titles(staff, q="ysgol", after=triaged) == []
    translated = await search.publish(
        SupportTranslated(field="need", lang="cy", need=Bilingual(en="Help with school transport",
                          cy="Help gyda chludiant i'r ysgol"), reason=Bilingual(cy="Y tu hwnt i'n gwaith")),
        aggregate_id=request_id, seq=3,
    )  # fmt: skip
    [hit] = (await search.query(staff, q="cludiant ysgol", after=translated))["items"]
    assert (hit["id"], hit["kind"]) == (str(request_id), "support_request")
    assert await search.titles(q="cludiant ysgol") == []  # still staff only

    moved_id = uuid.uuid4()
    await search.publish(
        SupportRequested(organisation="Cyngor Ceredigion", contact_name="Ann", contact_email="ann@example.org",
                         language="cy", need=Bilingual(en="Hoffem help gyda thrafnidiaeth gymunedol"), urgency="low"),
        aggregate_id=moved_id,
    )  # fmt: skip
    corrected = await search.publish(
        SupportNeedCorrected(need=Bilingual(cy="Hoffem help gyda thrafnidiaeth gymunedol")),
        aggregate_id=moved_id,
        seq=2,
    )
    [hit] = (await search.query(staff, q="trafnidiaeth gymunedol", after=corrected))[
        "items"
    ]  # radical forms: Welsh analysis
    assert hit["id"] == str(moved_id) and hit["title_en"] == "Cyngor Ceredigion"


async def test_a_published_assessments_summary_translated_into_welsh_is_found_by_its_welsh_words(
    search: Search,
) -> None:  # fmt: skip
    assessment_id, project = uuid.uuid4(), snapshot(title_en="Parking permits", title_cy="Trwyddedau parcio")
    assessed = AssessmentSnapshot(
        project_id=uuid.uuid4(), from_phase="alpha", to_phase="private_beta", kind="peer_review", held_on=TODAY,
        standards_version="2024", panel=[], ratings=[], summary_en="The team showed how people apply for a badge",
        summary_cy="", status="published", outcome="met", panel_outcome=None, override_reason=EMPTY,
    )  # fmt: skip
    published = await search.publish(AssessmentPublished(assessment=assessed, for_project=project),
                                     aggregate_id=assessment_id)  # fmt: skip
    assert await search.titles(q="bathodyn", kind="assessment", after=published) == []
    welsh = msgspec.structs.replace(assessed, summary_cy="Dangosodd y tîm sut mae pobl yn gwneud cais am fathodyn")
    translated = await search.publish(
        AssessmentTranslated(assessment=welsh, for_project=project, field="summary", part=None, lang="cy"),
        aggregate_id=assessment_id, seq=2,
    )  # fmt: skip
    for words in ("bathodyn", "fathodyn", "gwneud cais"):  # the radical and the mutated form
        [hit] = (await search.query(q=words, kind="assessment", after=translated))["items"]
        assert hit["id"] == str(assessment_id), words

    # A draft is not in the index, translated or not.
    draft_id = uuid.uuid4()
    draft = msgspec.structs.replace(welsh, status="draft", outcome=None, summary_cy="Ymwelodd y panel â'r llyfrgell")
    drafted = await search.publish(
        AssessmentTranslated(assessment=draft, for_project=project, field="summary", part=None, lang="cy"),
        aggregate_id=draft_id,
    )  # fmt: skip
    assert await search.titles(search.as_("lead"), q="llyfrgell", after=drafted) == []


async def test_a_gate_reason_translated_into_welsh_is_found_by_its_welsh_words_for_its_history_readers(
    search: Search,
) -> None:  # fmt: skip
    project_id, staff = uuid.uuid4(), search.as_("lead")
    project = snapshot(title_en="Coastal paths", phase="private_beta")
    await search.publish(ProjectCreated(project=project), aggregate_id=project_id)
    advanced = await search.publish(ProjectPhaseChanged(
        project=project, kind="advance", from_phase="alpha", to_phase="private_beta", from_state="active",
        to_state="active", effective=TODAY, reason=EMPTY, gate="overridden",
        gate_override_reason=Bilingual(en="Walkers need the new signs before winter"),
    ), aggregate_id=project_id, seq=2)  # fmt: skip
    [hit] = (await search.query(staff, q="signs winter", after=advanced))["items"]
    assert (hit["kind"], hit["title_en"]) == ("phase_change", "Coastal paths")
    assert await search.titles(staff, q="gaeaf") == []
    translated = await search.publish(ProjectGateReasonTranslated(
        project=project, phase_change_id=advanced.id, phase_change_seq=2, lang="cy",
        gate_override_reason=Bilingual(en="Walkers need the new signs before winter",
                                       cy="Mae angen yr arwyddion newydd ar gerddwyr cyn y gaeaf"),
    ), aggregate_id=project_id, seq=3)  # fmt: skip
    for words in ("gaeaf", "arwyddion newydd", "cerddwyr"):
        [hit] = (await search.query(staff, q=words, after=translated))["items"]
        assert (hit["kind"], hit["title_en"]) == ("phase_change", "Coastal paths"), words
    assert await search.titles(q="gaeaf") == []  # read in the project's history: not by the public
