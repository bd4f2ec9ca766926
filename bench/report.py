"""The report: ceilings, product figures with their ratios and aims, as JSON and as a Markdown table.

A ratio always reads "higher is better, 1.0 is the raw building block": for a rate it is
figure / ceiling, for a latency it is floor / figure (the floor being the least the same work
costs without the product's code). Memory has no ceiling; its column shows the bare app's memory
for scale.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

Kind = Literal["rate", "latency", "memory", "count"]
UNITS = {"rate": "/s", "latency": "ms", "memory": "MB", "count": ""}
BUSY_PERCENT = 20.0
"""CPU use by others, just before the run, above which the report warns that its numbers are low."""


@dataclass
class Ceiling:
    label: str
    value: float | None
    kind: Kind


@dataclass
class Figure:
    label: str
    value: float | None
    kind: Kind
    ceiling: str | None = None
    """Key of the ceiling (or floor) this figure is read against."""
    ratio: float | None = None
    aim: str | None = None
    meets: bool | None = None
    note: str = ""


def number(value: Any) -> float | None:
    """A finite float, or None (JSON has no NaN or infinity; a missing measurement is null)."""
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


class Report:
    def __init__(self) -> None:
        self.ceilings: dict[str, Ceiling] = {}
        self.figures: dict[str, Figure] = {}
        self.errors: list[dict[str, str]] = []
        self.details: dict[str, Any] = {}
        self.notes: list[str] = []
        """Sentences printed under the ceilings (e.g. which ASGI server is faster here)."""

    def ceiling(self, key: str, label: str, value: Any, kind: Kind) -> None:
        self.ceilings[key] = Ceiling(label, number(value), kind)

    def figure(
        self, key: str, label: str, value: Any, kind: Kind, *, ceiling: str | None = None, aim: str | None = None,
        meets: bool | None = None, note: str = "",
    ) -> None:  # fmt: skip
        value = number(value)
        base = self.ceilings[ceiling].value if ceiling in self.ceilings else None
        ratio = None
        if value is not None and base:
            ratio = value / base if kind in ("rate", "count") else (base / value if kind == "latency" else None)
        self.figures[key] = Figure(label, value, kind, ceiling, ratio, aim, meets if value is not None else None, note)

    def as_json(self, *, config: dict[str, Any], started: dt.datetime, seconds: float) -> dict[str, Any]:
        return {
            "schema": 1,
            "machine": machine(),
            "date": started.isoformat(timespec="seconds"),
            "duration_seconds": seconds,
            "config": config,
            "ceilings": {k: asdict(v) for k, v in self.ceilings.items()},
            "figures": {k: asdict(v) for k, v in self.figures.items()},
            "details": self.details,
            "errors": self.errors,
        }

    def markdown(self, *, config: dict[str, Any], started: dt.datetime, seconds: float) -> str:
        m = machine()
        lines = [
            f"# Benchmark {started:%Y-%m-%d %H:%M} UTC",
            "",
            f"{m['cpu_count']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB, Python {m['python']}, "
            f"{'quick' if config.get('quick') else 'full'} run in {seconds:.0f} s. "
            "Ratio: figure ÷ ceiling for rates, floor ÷ figure for latencies (1.0 = the raw building block).",
            "",
            *self._busy_warning(),
            "| ceiling (measured first) | value |",
            "| --- | ---: |",
        ]
        lines += [f"| {c.label} | {fmt(c.value, c.kind)} |" for c in self.ceilings.values()]
        if self.notes:
            lines += ["", *self.notes]
        lines += ["", "| figure | value | ceiling | ratio | aim |", "| --- | ---: | ---: | ---: | --- |"]
        for f in self.figures.values():
            base = self.ceilings.get(f.ceiling or "")
            ceiling = fmt(base.value, base.kind) if base else "—"
            ratio = f"{f.ratio:.1%}" if f.ratio is not None else "—"
            aim = (f.aim or "") + {True: " ✓", False: " ✗", None: ""}[f.meets]
            label = f.label + (f" ({f.note})" if f.note else "")
            lines.append(f"| {label} | {fmt(f.value, f.kind)} | {ceiling} | {ratio} | {aim.strip()} |")
        if self.errors:
            lines += ["", "Stages that failed (their figures are missing):", ""]
            lines += [f"- {e['stage']}: {e['error']}" for e in self.errors]
        return "\n".join(lines) + "\n"

    def _busy_warning(self) -> list[str]:
        """Other work on the machine lowers every figure: say so when there was some."""
        load = self.details.get("load") or {}
        busy, cpus = load.get("cpu_busy_before_percent"), os.cpu_count() or 1
        if busy is None or (
            busy < BUSY_PERCENT and max(load.get("average_end", 0), load.get("average_start", 0)) < cpus
        ):
            return []
        return [
            f"**The machine was busy with other work**: its CPUs were {busy:.0f}% busy in the second before the "
            f"run, and the load average was {load.get('average_start', 0):.1f} at the start and "
            f"{load.get('average_end', 0):.1f} at the end ({cpus} CPUs). Every figure is lower than on a quiet "
            "machine, ceilings included.",
            "",
        ]

    def write(self, out: Path, *, config: dict[str, Any], started: dt.datetime, seconds: float) -> str:
        out.mkdir(parents=True, exist_ok=True)
        document = self.as_json(config=config, started=started, seconds=seconds)
        (out / "latest.json").write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
        table = self.markdown(config=config, started=started, seconds=seconds)
        (out / "latest.md").write_text(table)
        return table


def fmt(value: float | None, kind: Kind) -> str:
    if value is None:
        return "missing"
    if kind == "latency":
        return f"{value:.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if kind == "memory":
        return f"{value:,.0f} MB"
    if kind == "rate":
        return f"{value:,.1f}/s" if value < 100 else f"{value:,.0f}/s"
    return f"{value:,.0f}"


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
