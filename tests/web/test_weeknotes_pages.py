"""Weeknotes on the web: the list, a weeknote in Welsh, the Atom feed and the Markdown export."""

from __future__ import annotations

import datetime as dt

import asyncpg
import feedparser
import httpx

from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import iso_label, week_of
from shared.db import init_connection
from tests.helpers import auth, eventually
from tests.stack import Stack


async def test_a_visitor_reads_a_published_weeknote_in_welsh_with_a_feed_and_markdown(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        created = await client.post(f"{stack.urls['portfolio']}/api/v1/projects", headers=auth(stack.settings),
                                    json={"slug": "weeknote-star", "title_en": "Weeknote star", "title_cy": "Seren yr wythnos"})  # fmt: skip
        assert created.status_code == 201
        conn = await asyncpg.connect(stack.settings.database_url, server_settings={"search_path": "notifier,public"})
        await init_connection(conn)
        try:

            async def recorded() -> bool:
                kept = await conn.fetchval(
                    "SELECT count(*) FROM week_events WHERE data->'project'->>'slug' = 'weeknote-star'"
                )
                return bool(kept == 1)

            await eventually(recorded)
            # This week's weeknote is the stack's scheduler's to publish once Friday 16:00 has passed, as
            # soon as any test has recorded an event: then it is out before this project exists. Next
            # week's is due a week later, never during a run: the event is told there, and published.
            week = week_of(dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)
            await conn.execute(
                "UPDATE week_events SET week = $1 WHERE data->'project'->>'slug' = 'weeknote-star'", week
            )
            assert await store.publish(conn, week, web_base=stack.urls["web"])  # what the scheduler does on Friday
        finally:
            await conn.close()
        label = iso_label(week)
        listing = await client.get(f"{stack.urls['web']}/weeknotes", params={"lang": "cy"})
        assert listing.status_code == 200 and f"/weeknotes/{label}" in listing.text
        page = await client.get(f"{stack.urls['web']}/weeknotes/{label}", params={"lang": "cy"})
        assert page.status_code == 200
        assert (
            "Seren yr wythnos" in page.text
            and "Nodiadau wythnos" in page.text
            and "<script" not in page.text.split("</head>")[1]
        )
        project_link = f'href="{stack.urls["web"]}/projects/weeknote-star"'  # the heading links to its page
        assert project_link in page.text
        assert (await client.get(f"{stack.urls['web']}/projects/weeknote-star")).status_code == 200
        served = await client.get(f"{stack.urls['web']}/weeknotes/feed.atom", params={"lang": "cy"})
        assert served.headers["content-type"] == "application/atom+xml; charset=utf-8"
        feed = feedparser.parse(served.content)  # as a feed reader gets it: bytes, the charset from the header
        assert not feed.bozo and any(label in entry.link for entry in feed.entries)
        [entry] = [e for e in feed.entries if label in e.link]
        assert entry.content[0].type == "text/html"
        assert f'<a href="{stack.urls["web"]}/projects/weeknote-star">Seren yr wythnos</a>' in entry.content[0].value
        markdown = await client.get(f"{stack.urls['web']}/weeknotes/{label}.md", params={"lang": "en"})
        assert markdown.status_code == 200 and markdown.text.startswith("# Weeknotes: week beginning")
        assert "Weeknote star" in markdown.text
        missing = await client.get(f"{stack.urls['web']}/weeknotes/2020-W01")
        assert missing.status_code == 404
