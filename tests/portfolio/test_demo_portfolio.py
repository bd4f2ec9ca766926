"""The demo portfolio: realistic, bilingual, every phase, a year of history, loaded once."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import asyncpg

from services.portfolio import assessment_texts
from services.portfolio.demo import seed_demo
from shared import db
from shared.language import detect


async def test_the_demo_portfolio_covers_every_phase_with_a_year_of_gapless_history(database_url: str) -> None:
    today = dt.date(2026, 11, 20)
    assert await seed_demo(database_url, today=today) == 40
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "portfolio"})
    await db.init_connection(conn)  # jsonb as the services read it
    try:
        assert await conn.fetchval("SELECT count(*) FROM partners") == 12
        contacts = await conn.fetch("SELECT language, project_emails FROM people WHERE kind = 'partner_contact'")
        assert len(contacts) >= 12 and {c["language"] for c in contacts} == {"cy", "en", "both"}
        assert any(not c["project_emails"] for c in contacts)
        assert await conn.fetchval("SELECT count(*) FROM projects") == 40
        phases = {r["phase"] for r in await conn.fetch("SELECT DISTINCT phase FROM projects")}
        assert phases == {"discovery", "alpha", "private_beta", "public_beta", "live", "retired"}
        assert await conn.fetchval("SELECT count(*) FROM projects WHERE state = 'stopped'") >= 1
        rows = await conn.fetch("SELECT outcome, count(*) FROM assessments WHERE status = 'published' GROUP BY outcome")
        outcomes = {r["outcome"]: r["count"] for r in rows}
        assert outcomes["met"] >= 10 and outcomes["not_met"] >= 2  # some gates met, some not (yet)
        gates = await conn.fetch("SELECT data ->> 'gate' AS gate FROM events WHERE type = 'portfolio.project.phase_changed' "
                                 "AND data ->> 'gate' IS NOT NULL")  # fmt: skip
        assert sorted({r["gate"] for r in gates}) == ["assessed", "overridden"]
        assert [r["gate"] for r in gates].count("overridden") == 1
        statuses = {r["status"] for r in await conn.fetch("SELECT status FROM assessments")}
        assert statuses == {"draft", "submitted", "published"}  # work under way at the gates, too
        actions = {r["state"]: r["count"] for r in await conn.fetch(
            "SELECT state, count(*) FROM assessment_actions GROUP BY state")}  # fmt: skip
        assert actions["open"] >= 5 and actions["done"] >= 1
        assert await conn.fetchval("SELECT count(*) FROM assessment_actions WHERE state = 'open' AND due_on < $1",
                                   today) >= 1  # some are overdue  # fmt: skip
        assert await conn.fetchval("SELECT count(*) FROM projects WHERE title_cy = '' OR summary_cy = ''") == 0
        reasons = await conn.fetch(
            "SELECT DISTINCT health_reason_en AS en, health_reason_cy AS cy FROM projects WHERE health <> 'green'"
        )
        # each language in its own field, none with both run together; most in both languages, some in
        # one only (their pages, in the other language, say so)
        assert all(detect(r["en"]) == "en" for r in reasons if r["en"]) and not any("/" in r["en"] for r in reasons)
        assert all(detect(r["cy"]) == "cy" for r in reasons if r["cy"]) and not any("/" in r["cy"] for r in reasons)
        written_in = Counter(("en" if r["en"] else "") + ("cy" if r["cy"] else "") for r in reasons)
        assert written_in["ency"] >= 2 and written_in["en"] >= 1 and written_in["cy"] >= 1 and written_in[""] == 0
        moves = await conn.fetch(
            "SELECT data -> 'reason' ->> 'en' AS en, data -> 'reason' ->> 'cy' AS cy, data -> 'gate_override_reason'"
            " ->> 'en' AS override_en, data -> 'gate_override_reason' ->> 'cy' AS override_cy FROM events "
            "WHERE type = 'portfolio.project.phase_changed'"
        )
        assert any(r["en"] and r["cy"] for r in moves)  # a stop's reason, in both languages
        assert any(r["override_en"] and not r["override_cy"] for r in moves)  # a lead's override, English only
        # Assessments and actions in both languages, but for a few texts in English only, which
        # Welsh pages show with their note and Missing translations lists.
        one_language = [(m.kind, m.field, m.missing) for m in await assessment_texts.missing(conn)]
        assert sorted(one_language) == [("assessment", "evidence", "cy"), ("assessment", "role", "cy"),
                                        ("assessment", "summary", "cy"), ("assessment", "summary", "cy")]  # fmt: skip
        unnamed = await conn.fetchval(  # every lead is a person with a name, so pages name them
            "SELECT count(*) FROM projects WHERE lead_id IS NULL OR lead_id NOT IN "
            "(SELECT id::text FROM people WHERE kind = 'lead')"
        )
        assert unnamed == 0 and await conn.fetchval("SELECT count(DISTINCT lead_id) FROM projects") == 4
        gaps = await conn.fetchval(
            """SELECT count(*) FROM (SELECT aggregate_id, max(aggregate_seq) AS top, count(*) AS n
                                     FROM events GROUP BY aggregate_id) s WHERE top <> n"""
        )
        assert gaps == 0
        span = await conn.fetchrow("SELECT min(occurred_at), max(occurred_at) FROM events")
        assert span is not None
        oldest, newest = span
        assert oldest.date() < today - dt.timedelta(days=300) and newest.date() <= today + dt.timedelta(days=1)
        project_events = await conn.fetchval(
            "SELECT count(*) FROM events WHERE type LIKE 'portfolio.project.%' AND occurred_at::date < $1", today
        )
        assert project_events > 150
        # Milestones for the roadmap: one reached per project, and upcoming gates, some overdue.
        assert await conn.fetchval("SELECT count(*) FROM milestones WHERE done") == 40
        assert await conn.fetchval("SELECT count(*) FROM milestones WHERE NOT done AND gate IS NOT NULL") >= 15
        assert await conn.fetchval("SELECT count(*) FROM milestones WHERE NOT done AND target_on < $1", today) >= 1
        goals = {r["goal"] for r in await conn.fetch("SELECT DISTINCT unnest(wellbeing_goals) AS goal FROM projects")}
        assert len(goals) == 7  # every wellbeing goal is served by some project
        assert await conn.fetchval("SELECT count(*) FROM projects WHERE wellbeing_goals = '{}'") == 0
        # A year of monthly measures for the services in beta and live, some published, some on target.
        measured = await conn.fetchval("SELECT count(DISTINCT project_id) FROM measures")
        assert measured >= 8 and await conn.fetchval("SELECT count(*) FROM measures WHERE published") >= 6
        assert (
            await conn.fetchval("SELECT min(n) FROM (SELECT count(*) AS n FROM measure_values GROUP BY measure_id) c")
            == 12
        )
        assert await conn.fetchval("SELECT count(*) FROM events WHERE type = 'portfolio.measure.values_recorded' "
                                   "AND data ->> 'crossing' = 'reached'") >= 0  # fmt: skip
        kinds = {r["kind"] for r in await conn.fetch("SELECT DISTINCT kind FROM funding_records")}
        assert kinds == {"project", "continuous_improvement"}
        assert await conn.fetchval("SELECT count(DISTINCT project_id) FROM funding_records") == 40
        assert 0 < await conn.fetchval("SELECT count(*) FROM funding_records WHERE published") < 40
        before = await conn.fetchval("SELECT count(*) FROM events")
        await seed_demo(database_url, today=today)  # a second run loads nothing more
        assert await conn.fetchval("SELECT count(*) FROM events") == before
    finally:
        await conn.close()
