"""The gates view: projects nearing a gate, assessments under way, open and overdue actions, and a
heat map of which standards most often fall short (partly met or not met), by gate.

Everything comes from the portfolio as the viewer may see it: staff see all of it; a partner its own
organisation's drafts and actions; the public the published assessments of public projects only.
"""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import Template

from shared import standards
from web import charts
from web.context import Language, PageLanguage
from web.pages import labels
from web.pages.assessments import gate_name
from web.pages.common import HxRequest, page, read_or_none, today
from web.pages.dashboard import MAX_PROJECTS

GATED = ("private_beta", "public_beta", "live")
GATE_COLUMNS = ("alpha", "private_beta", "public_beta", "live")
SHORT = ("partly_met", "not_met")


def nearing(projects: list[dict[str, Any]], assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Active projects whose next move passes a gate, each with its gate's newest published outcome."""
    newest: dict[tuple[str, str], str | None] = {}
    for assessment in assessments:  # newest first
        if assessment.get("published_at"):
            newest.setdefault((str(assessment["project_id"]), assessment["to_phase"]), assessment.get("outcome"))
    found = []
    for project in projects:
        gate = next((a["to_phase"] for a in project.get("allowed_actions", []) if a["kind"] == "advance"), None)
        if project.get("state") == "active" and gate in GATED:
            found.append({"project": project, "gate": gate, "outcome": newest.get((str(project["id"]), gate))})
    return sorted(found, key=lambda n: (GATED.index(n["gate"]), str(n["project"].get("title_en", ""))))


def heat(lang: Language, assessments: list[dict[str, Any]]) -> dict[str, Any]:
    """The heat map of the published assessments: per standard and gate, how many fell short of how many."""
    _ = lang._
    version = standards.CURRENT
    counts = {(n, g): [0, 0] for n in standards.numbers(version) for g in GATE_COLUMNS}
    for assessment in assessments:
        if not assessment.get("published_at") or assessment.get("standards_version") != version:
            continue
        for rating in assessment.get("ratings", []):
            cell = counts.get((int(rating["standard"]), assessment["to_phase"]))
            if cell is not None and rating.get("rating") not in (None, "not_assessed"):
                cell[0] += rating["rating"] in SHORT
                cell[1] += 1
    rows = [f"{s.number}. {s.title_en if lang.code == 'en' else s.title_cy}" for s in standards.standards(version)]
    columns = [labels.name(_, labels.PHASES, g) for g in GATE_COLUMNS]
    cells = [[(counts[(n, g)][0], counts[(n, g)][1]) for g in GATE_COLUMNS] for n in standards.numbers(version)]
    return {
        "id": "chart-standards", "title": _("Standards that fell short, by gate"),
        "description": _("For each standard, how many published assessments at each gate found it partly met or "
                         "not met, out of how many rated it."),
        "svg": charts.heat_map([str(n) for n in standards.numbers(version)], columns, cells),
        "head": [_("Standard"), *columns],
        "rows": [(row, *(f"{short}/{of}" if of else "–" for short, of in cell_row))
                 for row, cell_row in zip(rows, cells, strict=True)],
    }  # fmt: skip


@get("/gates")
async def gates_page(request: HxRequest, lang: PageLanguage) -> Template:
    body, projects_error = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": MAX_PROJECTS})
    projects: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else []
    found, assessments_error = await read_or_none(request, "portfolio", "/api/v1/assessments")
    assessments: list[dict[str, Any]] = found or []
    open_actions, actions_error = await read_or_none(request, "portfolio", "/api/v1/actions", {"state": "open"})
    titles = {str(p["id"]): p for p in projects}
    under_way = [a for a in assessments if a.get("status") in ("draft", "submitted")]
    return await page(
        request, "gates.html", nearing=nearing(projects, assessments), under_way=under_way,
        actions=open_actions or [], titles=titles, figure=heat(lang, assessments), today=today(),
        gate_names={str(a["id"]): gate_name(lang, a) for a in assessments},
        projects_error=projects_error, assessments_error=assessments_error, actions_error=actions_error,
    )  # fmt: skip
