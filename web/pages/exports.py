"""What a page shows, as a file to open in a spreadsheet: a CSV, or an XLSX for Excel. Each is read
from the services as the viewer (so it holds exactly what they may see on the page, with the page's
filters), both languages side by side, and every cell is safe from formula injection
(shared/spreadsheets.py). Linked from the page it copies: the portfolio, the engagements, a
partner's projects and the open actions of the gates view."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from litestar import Response, get
from litestar.params import FromPath, FromQuery

from shared import spreadsheets
from web.context import Viewer, signed_in_only
from web.pages import labels
from web.pages.common import HxRequest, partners_by_id, read
from web.pages.dashboard import MAX_PROJECTS, _choice, _uuid

Format = Literal["csv", "xlsx"]
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
PROJECT_HEADER = ("slug", "title_en", "title_cy", "partner_en", "partner_cy", "phase", "state", "health", "tags",
                  "visibility", "start_date", "summary_en", "summary_cy")  # fmt: skip


def format_of(request: HxRequest) -> Format:
    return "xlsx" if request.url.path.endswith(".xlsx") else "csv"


def spreadsheet(request: HxRequest, name: str, header: Sequence[str], rows: list[Sequence[object]]) -> Response[bytes]:
    fmt = format_of(request)
    body = (spreadsheets.csv_bytes(header, rows) if fmt == "csv"
            else spreadsheets.xlsx_bytes(name.replace("-", " ").title(), header, rows))  # fmt: skip
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="cdps-{name}.{fmt}"'})  # fmt: skip


def project_rows(projects: list[dict[str, Any]], partners: dict[str, dict[str, Any]]) -> list[Sequence[object]]:
    rows: list[Sequence[object]] = []
    for p in projects:
        owner = partners.get(str(p.get("partner_id"))) or {}
        rows.append([p["slug"], p["title_en"], p["title_cy"], owner.get("name_en"), owner.get("name_cy"), p["phase"],
                     p["state"], p["health"], " ".join(p.get("tags") or []), p["visibility"], p.get("start_date"),
                     p.get("summary_en"), p.get("summary_cy")])  # fmt: skip
    return rows


@get(["/exports/portfolio.csv", "/exports/portfolio.xlsx"])
async def portfolio_export(
    request: HxRequest, account: Viewer, partner: FromQuery[str] = "", tag: FromQuery[str] = "",
    health: FromQuery[str] = "", lead: FromQuery[str] = "", goal: FromQuery[str] = "",
) -> Response[bytes]:  # fmt: skip
    """The portfolio as the home page shows it to the viewer, with its filters."""
    staff = account is not None and account.role in ("admin", "lead")
    filters = {
        "partner": _uuid(partner), "tag": _choice(tag, labels.TAGS), "health": _choice(health, labels.HEALTH),
        "goal": _choice(goal, labels.GOALS), "lead": lead[:100] if lead and staff else None,
    }  # fmt: skip
    params = {"limit": MAX_PROJECTS, **{k: v for k, v in filters.items() if v}}
    body = await read(request, "portfolio", "/api/v1/projects", params)
    partners, _ = await partners_by_id(request)
    return spreadsheet(request, "portfolio", PROJECT_HEADER, project_rows(body["items"], partners))


@get(["/exports/partners/{partner_id:uuid}/projects.csv", "/exports/partners/{partner_id:uuid}/projects.xlsx"])
async def partner_projects_export(request: HxRequest, partner_id: FromPath[uuid.UUID]
                                  ) -> Response[bytes]:  # fmt: skip
    """A partner's projects, those the viewer may see (as on the partner's page)."""
    partner = await read(request, "portfolio", f"/api/v1/partners/{partner_id}")
    body = await read(request, "portfolio", "/api/v1/projects", {"partner": str(partner_id), "limit": 200})
    rows = project_rows(body["items"], {str(partner_id): partner})
    return spreadsheet(request, f"{partner['slug']}-projects", PROJECT_HEADER, rows)


@get(["/exports/engagements.csv", "/exports/engagements.xlsx"], guards=[signed_in_only])
async def engagements_export(request: HxRequest, partner: FromQuery[str] = ""
                             ) -> Response[bytes]:  # fmt: skip
    """Every engagement the viewer may see (staff: all; a partner: its own), or one partner's."""
    params = {"partner": partner} if _uuid(partner) else {}
    engagements = await read(request, "portfolio", "/api/v1/engagements", params)
    partners, _ = await partners_by_id(request)
    header = ("partner_en", "partner_cy", "kind", "summary_en", "summary_cy", "started_on", "ended_on", "project_id")
    rows: list[Sequence[object]] = []
    for e in engagements:
        owner = partners.get(str(e["partner_id"])) or {}
        rows.append([owner.get("name_en"), owner.get("name_cy"), e["kind"], e["summary_en"], e["summary_cy"],
                     e["started_on"], e["ended_on"], e["project_id"]])  # fmt: skip
    return spreadsheet(request, "engagements", header, rows)


@get(["/exports/actions.csv", "/exports/actions.xlsx"])
async def actions_export(request: HxRequest) -> Response[bytes]:
    """The open actions of assessments that the viewer may see, as the gates view lists them."""
    actions = await read(request, "portfolio", "/api/v1/actions", {"state": "open"})
    projects = await read(request, "portfolio", "/api/v1/projects", {"limit": MAX_PROJECTS})
    slugs = {p["id"]: p for p in projects["items"]}
    header = ("project_slug", "project_title_en", "project_title_cy", "standard", "text_en", "text_cy", "owner",
              "due_on", "state", "overdue", "reason")  # fmt: skip
    rows: list[Sequence[object]] = []
    for a in actions:
        project = slugs.get(a["project_id"]) or {}
        rows.append([project.get("slug"), project.get("title_en"), project.get("title_cy"), a["standard"],
                     a["text_en"], a["text_cy"], a["owner"], a["due_on"], a["state"],
                     "yes" if a["overdue"] else "no", a["reason"]])  # fmt: skip
    return spreadsheet(request, "actions", header, rows)


ROUTES = [portfolio_export, partner_projects_export, engagements_export, actions_export]
