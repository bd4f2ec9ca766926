"""The roadmap: each project in one column, Now / Next / Later / Recently delivered / Stopped, by a
pure rule on its phase, state and milestones (tests/web/test_roadmap.py states its properties with
hypothesis), and the page that shows it. Pure but for the page handler at the end."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

Column = Literal["now", "next", "later", "delivered", "stopped"]
COLUMNS: tuple[Column, ...] = ("now", "next", "later", "delivered", "stopped")
SOON = dt.timedelta(days=90)
"""An active project whose next milestone falls within this is worked on now."""
LATER = dt.timedelta(days=180)
"""... and beyond this, later."""
DELIVERED_FOR = dt.timedelta(days=365)
"""A project that went live (or retired) within this is "recently delivered"; earlier, it leaves the roadmap."""
BUILDING = ("alpha", "private_beta", "public_beta")


def deadline(milestone: Mapping[str, Any]) -> dt.date:
    """A milestone's last day: its day, or the last day of its month."""
    on = dt.date.fromisoformat(str(milestone["target_on"]))
    if milestone.get("precision") == "day":
        return on
    return on.replace(day=calendar.monthrange(on.year, on.month)[1])


def placement(project: Mapping[str, Any]) -> Column | None:
    """The column a lead placed the project in, while that holds (the same phase and state)."""
    placed = project.get("roadmap_override")
    if placed and placed.get("phase") == project["phase"] and placed.get("state") == project["state"]:
        where: Column = placed["column"]
        return where
    return None


def column(project: Mapping[str, Any], milestones: Iterable[Mapping[str, Any]], delivered_on: dt.date | None,
           today: dt.date) -> Column | None:  # fmt: skip
    """The project's column, or None once it has left the roadmap (delivered long ago).

    A lead's placement (``roadmap_override``, with a reason) wins while the project has the phase and
    state it was made in; after a change of either, the rule places it again.

    Stopped projects are Stopped; live and retired ones Recently delivered (for a year after they got
    there); a paused one Later. An active one goes by its next open milestone: due within three
    months (or overdue) Now, within six Next, further Later; with none, Now while it is being built
    (alpha, beta) and Next in discovery."""
    placed = placement(project)
    if placed is not None:
        return placed
    if project["state"] == "stopped":
        return "stopped"
    if project["phase"] in ("live", "retired"):
        if delivered_on is not None and today - delivered_on > DELIVERED_FOR:
            return None
        return "delivered"
    if project["state"] == "paused":
        return "later"
    due = sorted(deadline(m) for m in milestones if not m.get("done"))
    if not due:
        return "now" if project["phase"] in BUILDING else "next"
    if due[0] - today <= SOON:
        return "now"
    return "next" if due[0] - today <= LATER else "later"


def delivered_dates(timelines: Iterable[Mapping[str, Any]]) -> dict[str, dt.date]:
    """When each project last went live (or was retired), from the projects' phase histories."""
    found: dict[str, dt.date] = {}
    for entry in timelines:
        data = entry.get("data") or {}
        if entry.get("type") == "portfolio.project.phase_changed" and data.get("to_phase") in ("live", "retired"):
            on = dt.date.fromisoformat(str(data.get("effective") or entry["occurred_at"])[:10])
            found[str(entry["project_id"])] = max(on, found.get(str(entry["project_id"]), on))
    return found


def arrange(projects: Iterable[Mapping[str, Any]], milestones: Iterable[Mapping[str, Any]],
            timelines: Iterable[Mapping[str, Any]], today: dt.date) -> dict[Column, list[dict[str, Any]]]:  # fmt: skip
    """The roadmap's columns, each project with its next open milestone (or None), soonest first."""
    by_project: dict[str, list[Mapping[str, Any]]] = {}
    for milestone in milestones:
        by_project.setdefault(str(milestone["project_id"]), []).append(milestone)
    delivered = delivered_dates(timelines)
    columns: dict[Column, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for project in projects:
        own = by_project.get(str(project["id"]), [])
        where = column(project, own, delivered.get(str(project["id"])), today)
        if where is not None:
            upcoming = sorted((m for m in own if not m.get("done")), key=deadline)
            columns[where].append({"project": project, "next": upcoming[0] if upcoming else None,
                                   "placed": placement(project) is not None})  # fmt: skip
    far = dt.date.max
    for entries in columns.values():
        entries.sort(key=lambda e: (deadline(e["next"]) if e["next"] else far, str(e["project"].get("title_en"))))
    return columns
