"""Weekly followers get one digest a week instead of an email per event."""

from __future__ import annotations

import datetime as dt

from services.notifier.digest import make_digests
from shared.events import ProjectCreated
from tests.helpers import SITE, eventually, snapshot
from tests.notifier.conftest import Notifier, first


async def test_a_weekly_follower_gets_one_digest_with_each_event_and_only_once(notifier: Notifier) -> None:
    await notifier.follow("weekly@example.org", rhythm="weekly", language="en")
    await notifier.follow("daily@example.org")
    for title in ("First project", "Second project"):
        await notifier.publish(ProjectCreated(project=snapshot(title_en=title)))
    await notifier.applied()
    await notifier.settled()
    assert notifier.smtp.to("weekly@example.org") == [] and len(notifier.smtp.to("daily@example.org")) == 2

    next_week = dt.datetime.now(dt.UTC) + dt.timedelta(days=8)
    assert await make_digests(notifier.pool, next_week) == 1
    assert await make_digests(notifier.pool, next_week) == 0  # a restart, or another replica
    digest = await eventually(lambda: first(notifier.smtp.to("weekly@example.org")))
    assert str(digest.message["Subject"]) == "Your weekly CDPS digest: the whole CDPS portfolio"
    text = digest.text()
    assert "New project: First project" in text and "New project: Second project" in text
    assert "List-Unsubscribe" in digest.message
    await notifier.settled()
    assert len(notifier.smtp.to("weekly@example.org")) == 1


async def test_weekly_digests_go_out_when_the_weeknote_is_published(notifier: Notifier) -> None:
    from services.notifier.digest import digests_with_weeknote
    from services.notifier.weeknotes.calendar import Schedule, publish_at, week_of
    from services.notifier.weeknotes.scheduler import publish_due

    await notifier.follow("friday@example.org", rhythm="weekly", language="cy")
    await notifier.publish(ProjectCreated(project=snapshot(title_en="Friday project", title_cy="Prosiect dydd Gwener")))
    await notifier.applied()
    week = week_of(dt.datetime.now(dt.UTC))
    on_published = digests_with_weeknote(notifier.pool, Schedule())
    before = publish_at(week, Schedule()) - dt.timedelta(minutes=1)
    assert await publish_due(notifier.pool, Schedule(), before, on_published, web_base=SITE) == []
    assert notifier.smtp.to("friday@example.org") == []
    assert await publish_due(notifier.pool, Schedule(), publish_at(week, Schedule()), on_published, web_base=SITE) == [week]
    digest = await eventually(lambda: first(notifier.smtp.to("friday@example.org")))
    assert "Prosiect dydd Gwener" in digest.text()
