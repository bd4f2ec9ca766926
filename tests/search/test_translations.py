"""A text translated on the Missing translations page is found by the words of its new language, as
the stream brings the translation: an update's body, a support request's need (translated, or moved
to the language staff say it is in)."""

from __future__ import annotations

import datetime as dt
import uuid

from shared.bilingual import Bilingual
from shared.events import (
    ProjectCreated,
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
