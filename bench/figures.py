"""From the stages' raw measurements to the report's ceilings and figures (with their aims)."""

from __future__ import annotations

import inspect
import math
from typing import Any

from bench.e2e import EMAIL_LIMIT_SECONDS, SEARCHABLE_LIMIT_SECONDS
from bench.product import SMTP_RATE
from bench.report import Report
from bench.search import QUERY_TIMEOUT

SEARCH_P95_AIM_MS = 20.0
DASHBOARD_P95_AIM_MS = 50.0
LAG_P99_LIMIT_MS = 250.0
MAX_RATE_AIM = 500.0
REBUILD_AIM = 0.5
LIVE_AIM = 0.5
RUN_LIMIT_SECONDS = 600.0
STACK_MEMORY_AIM_MB = 400.0
"""Issue 25: the whole stack (services, PostgreSQL, NATS) idle, on the embedded default."""


def served_by() -> str:
    """The ASGI server `cdps serve` uses now (the one whose ceilings the product is read against)."""
    from cdps.serving import serve

    return "granian" if "granian" in inspect.getsource(serve) else "uvicorn"


def _get(raw: dict[str, Any], stage: str, key: str) -> Any:
    value = (raw.get(stage) or {}).get(key)
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def _ceiling(raw: dict[str, Any], stage: str, key: str) -> float:
    """A ceiling for an aim's comparison: infinite when missing, so the aim reads as not met."""
    value = _get(raw, stage, key)
    return float(value) if value is not None else math.inf


def _sum(*values: Any) -> float | None:
    return None if any(v is None for v in values) else float(sum(values))


def ceilings(report: Report, raw: dict[str, Any]) -> None:
    report.ceiling("pg_1", "asyncpg transactions (UPDATE + INSERT), 1 connection", _get(raw, "pg_1", "tps"), "rate")
    report.ceiling("pg_32", "asyncpg transactions (UPDATE + INSERT), 32 connections", _get(raw, "pg_32", "tps"), "rate")
    report.ceiling("pg_1_ms", "asyncpg transaction time, 1 connection, p50", _get(raw, "pg_1", "p50_ms"), "latency")
    report.ceiling(
        "js_awaited", "JetStream publish, awaited one by one", _get(raw, "js", "publish_awaited_per_s"), "rate"
    )
    report.ceiling(
        "js_awaited_ms", "JetStream publish, awaited, p50", _get(raw, "js", "publish_awaited_p50_ms"), "latency"
    )
    report.ceiling("js_pipelined", "JetStream publish, pipelined", _get(raw, "js", "publish_pipelined_per_s"), "rate")
    report.ceiling("js_consume", "JetStream consume and ack", _get(raw, "js", "consume_ack_per_s"), "rate")
    report.ceiling(
        "smtp", "SMTP hand-over to a local server, one connection", _get(raw, "smtp", "emails_per_s"), "rate"
    )
    for server in ("uvicorn", "granian"):
        stage = f"asgi_{server}"
        report.ceiling(f"{server}_json", f"bare Litestar JSON, {server}", _get(raw, stage, "json_rps"), "rate")
        report.ceiling(
            f"{server}_json_ms", f"bare Litestar JSON, {server}, p50", _get(raw, stage, "json_p50_ms"), "latency"
        )
        report.ceiling(f"{server}_page", f"bare Jinja2 page, {server}", _get(raw, stage, "page_rps"), "rate")
        report.ceiling(
            f"{server}_page_ms", f"bare Jinja2 page, {server}, p95", _get(raw, stage, "page_p95_ms"), "latency"
        )
        report.ceiling(
            f"{server}_rss", f"bare Litestar app, {server}, resident memory", _get(raw, stage, "rss_idle_mb"), "memory"
        )
    # Derived floors: the least the same path costs with no product code in it.
    floor = _sum(_get(raw, "js", "publish_awaited_p50_ms"), 2 * (_get(raw, "pg_1", "p50_ms") or math.nan))
    report.ceiling("lag_floor", "lag floor: 2 transactions + 1 awaited publish", floor, "latency")
    write_path = min(
        (v for v in (_get(raw, "pg_32", "tps"), _get(raw, "js", "publish_awaited_per_s")) if v is not None),
        default=None,
    )
    report.ceiling("write_path", "write path: min(asyncpg at 32, awaited publish)", write_path, "rate")
    report.ceiling(
        "phase_client", "load generator: the phase-change clients (32) on a bare POST, uvicorn",
        _get(raw, "portfolio", "client_ceiling_per_s"), "rate",
    )  # fmt: skip
    for pct in ("p50", "p95", "p99"):
        report.ceiling(f"search_floor_{pct}_ms", f"PostgreSQL alone counting the search mix's matches, {pct}",
                       _get(raw, "search", f"floor_{pct}_ms"), "latency")  # fmt: skip


def figures(report: Report, raw: dict[str, Any], server: str) -> None:
    p = raw.get("portfolio") or {}
    report.figure(
        "phase_changes_per_s", "phase changes through the portfolio API, 32 clients",
        p.get("uvicorn_phase_changes_per_s"), "rate", ceiling="pg_32", aim="≥ 50% of asyncpg",
        meets=(p.get("uvicorn_phase_changes_per_s") or 0) >= 0.5 * _ceiling(raw, "pg_32", "tps"),
    )  # fmt: skip
    report.figure("phase_change_p95_ms", "phase change p95, 32 clients", p.get("uvicorn_p95_ms"), "latency")
    if "granian_phase_changes_per_s" in p:
        report.figure("phase_changes_granian_per_s", "phase changes, same app under granian",
                      p["granian_phase_changes_per_s"], "rate", ceiling="pg_32")  # fmt: skip
    e = raw.get("e2e") or {}
    for pct in ("p50", "p95", "p99"):
        report.figure(f"lag_searchable_{pct}_ms", f"lag 201 → searchable, {pct}", e.get(f"searchable_{pct}_ms"),
                      "latency", ceiling="lag_floor",
                      aim="< 250 ms" if pct == "p99" else None,
                      meets=(e.get("searchable_p99_ms") or math.inf) < LAG_P99_LIMIT_MS if pct == "p99" else None,
                      note=f"{e.get('steady_rate', 0):g} writes/s" if pct == "p50" else "")  # fmt: skip
    for pct in ("p50", "p95", "p99"):
        report.figure(f"lag_email_{pct}_ms", f"lag 201 → email handed to SMTP, {pct}", e.get(f"email_{pct}_ms"),
                      "latency", ceiling="lag_floor")  # fmt: skip
    report.figure("lag_email_at_rate_p99_ms", f"lag 201 → email handed to SMTP, p99 at {e.get('email_rate', 0):g} "
                  "writes/s", e.get("email_at_rate_p99_ms"), "latency", ceiling="lag_floor",
                  aim=f"≤ {EMAIL_LIMIT_SECONDS * 1000:.0f} ms",
                  meets=(e.get("email_at_rate_p99_ms") or math.inf) <= EMAIL_LIMIT_SECONDS * 1000,
                  note=f"{e.get('email_rate_achieved', 0):.0f}/s achieved, one write in ten on a followed project"
                  if e else "")  # fmt: skip
    tried = ", ".join(f"{step['target']:.0f}/s: {'ok' if step['ok'] else 'failed'}" for step in e.get("ramp", []))
    best = e.get("max_rate_within_lag_limits")
    report.figure("max_rate_within_lag_limits",
                  f"highest write rate with p99 201 → searchable < {SEARCHABLE_LIMIT_SECONDS * 1000:.0f} ms and "
                  f"201 → SMTP < {EMAIL_LIMIT_SECONDS * 1000:.0f} ms", best, "rate",
                  ceiling="write_path", aim=f"≥ {MAX_RATE_AIM:.0f}/s", meets=(best or 0) >= MAX_RATE_AIM,
                  note=f"one write in ten on a followed project; {tried}" if tried else "")  # fmt: skip
    report.figure("emails_per_s", "emails handed to SMTP", e.get("emails_per_s"), "rate", ceiling="smtp",
                  note=f"paced at {SMTP_RATE:g}/s in the benchmark")  # fmt: skip

    h = raw.get("webhooks") or {}
    report.figure("webhook_deliveries_per_s", "webhook deliveries to a local receiver", h.get("deliveries_per_s"),
                  "rate", ceiling="js_consume",
                  note=f"{h.get('deliveries', 0):,.0f} deliveries to {h.get('endpoints', 0):.0f} endpoints, one in "
                  "flight per endpoint" if h else "")  # fmt: skip
    for pct in ("p50", "p95", "p99"):
        report.figure(f"lag_webhook_{pct}_ms", f"lag event → webhook receiver, {pct}", h.get(f"{pct}_ms"), "latency",
                      ceiling="lag_floor",
                      note=f"{h.get('steady_rate', 0):g} events/s" if pct == "p50" and h else "")  # fmt: skip

    sse = raw.get("sse") or {}
    held = f"{sse.get('max_clients', 0):,.0f} board viewers" if sse else ""
    report.figure(
        "sse_clients",
        "live board viewers one web process holds (SSE, p99 event → viewer < 1 s)",
        sse.get("max_clients"),
        "count",
        note=", ".join(f"{st['clients']}: {'ok' if st['ok'] else 'failed'}" for st in sse.get("steps", [])),
    )
    for pct in ("p50", "p99"):
        report.figure(f"lag_live_{pct}_ms", f"lag 201 → live board viewer, {pct}", sse.get(f"{pct}_ms"), "latency",
                      ceiling="lag_floor", note=f"{held}; 201 → searchable of the same writes: "
                      f"{sse.get(f'searchable_{pct}_ms', math.nan):.0f} ms" if sse else "")  # fmt: skip

    s, r = raw.get("search") or {}, raw.get("rebuild") or {}
    corpus = f"{r.get('documents', 0):,.0f} documents from {r.get('events', 0):,.0f} events"
    corpus += f", {s.get('queries', 0):.0f} queries"
    if s.get("timeouts"):
        corpus += f", {s['timeouts']:.0f} cut off at {QUERY_TIMEOUT:g} s: percentiles are lower bounds"
    for pct in ("p50", "p95", "p99"):
        report.figure(f"search_{pct}_ms", f"search query, {pct}", s.get(f"{pct}_ms"), "latency",
                      ceiling=f"search_floor_{pct}_ms", note=corpus if pct == "p50" else "",
                      aim="≤ 20 ms" if pct == "p95" else None,
                      meets=(s.get("p95_ms") or math.inf) <= SEARCH_P95_AIM_MS if pct == "p95" else None)  # fmt: skip
    live = raw.get("live") or {}
    indexed = live.get("index_events_per_s")
    report.figure("index_events_per_s", "live indexing", indexed, "rate", ceiling="js_consume",
                  note=f"{live.get('events', 0):,.0f} events", aim="≥ 50% of consume-and-ack",
                  meets=(indexed or 0) >= LIVE_AIM * _ceiling(raw, "js", "consume_ack_per_s"))  # fmt: skip
    rebuild = r.get("rebuild_events_per_s")
    report.figure("rebuild_events_per_s", "search index rebuild from the stream", rebuild, "rate",
                  ceiling="js_consume", aim="≥ 50% of consume-and-ack",
                  note=f"{r.get('events', 0):,.0f} events in {r.get('rebuild_seconds', 0):.0f} s",
                  meets=(rebuild or 0) >= REBUILD_AIM * _ceiling(raw, "js", "consume_ack_per_s"))  # fmt: skip

    w = raw.get("web") or {}
    for page, label in (
        ("dashboard", "dashboard"),
        ("project_page", "project page"),
        ("search_fragment", "search fragment"),
    ):
        report.figure(f"web_{page}_rps", f"web {label}, 16 clients", w.get(f"{page}_rps"), "rate",
                      ceiling=f"{server}_page")  # fmt: skip
        aim = "≤ 50 ms" if page == "dashboard" else None
        report.figure(f"web_{page}_p95_ms", f"web {label}, p95, 1 client", w.get(f"{page}_p95_ms"), "latency",
                      ceiling=f"{server}_page_ms", aim=aim,
                      meets=(w.get(f"{page}_p95_ms") or math.inf) <= DASHBOARD_P95_AIM_MS if aim else None)  # fmt: skip

    idle, loaded = raw.get("rss_idle") or {}, raw.get("rss_load") or {}
    for service in ("portfolio", "search", "notifier", "webhooks", "web"):
        report.figure(f"rss_{service}_idle_mb", f"{service} memory, idle", idle.get(service), "memory",
                      ceiling=f"{server}_rss")  # fmt: skip
        report.figure(f"rss_{service}_load_mb", f"{service} memory, peak under load", loaded.get(service), "memory",
                      ceiling=f"{server}_rss")  # fmt: skip
    footprint = raw.get("footprint_idle") or {}
    for part, label in (("postgres", "PostgreSQL"), ("nats", "NATS")):
        report.figure(f"rss_{part}_idle_mb", f"{label} memory, idle", footprint.get(f"{part}_mb"), "memory")
    total = footprint.get("total_mb")
    report.figure(
        "rss_stack_idle_mb", "whole stack memory, idle (5 services, PostgreSQL, NATS)", total, "memory",
        aim=f"< {STACK_MEMORY_AIM_MB:.0f} MB on the embedded default",
        meets=total < STACK_MEMORY_AIM_MB if total else None,
        note="proportional memory (pages shared between processes counted once), servers sized as `cdps run`'s"
        + (f"; the services' resident memory summed: {footprint['services_rss_mb']:.0f} MB"
           if footprint.get("services_rss_mb") else ""),
    )  # fmt: skip


def faster_server(raw: dict[str, Any]) -> dict[str, Any]:
    """Which ASGI server answers the bare JSON endpoint faster on this machine, and by how much."""
    rates = {s: _get(raw, f"asgi_{s}", "json_rps") for s in ("uvicorn", "granian")}
    if None in rates.values():
        return {"json_rps": rates, "faster": None}
    faster = max(rates, key=lambda s: rates[s] or 0)
    slower = "uvicorn" if faster == "granian" else "granian"
    return {"json_rps": rates, "faster": faster, "times_faster": (rates[faster] or 0) / (rates[slower] or 1)}


def fill(report: Report, raw: dict[str, Any]) -> None:
    server = served_by()
    ceilings(report, raw)
    figures(report, raw, server)
    asgi = {"served_by": server, **faster_server(raw)}
    report.details["asgi"] = asgi
    if asgi.get("faster"):
        rates = asgi["json_rps"]
        report.notes.append(
            f"ASGI server: on this machine **{asgi['faster']}** answers the bare JSON endpoint "
            f"{asgi['times_faster']:.1f}× as fast (granian {rates['granian']:,.0f}/s, "
            f"uvicorn {rates['uvicorn']:,.0f}/s); "
            f"`cdps serve` uses {server}, so the product is read against {server}'s ceilings."
        )
