"""Staff edit the week's weeknote draft through the API: If-Match names the version they read, so
nobody's edit is overwritten, and a malformed If-Match is a clear error, never a 500. The draft
and the published weeknote hold only what is public as they are composed."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable
from xml.etree import ElementTree

import pytest

from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import week_of
from shared.events import ProjectCreated, ProjectUpdated, ProjectUpdatePosted
from tests.helpers import SITE, snapshot
from tests.notifier.conftest import Notifier

DRAFT = "/api/v1/weeknotes/draft/current"


async def test_an_edit_names_the_version_it_read_and_a_stale_one_is_refused(sending: Notifier) -> None:
    staff = sending.as_("lead")
    draft = await sending.client.get(DRAFT, headers=staff)
    assert draft.status_code == 200
    label, etag = draft.json()["week"], draft.headers["ETag"]
    edit = {"intro_en": "A busy week.", "intro_cy": "Wythnos brysur."}
    edited = await sending.client.patch(
        f"/api/v1/weeknotes/draft/{label}", json=edit, headers={**staff, "If-Match": etag}
    )
    assert edited.status_code == 200 and edited.json()["intro_cy"] == "Wythnos brysur."
    assert edited.json()["version"] == draft.json()["version"] + 1
    again = await sending.client.patch(
        f"/api/v1/weeknotes/draft/{label}", json=edit, headers={**staff, "If-Match": etag}
    )
    assert again.status_code == 412
    missing = await sending.client.patch(f"/api/v1/weeknotes/draft/{label}", json=edit, headers=staff)
    assert missing.status_code == 428 and missing.json()["message_cy"]


@pytest.mark.parametrize("if_match", ['"' + "9" * 5000 + '"', '"99999999999"', '"2147483648"', "W/", '"-1"'])
async def test_an_if_match_that_is_not_one_of_our_etags_is_a_bilingual_error_naming_it(
    sending: Notifier, if_match: str
) -> None:
    staff = sending.as_("lead")
    label = (await sending.client.get(DRAFT, headers=staff)).json()["week"]
    answer = await sending.client.patch(
        f"/api/v1/weeknotes/draft/{label}", json={"intro_en": "x"}, headers={**staff, "If-Match": if_match}
    )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["errors"]
    assert error["field"] == "If-Match" and error["message_en"] != error["message_cy"]


async def test_a_project_withdrawn_from_public_leaves_the_draft_at_once_and_is_not_published(
    start: Callable[..., contextlib.AbstractAsyncContextManager[Notifier]],
) -> None:
    async with start(jobs=("consumer",)) as notifier:  # no scheduler: this test publishes the week itself
        await withdrawn_project_is_left_out(notifier)


async def withdrawn_project_is_left_out(notifier: Notifier) -> None:
    project, kept = uuid.uuid4(), uuid.uuid4()
    await notifier.publish(ProjectCreated(project=snapshot(title_en="Withdrawn project")), aggregate_id=project)
    await notifier.publish(ProjectUpdatePosted(project=snapshot(title_en="Withdrawn project"), update_id=uuid.uuid4(),
                                               posted_on=dt.date.today(), body_en="Soon to be secret", body_cy=""),
                           aggregate_id=project, seq=2)  # fmt: skip
    await notifier.publish(ProjectCreated(project=snapshot(title_en="Still public")), aggregate_id=kept)
    await notifier.applied()
    staff = notifier.as_("lead")
    assert "Withdrawn project" in (await notifier.client.get(DRAFT, headers=staff)).json()["content_en"]

    internal = snapshot(title_en="Withdrawn project", visibility="internal")
    await notifier.publish(ProjectUpdated(project=internal, changed=["visibility"]), aggregate_id=project, seq=3)
    await notifier.applied()
    draft = (await notifier.client.get(DRAFT, headers=staff)).json()
    assert "Withdrawn project" not in draft["content_en"] and "Soon to be secret" not in draft["content_en"]
    assert "Still public" in draft["content_en"]

    async with notifier.pool.acquire() as conn:
        assert await store.publish(conn, week_of(dt.datetime.now(dt.UTC)), web_base=SITE)
    label = draft["week"]
    for path in (f"/api/v1/weeknotes/{label}/markdown?lang=en", "/api/v1/weeknotes/feed.atom?lang=en",
                 f"/api/v1/weeknotes/{label}"):  # fmt: skip
        published = await notifier.client.get(path)
        assert published.status_code == 200 and "Still public" in published.text
        assert "Withdrawn project" not in published.text and "Soon to be secret" not in published.text


async def test_a_control_character_stored_before_it_was_refused_leaves_the_atom_feed_valid_xml(
    start: Callable[..., contextlib.AbstractAsyncContextManager[Notifier]],
) -> None:
    async with start(jobs=("consumer",)) as notifier:
        await notifier.publish(ProjectCreated(project=snapshot(title_en="Bell\x07 project", title_cy="Cloch\x1b")),
                               aggregate_id=uuid.uuid4())  # fmt: skip
        await notifier.applied()
        async with notifier.pool.acquire() as conn:
            assert await store.publish(conn, week_of(dt.datetime.now(dt.UTC)), web_base=SITE)
        for lang in ("en", "cy"):
            feed = await notifier.client.get("/api/v1/weeknotes/feed.atom", params={"lang": lang})
            root = ElementTree.fromstring(feed.content)  # a strict XML parser: one U+0007 and it fails
            assert root.tag == "{http://www.w3.org/2005/Atom}feed"
            assert ("Bell project" if lang == "en" else "Cloch") in feed.text
