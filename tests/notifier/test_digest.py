"""Daily and weekly followers get one digest a day or a week instead of an email per event."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from typing import Any

from services.notifier.digest import make_digests, run_daily_digests
from services.notifier.weeknotes.calendar import daily_moment
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


async def test_weekly_digests_go_out_when_the_weeknote_is_published(start: Any) -> None:
    from services.notifier.digest import digests_with_weeknote
    from services.notifier.weeknotes.calendar import Schedule, publish_at, week_of
    from services.notifier.weeknotes.scheduler import publish_due

    # No weeknotes job here: the test publishes the week itself, at the moments it chooses.
    async with start(jobs=("consumer", "sender")) as notifier:
        await notifier.follow("friday@example.org", rhythm="weekly", language="cy")
        await notifier.publish(
            ProjectCreated(project=snapshot(title_en="Friday project", title_cy="Prosiect dydd Gwener"))
        )
        await notifier.applied()
        week = week_of(dt.datetime.now(dt.UTC))
        moment = publish_at(week, Schedule())
        # Run after Friday 16:00, the item would belong to next week's digest: it is told as if it had
        # come in before this week's weeknote (as it does on any other day).
        await notifier.pool.execute(
            "UPDATE digest_items SET created_at = least(created_at, $1)", moment - dt.timedelta(minutes=2)
        )
        on_published = digests_with_weeknote(notifier.pool, Schedule())
        before = moment - dt.timedelta(minutes=1)
        assert await publish_due(notifier.pool, Schedule(), before, on_published, web_base=SITE) == []
        assert notifier.smtp.to("friday@example.org") == []
        assert await publish_due(notifier.pool, Schedule(), moment, on_published, web_base=SITE) == [week]
        digest = await eventually(lambda: first(notifier.smtp.to("friday@example.org")))
        assert "Prosiect dydd Gwener" in digest.text()
        label = f"{week.isocalendar()[0]}-W{week.isocalendar()[1]:02d}"  # it links to the weeknote it goes out with
        assert f"Nodiadau'r wythnos hon: http://web.test/weeknotes/{label}?lang=cy" in digest.text()


async def test_a_daily_follower_gets_one_digest_of_the_day_and_nothing_on_a_quiet_day(start: Any) -> None:
    # No daily-digests job here: the test makes the day's digests itself, at a moment it chooses.
    async with start(jobs=("consumer", "sender")) as notifier:
        await notifier.subscribe_and_confirm("daily@example.org", rhythm="daily", language="en")
        assert "once a day" in notifier.smtp.to("daily@example.org")[0].text()
        await notifier.follow("weekly@example.org", rhythm="weekly", language="en")
        for title in ("Morning project", "Evening project"):
            await notifier.publish(ProjectCreated(project=snapshot(title_en=title)))
        await notifier.applied()
        await notifier.settled()
        assert len(notifier.smtp.to("daily@example.org")) == 1  # the confirmation only

        tomorrow = daily_moment(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), hour=8)
        assert await make_digests(notifier.pool, tomorrow, "daily") == 1  # the weekly follower waits for Friday
        assert await make_digests(notifier.pool, tomorrow + dt.timedelta(days=1), "daily") == 0  # a quiet day
        digest = await eventually(lambda: first(notifier.smtp.to("daily@example.org")[1:]))
        assert str(digest.message["Subject"]) == "Your daily CDPS digest: the whole CDPS portfolio"
        assert "New project: Morning project" in digest.text() and "New project: Evening project" in digest.text()
        assert await make_digests(notifier.pool, tomorrow + dt.timedelta(days=7)) == 1  # the weekly one, still whole
        await notifier.settled()
        assert len(notifier.smtp.to("daily@example.org")) == 2 and len(notifier.smtp.to("weekly@example.org")) == 1


async def test_replicas_making_the_same_daily_digests_at_once_send_each_once(start: Any) -> None:
    async with start(jobs=("consumer",)) as one, start(jobs=()) as two:
        for n in range(5):
            await one.follow(f"reader-{n}@example.org", rhythm="daily", language="cy")
        await one.publish(ProjectCreated(project=snapshot(title_cy="Prosiect y dydd")))
        await one.applied()
        moment = daily_moment(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), hour=8)
        made = await asyncio.gather(*(make_digests(n.pool, moment, "daily") for n in (one, two, one, two)))
        assert sum(made) == 5
        rows = await one.pool.fetch("SELECT recipient FROM deliveries WHERE template = 'daily_digest'")
        assert sorted(r["recipient"] for r in rows) == [f"reader-{n}@example.org" for n in range(5)]


async def run_daily_job_once(pool: Any, hour: int, instant: dt.datetime) -> None:
    """The daily-digests job with its clock stopped at ``instant``, until one whole run is over."""
    stop, asked = asyncio.Event(), []

    def clock() -> dt.datetime:
        asked.append(instant)
        return instant

    async def ran_once() -> bool:
        return len(asked) >= 2  # the clock read again: the first run is over

    job = asyncio.create_task(run_daily_digests(pool, stop, hour=hour, clock=clock, every=0.01))
    await eventually(ran_once)
    stop.set()
    await job


async def test_the_daily_job_sends_at_the_installations_hour_and_only_then(start: Any) -> None:
    async with start(jobs=("consumer", "sender")) as notifier:
        await notifier.follow("early@example.org", rhythm="daily", language="en")
        await notifier.publish(ProjectCreated(project=snapshot(title_en="Dawn project")))
        await notifier.applied()
        hour = 7
        # The next 07:00 in London after today's (or yesterday's) one: what happened now is in its digest.
        following = daily_moment(daily_moment(dt.datetime.now(dt.UTC), hour) + dt.timedelta(hours=25), hour)
        for instant, sent in ((following - dt.timedelta(minutes=1), 0), (following, 1)):
            await run_daily_job_once(notifier.pool, hour, instant)
            rows = await notifier.deliveries(template="daily_digest")
            assert len(rows) == sent, instant
        await eventually(lambda: first(notifier.smtp.to("early@example.org")))


def test_the_daily_moment_is_the_hour_in_london_whatever_the_season() -> None:
    summer, winter = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    assert daily_moment(summer, 8) == dt.datetime(2026, 7, 1, 7, tzinfo=dt.UTC)  # 08:00 BST
    assert daily_moment(winter, 8) == dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)  # 08:00 GMT
    assert daily_moment(winter, 13) == dt.datetime(2026, 11, 30, 13, tzinfo=dt.UTC)  # not yet today: yesterday's
    # The days the clocks change: still one moment a day, 23 or 25 hours apart.
    spring = [daily_moment(dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC), 8) for day in (28, 29, 30)]
    assert [b - a for a, b in itertools.pairwise(spring)] == [dt.timedelta(hours=23), dt.timedelta(hours=24)]
    autumn = [daily_moment(dt.datetime(2026, 10, day, 12, tzinfo=dt.UTC), 8) for day in (24, 25, 26)]
    assert [b - a for a, b in itertools.pairwise(autumn)] == [dt.timedelta(hours=25), dt.timedelta(hours=24)]
    # 01:00 does not exist in London on 29 March 2026: the digest goes when the clocks jump, at 01:00 UTC.
    assert daily_moment(dt.datetime(2026, 3, 29, 12, tzinfo=dt.UTC), 1) == dt.datetime(2026, 3, 29, 1, tzinfo=dt.UTC)
