"""Weeknotes are published exactly once per week, on schedule, and a missed week is caught up."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import feedparser
import msgspec
import pytest

from services.notifier import store as notifier_store
from services.notifier.app import MIGRATIONS
from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import Schedule
from services.notifier.weeknotes.compose import WeekEvent, summary
from services.notifier.weeknotes.render import atom
from services.notifier.weeknotes.scheduler import publish_due
from shared.events import Envelope, ProjectSnapshot
from shared.service import Runtime, start_runtime, stop_runtime
from shared.settings import Settings
from tests.helpers import SITE, project_created
from tests.weeknotes.events import CLOUD, FORMS, WEEK, measure_event, week_events


def as_envelope(event: WeekEvent) -> Envelope:
    return msgspec.structs.replace(
        project_created(event.aggregate_id),
        id=event.id,
        type=event.type,
        occurred_at=event.occurred_at,
        data=event.data,
    )


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = await start_runtime("notifier", settings, MIGRATIONS)
    async with runtime.pool.acquire() as conn:
        for event in week_events():
            if "project" in event.data:  # as the consumer does: the project's snapshot, then the event
                await notifier_store.keep_project(
                    conn, event.aggregate_id, 1, msgspec.convert(event.data["project"], ProjectSnapshot)
                )
            await store.record(conn, as_envelope(event))
    yield runtime
    await stop_runtime(runtime, [])


FRIDAY_BEFORE = dt.datetime(2026, 3, 27, 15, 59, tzinfo=dt.UTC)  # 15:59 GMT: a minute early
FRIDAY_AFTER = dt.datetime(2026, 3, 27, 16, 0, tzinfo=dt.UTC)


async def test_nothing_is_published_before_friday_at_four_and_the_week_is_published_then(runtime: Runtime) -> None:
    assert await publish_due(runtime.pool, Schedule(), FRIDAY_BEFORE, web_base=SITE) == []
    assert await publish_due(runtime.pool, Schedule(), FRIDAY_AFTER, web_base=SITE) == [WEEK]
    async with runtime.pool.acquire() as conn:
        [note] = await store.list_published(conn)
        events = await conn.fetch("SELECT * FROM events WHERE type = 'weeknotes.published'")
    assert note.week == WEEK and "Cloud landing zone" in note.content_en and "Parth glanio" in note.content_cy
    assert len(events) == 1


async def test_two_publishers_racing_publish_the_week_exactly_once(runtime: Runtime) -> None:
    results = await asyncio.gather(
        *(publish_due(runtime.pool, Schedule(), FRIDAY_AFTER, web_base=SITE) for _ in range(4))
    )
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events WHERE type = 'weeknotes.published'") == 1


async def test_weeks_missed_while_everything_was_down_are_published_when_it_comes_back(runtime: Runtime) -> None:
    three_weeks_later = FRIDAY_AFTER + dt.timedelta(days=21)
    async with runtime.pool.acquire() as conn:
        late = msgspec.structs.replace(
            project_created(uuid.uuid4()), occurred_at=dt.datetime(2026, 4, 8, 9, tzinfo=dt.UTC)
        )
        await store.record(conn, late)
    published = await publish_due(runtime.pool, Schedule(), three_weeks_later, web_base=SITE)
    assert published == [WEEK, WEEK + dt.timedelta(days=7), WEEK + dt.timedelta(days=14), WEEK + dt.timedelta(days=21)]
    assert await publish_due(runtime.pool, Schedule(), three_weeks_later, web_base=SITE) == []


async def test_staff_edit_the_intro_and_hide_an_item_before_publication_and_not_after(runtime: Runtime) -> None:
    hidden = week_events()[1].id
    async with runtime.pool.acquire() as conn:
        draft = await store.draft(conn, WEEK)
        edited = await store.edit_draft(conn, WEEK, draft.version, intro_en="Hello.", intro_cy="Helo.", hidden=[hidden])
        assert edited is not None and edited.version == draft.version + 1
        assert await store.edit_draft(conn, WEEK, draft.version, intro_en="x", intro_cy="x", hidden=[]) is None  # stale
        assert await store.publish(conn, WEEK, web_base=SITE)
        note = await store.get_published(conn, WEEK)
        assert note is not None and note.content_cy.count("Helo.") == 1
        assert "Passed the discovery peer review" not in note.content_en
        assert await store.edit_draft(conn, WEEK, edited.version, intro_en="late", intro_cy="hwyr", hidden=[]) is None


def test_the_atom_feed_is_valid_for_a_feed_reader() -> None:
    published = dt.datetime(2026, 3, 27, 16, tzinfo=dt.UTC)
    content = "# Nodiadau <wythnos> & mwy\n\n### [Ffurflenni](https://portfolio.cdps.example/projects/forms)\n\n- “Da”"
    text = atom([(WEEK, published, content)], base_url="https://portfolio.cdps.example", lang="cy",
                updated=published)  # fmt: skip
    feed = feedparser.parse(text)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Nodiadau wythnos CDPS" and feed.feed.language == "cy"
    [entry] = feed.entries
    assert entry.title == "Nodiadau wythnos: wythnos yn dechrau 23 Mawrth 2026"
    assert entry.link == "https://portfolio.cdps.example/weeknotes/2026-W13?lang=cy"
    assert entry.content[0].type == "text/html"  # HTML rendered from the Markdown, escaped in the XML
    assert (
        entry.content[0].value
        == (
            "<h1>Nodiadau &lt;wythnos&gt; &amp; mwy</h1>\n"
            '<h3><a href="https://portfolio.cdps.example/projects/forms">Ffurflenni</a></h3>\n<ul>\n<li>“Da”</li>\n</ul>'  # feedparser trims the last newline
        )
    )


async def test_a_weeknote_held_for_its_welsh_is_published_once_its_texts_are_translated(runtime: Runtime) -> None:
    """CDPS_WELSH_BEFORE_PUBLISHING=required: the week's English-only update, health reason and
    phase-change reason hold it; a translator's translations (their events, in the batches the
    consumer records) reach the draft, and the next look publishes it."""
    assert await publish_due(runtime.pool, Schedule(), FRIDAY_AFTER, web_base=SITE, hold_for_welsh=True) == []
    async with runtime.pool.acquire() as conn:
        translated = msgspec.structs.replace(
            project_created(CLOUD), type="portfolio.project.update_translated", version=1,
            data={"project": {}, "update_id": str(uuid.UUID(int=8)), "lang": "cy",
                  "body_en": "Agreed the landing zone design.", "body_cy": "Cytunwyd ar gynllun y parth glanio."},
        )  # fmt: skip
        phase_reason = msgspec.structs.replace(
            project_created(FORMS), type="portfolio.project.phase_reason_translated", version=1,
            data={"project": {}, "phase_change_id": str(uuid.UUID(int=1002)), "phase_change_seq": 2, "lang": "cy",
                  "reason": {"en": "Passed the discovery peer review", "cy": "Wedi pasio'r adolygiad gan gymheiriaid"}},
        )  # fmt: skip
        await store.record_many(conn, [translated, phase_reason])
    assert await publish_due(runtime.pool, Schedule(), FRIDAY_AFTER, web_base=SITE, hold_for_welsh=True) == []
    async with runtime.pool.acquire() as conn:
        reason = {"en": "Waiting on network access", "cy": "Aros am fynediad i'r rhwydwaith"}
        await store.record_many(conn, [msgspec.structs.replace(
            project_created(CLOUD), type="portfolio.project.updated",
            data={"project": {"health_reason": reason}, "changed": ["health_reason"]},
        )])  # fmt: skip
    assert await publish_due(runtime.pool, Schedule(), FRIDAY_AFTER, web_base=SITE, hold_for_welsh=True) == [WEEK]
    async with runtime.pool.acquire() as conn:
        [note] = await store.list_published(conn)
    assert "Cytunwyd ar gynllun y parth glanio." in note.content_cy
    assert "Wedi pasio'r adolygiad gan gymheiriaid" in note.content_cy
    assert "Aros am fynediad i'r rhwydwaith" in note.content_cy and "yn unig" not in note.content_cy


async def test_a_published_measure_is_kept_for_the_weeknote_when_it_crossed_its_target_either_way(
    runtime: Runtime,
) -> None:
    """Reached or fell back, it is told; on the same side of its target, or not published, it is not."""
    measures = [measure_event(1, 86, "reached"), measure_event(2, 84, "fell_back", catalogue="completion_rate"),
                measure_event(3, 90, None, catalogue="digital_take_up"),
                measure_event(4, 80, "fell_back", catalogue="users_served", published=False)]  # fmt: skip
    async with runtime.pool.acquire() as conn:
        await store.record_many(conn, [as_envelope(m) for m in measures])
        _, note = await store.compose_week(conn, WEEK)
    [section] = [s for s in note.projects if s.project_id == FORMS]
    assert [i.text_en for i in section.items if i.kind.startswith("measure")] == [
        "‘User satisfaction’ reached its target: 86%.", "‘Completion rate’ fell below its target: 84%.",
    ]  # fmt: skip
    assert "1 measure fell back from its target" in summary(note, "en")
    assert "1 mesur wedi llithro'n ôl o'i darged" in summary(note, "cy")
