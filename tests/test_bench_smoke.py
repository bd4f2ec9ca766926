"""`make bench` works: a tiny run (`python -m bench --quick`) completes and writes a well-formed report.

The benchmark's numbers depend on the machine and are never asserted here; only that every figure
and ceiling was measured (a number, not missing) and that both report files were written.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from cdps.services import NAMES

ROOT = Path(__file__).parent.parent

CEILINGS = {
    "pg_1", "pg_32", "js_awaited", "js_pipelined", "js_consume", "smtp", "uvicorn_json", "uvicorn_page",
    "granian_json", "granian_page", "lag_floor", "write_path", "phase_client", "search_floor_p50_ms", "search_floor_p95_ms",
    "search_floor_p99_ms",
}  # fmt: skip
FIGURES = {
    "phase_changes_per_s", "lag_searchable_p50_ms", "lag_searchable_p95_ms", "lag_searchable_p99_ms",
    "lag_email_p50_ms", "lag_email_p95_ms", "lag_email_p99_ms", "max_rate_within_lag_limits", "lag_email_at_rate_p99_ms", "emails_per_s",
    "search_p50_ms", "search_p95_ms", "search_p99_ms", "index_events_per_s", "rebuild_events_per_s",
    "web_dashboard_rps", "web_dashboard_p95_ms", "web_project_page_rps", "web_project_page_p95_ms",
    "web_search_fragment_rps", "web_search_fragment_p95_ms", "rss_stack_idle_mb", "rss_postgres_idle_mb", "rss_nats_idle_mb", "rss_portfolio_idle_mb", "rss_portfolio_load_mb",
    "rss_search_idle_mb", "rss_search_load_mb", "rss_notifier_idle_mb", "rss_notifier_load_mb", "rss_web_idle_mb",
    "rss_web_load_mb", "rss_webhooks_idle_mb", "rss_webhooks_load_mb", "run_seconds", "webhook_deliveries_per_s", "lag_webhook_p50_ms", "lag_webhook_p99_ms",
}  # fmt: skip


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def test_a_quick_run_writes_a_well_formed_report(servers: tuple[str, str], tmp_path: Path) -> None:
    admin_dsn, nats_url = servers
    # The session's servers, so the run also shows it leaves nothing behind on servers it did not start.
    env = dict(os.environ, DATABASE_URL=admin_dsn, NATS_URL=nats_url)
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, f"stdout:\n{run.stdout[-4000:]}\nstderr:\n{run.stderr[-4000:]}"

    report = json.loads((tmp_path / "latest.json").read_text())
    assert {"machine", "date", "duration_seconds", "config", "ceilings", "figures", "errors"} <= report.keys()
    assert report["errors"] == []
    assert report["config"]["quick"] is True
    assert is_number(report["machine"]["cpu_count"]) and report["machine"]["python"]
    missing_ceilings = CEILINGS - report["ceilings"].keys()
    assert not missing_ceilings, missing_ceilings
    missing_figures = FIGURES - report["figures"].keys()
    assert not missing_figures, missing_figures
    for name, ceiling in report["ceilings"].items():
        assert is_number(ceiling["value"]), f"ceiling {name} was not measured: {ceiling}"
    for name, figure in report["figures"].items():
        assert is_number(figure["value"]), f"figure {name} was not measured: {figure}"
        assert figure["ratio"] is None or is_number(figure["ratio"]), name
    assert report["details"]["asgi"]["faster"] in ("uvicorn", "granian")
    assert set(report["details"]["raw"]["rss_idle"]) == set(NAMES), "the stack's memory counts every service"

    table = (tmp_path / "latest.md").read_text()
    assert "| figure | value | ceiling | ratio | aim |" in table
    assert "| figure | value | ceiling | ratio | aim |" in run.stdout, "the table is printed"
    # Nothing left behind: the databases the run made on the session's server are gone.
    assert asyncio.run(bench_databases(admin_dsn)) == 0


async def bench_databases(admin_dsn: str) -> int:
    conn = await asyncpg.connect(admin_dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname LIKE 'bench%'"))
    finally:
        await conn.close()
