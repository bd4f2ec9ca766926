"""Pictures of the portfolio as server-rendered SVG, and the numbers behind them.

Every chart is drawn from plain numbers that the page also shows as a table, so screen readers get
the table and the SVG is hidden from them. No script, no inline style: colours come from classes in
static/app.css (the CSP allows stylesheets from 'self' only).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from shared import vocabulary

PHASES = tuple(vocabulary.PHASES)
MOVES = (*PHASES[1:], "go_back", "stopped")

WIDTH = 600
FONT = 14


@dataclass(frozen=True)
class Stint:
    """A spell of a project in one phase (or stopped), from ``start`` to ``end`` (None: still there)."""

    phase: str
    start: dt.date
    end: dt.date | None
    assessment: str | None = None
    """The gate assessment recorded with the move into this phase ("met" or "not_met"), if any."""
    assessment_url: str | None = None


@dataclass(frozen=True)
class Move:
    category: str  # a phase moved into, "go_back" or "stopped"
    on: dt.date


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def stints(history: Sequence[Mapping[str, Any]], today: dt.date) -> list[Stint]:
    """The phases a project has been in, from its audit trail (created and phase_changed events)."""
    found: list[Stint] = []
    phase: str | None = None
    since: dt.date | None = None
    assessed: tuple[str | None, str | None] = (None, None)  # the assessment of the move into ``phase``
    for event in history:
        data = event.get("data") or {}
        kind = str(event.get("type", "")).rsplit(".", 1)[-1]
        if kind == "created":
            project = data.get("project") or {}
            phase = project.get("phase")
            since = _date(project.get("start_date")) or _date(event.get("occurred_at"))
        elif kind == "phase_changed" and phase is not None and since is not None:
            on = _date(data.get("effective")) or _date(event.get("occurred_at")) or since
            if data.get("kind") in ("pause", "resume"):
                continue
            if data.get("kind") == "stop":
                found.append(Stint(phase, since, on, *assessed))
                phase, since, assessed = "stopped", on, (None, None)
                continue
            target = str(data.get("to_phase"))
            if target != phase:
                found.append(Stint(phase, since, on, *assessed))
                phase, since, assessed = target, on, (data.get("assessment"), data.get("assessment_url"))
    if phase is not None and since is not None:
        found.append(Stint(phase, since, None, *assessed))
    return [s for s in found if s.end is None or s.end >= s.start]


def moves(history: Sequence[Mapping[str, Any]]) -> list[Move]:
    """Each time the project changed phase (or stopped), by what it became and when."""
    found = []
    for event in history:
        if not str(event.get("type", "")).endswith(".phase_changed"):
            continue
        data = event.get("data") or {}
        on = _date(data.get("effective")) or _date(event.get("occurred_at"))
        kind = data.get("kind")
        if on is None:
            continue
        if kind == "advance":
            found.append(Move(str(data.get("to_phase")), on))
        elif kind == "go_back":
            found.append(Move("go_back", on))
        elif kind == "stop":
            found.append(Move("stopped", on))
    return found


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def last_quarters(today: dt.date, count: int = 4) -> list[tuple[int, int]]:
    year, quarter = quarter_of(today)
    quarters = []
    for _ in range(count):
        quarters.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return quarters[::-1]


def movements_by_quarter(all_moves: Iterable[Move], quarters: Sequence[tuple[int, int]]) -> dict[str, list[int]]:
    """Category -> count of moves in each quarter."""
    counts = {category: [0] * len(quarters) for category in MOVES}
    index = {q: i for i, q in enumerate(quarters)}
    for move in all_moves:
        i = index.get(quarter_of(move.on))
        if i is not None and move.category in counts:
            counts[move.category][i] += 1
    return counts


def days_in_phase(all_stints: Iterable[Stint]) -> dict[str, tuple[int, int]]:
    """Phase -> (median days of finished spells, how many spells), for phases a project leaves."""
    spells: dict[str, list[int]] = {phase: [] for phase in PHASES[:-1]}
    for stint in all_stints:
        if stint.end is not None and stint.phase in spells:
            spells[stint.phase].append((stint.end - stint.start).days)
    return {phase: (round(statistics.median(days)) if days else 0, len(days)) for phase, days in spells.items()}


# Drawing ---------------------------------------------------------------------------------------


def _svg(height: int, body: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'aria-hidden="true" focusable="false" class="app-chart__svg">{body}</svg>'
    )


def bar_chart(rows: Sequence[tuple[str, str, float, str]]) -> Markup:
    """Horizontal bars: (css code, label, value, value text) per row."""
    label_width, row_height, gap = 150, 28, 10
    top = 5
    biggest = max((value for _, _, value, _ in rows), default=0) or 1
    room = WIDTH - label_width - 120
    parts = []
    for i, (code, label, value, value_text) in enumerate(rows):
        y = top + i * (row_height + gap)
        width = max(2.0, room * value / biggest) if value else 0
        middle = y + row_height / 2 + FONT / 3
        parts.append(
            f'<text x="{label_width - 8}" y="{middle:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="app-fill--{escape(code)}" x="{label_width}" y="{y}" width="{width:.1f}" '
            f'height="{row_height}"/>'
            f'<text x="{label_width + width + 6:.1f}" y="{middle:.1f}">{escape(value_text)}</text>'
        )
    height = top + len(rows) * (row_height + gap)
    axis = f'<line class="app-chart__axis" x1="{label_width}" y1="0" x2="{label_width}" y2="{height - gap}"/>'
    return _svg(height, "".join(parts) + axis)


def labelled_bars(rows: Sequence[tuple[str, str, float, str]]) -> Markup:
    """Horizontal bars for long labels: each label on its own line above its bar; (css code, label,
    value, value text) per row."""
    label_height, bar_height, gap = 20, 22, 12
    biggest = max((value for _, _, value, _ in rows), default=0) or 1
    room = WIDTH - 80
    parts = []
    for i, (code, label, value, value_text) in enumerate(rows):
        y = i * (label_height + bar_height + gap)
        width = max(2.0, room * value / biggest) if value else 0
        parts.append(
            f'<text x="0" y="{y + FONT}">{escape(label)}</text>'
            f'<rect class="app-fill--{escape(code)}" x="0" y="{y + label_height}" width="{width:.1f}" '
            f'height="{bar_height}"/>'
            f'<text x="{width + 6:.1f}" y="{y + label_height + bar_height / 2 + FONT / 3:.1f}">'
            f"{escape(value_text)}</text>"
        )
    return _svg(max(1, len(rows) * (label_height + bar_height + gap) - gap), "".join(parts))


def stacked_columns(columns: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]]) -> Markup:
    """Vertical stacked columns: one per label in ``columns``; ``series`` is (css code, name, counts)."""
    left, top, plot_height, legend_row = 40, 24, 200, 24
    totals = [sum(s[2][i] for s in series) for i in range(len(columns))]
    biggest = max(totals, default=0) or 1
    step = (WIDTH - left - 10) / max(1, len(columns))
    bar = min(70.0, step * 0.6)
    parts = []
    for tick in sorted({0, biggest, (biggest + 1) // 2}):
        y = top + plot_height - plot_height * tick / biggest
        parts.append(f'<line class="app-chart__grid" x1="{left}" y1="{y:.1f}" x2="{WIDTH - 10}" y2="{y:.1f}"/>'
                     f'<text x="{left - 6}" y="{y + FONT / 3:.1f}" text-anchor="end">{tick}</text>')  # fmt: skip
    for i, label in enumerate(columns):
        x = left + i * step + (step - bar) / 2
        base: float = top + plot_height
        for code, _, counts in series:
            h = plot_height * counts[i] / biggest
            if h:
                base -= h
                parts.append(f'<rect class="app-fill--{escape(code)}" x="{x:.1f}" y="{base:.1f}" '
                             f'width="{bar:.1f}" height="{h:.1f}"/>')  # fmt: skip
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - 4:.1f}" text-anchor="middle">{totals[i]}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_height + 18}" text-anchor="middle">'
                     f"{escape(label)}</text>")  # fmt: skip
    legend_top = top + plot_height + 34
    per_row = 3
    for n, (code, name, _) in enumerate(series):
        x = left + (n % per_row) * ((WIDTH - left) / per_row)
        y = legend_top + (n // per_row) * legend_row
        parts.append(f'<rect class="app-fill--{escape(code)}" x="{x:.1f}" y="{y}" width="14" height="14"/>'
                     f'<text x="{x + 20:.1f}" y="{y + 12}">{escape(name)}</text>')  # fmt: skip
    height = legend_top + ((len(series) + per_row - 1) // per_row) * legend_row
    bottom = top + plot_height
    axis = f'<line class="app-chart__axis" x1="{left}" y1="{bottom}" x2="{WIDTH - 10}" y2="{bottom}"/>'
    return _svg(height, "".join(parts) + axis)


def phase_steps(current: str, state: str, names: Mapping[str, str], dates: Mapping[str, str]) -> Markup:
    """A project's journey through the phases: done, current, still to come, with dates when known."""
    step = WIDTH / len(PHASES)
    radius, y = 12, 24
    reached = PHASES.index(current) if current in PHASES else 0
    parts = [f'<line class="app-chart__axis" x1="{step / 2:.1f}" y1="{y}" x2="{WIDTH - step / 2:.1f}" y2="{y}"/>']
    for i, phase in enumerate(PHASES):
        x = step * i + step / 2
        code = phase if i <= reached else "future"
        if i == reached and state == "stopped":
            code = "stopped"
        ring = radius + 4 if i == reached else radius
        parts.append(f'<circle class="app-fill--{code}" cx="{x:.1f}" cy="{y}" r="{ring}"/>')
        weight = ' font-weight="bold"' if i == reached else ""
        lines = "".join(f'<tspan x="{x:.1f}" dy="{0 if n == 0 else 18}">{escape(line)}</tspan>'
                        for n, line in enumerate(_two_lines(names[phase])))  # fmt: skip
        parts.append(f'<text x="{x:.1f}" y="{y + 36}" text-anchor="middle"{weight}>{lines}</text>')
        if dates.get(phase):
            parts.append(f'<text x="{x:.1f}" y="{y + 74}" text-anchor="middle">{escape(dates[phase])}</text>')
    return _svg(y + 84, "".join(parts))


def _two_lines(label: str) -> list[str]:
    """A long name over two lines ("Beta" / "cyhoeddus"): six phases share the picture's width."""
    first, _space, rest = label.partition(" ")
    return [first, rest] if rest and len(label) > 10 else [label]


def heat_map(rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[tuple[int, int]]]) -> Markup:
    """A grid: one row per label in ``rows``, one column per label in ``columns``; each cell is
    (how many fell short, out of how many) and is shaded by that share, its numbers written in it."""
    label_width, top, cell_height = 50, 30, 26
    cell_width = (WIDTH - label_width) / max(1, len(columns))
    parts = [f'<text x="{label_width + cell_width * (i + 0.5):.1f}" y="{top - 10}" text-anchor="middle">'
             f"{escape(name)}</text>" for i, name in enumerate(columns)]  # fmt: skip
    for r, label in enumerate(rows):
        y = top + r * cell_height
        parts.append(f'<text x="{label_width - 8}" y="{y + cell_height / 2 + FONT / 3:.1f}" text-anchor="end">'
                     f"{escape(label)}</text>")  # fmt: skip
        for c, (short, out_of) in enumerate(cells[r]):
            x = label_width + c * cell_width
            level = 1 + min(3, 4 * short // out_of) if short else 0
            parts.append(f'<rect class="app-heat--{level}" x="{x:.1f}" y="{y}" width="{cell_width:.1f}" '
                         f'height="{cell_height}"/>'
                         f'<text x="{x + cell_width / 2:.1f}" y="{y + cell_height / 2 + FONT / 3:.1f}" '
                         f'text-anchor="middle">{f"{short}/{out_of}" if out_of else "–"}</text>')  # fmt: skip
    return _svg(top + len(rows) * cell_height + 4, "".join(parts))


def line_chart(points: Sequence[tuple[str, float]], target: float | None = None, target_text: str = "") -> Markup:
    """A small line of monthly values, (month label, value) oldest first, with the target as a dashed
    line. The first and last months are named under it; the values themselves are in the table beside."""
    left, right, top, plot_height, bottom = 56, 16, 12, 120, 26
    height = top + plot_height + bottom
    numbers = [v for _, v in points] + ([target] if target is not None else [])
    high = max(numbers, default=0.0)
    low = min(0.0, min(numbers, default=0.0))
    span = (high - low) or 1.0
    room = WIDTH - left - right

    def y(value: float) -> float:
        return top + plot_height - plot_height * (value - low) / span

    def x(index: int) -> float:
        return left + (room * index / (len(points) - 1) if len(points) > 1 else room / 2)

    parts = [f'<line class="app-chart__axis" x1="{left}" y1="{top + plot_height}" x2="{WIDTH - right}" '
             f'y2="{top + plot_height}"/>']  # fmt: skip
    for tick in sorted({low, high}):
        parts.append(f'<text x="{left - 6}" y="{y(tick) + FONT / 3:.1f}" text-anchor="end">{_number(tick)}</text>')
    if target is not None:
        parts.append(f'<line class="app-chart__target" x1="{left}" y1="{y(target):.1f}" x2="{WIDTH - right}" '
                     f'y2="{y(target):.1f}"/>'
                     f'<text x="{WIDTH - right}" y="{y(target) - 4:.1f}" text-anchor="end">'
                     f"{escape(target_text)}</text>")  # fmt: skip
    if points:
        line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_, v) in enumerate(points))
        parts.append(f'<polyline class="app-chart__line" points="{line}"/>')
        parts.extend(f'<circle class="app-chart__point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3"/>'
                     for i, (_, v) in enumerate(points))  # fmt: skip
        first, last = points[0][0], points[-1][0]
        parts.append(f'<text x="{x(0):.1f}" y="{height - 6}">{escape(first)}</text>')
        if len(points) > 1:
            end = x(len(points) - 1)
            parts.append(f'<text x="{end:.1f}" y="{height - 6}" text-anchor="end">{escape(last)}</text>')
    return _svg(height, "".join(parts))


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"
