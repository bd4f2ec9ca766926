"""The roadmap page: Now / Next / Later / Recently delivered / Stopped (the rule is web/roadmap.py),
filterable by partner and challenge area; what the viewer may see, so the public sees public projects."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Response, get
from litestar.params import FromQuery
from litestar.response import Template

from shared.spreadsheets import neutralised
from web import roadmap
from web.context import PageLanguage
from web.i18n import N_
from web.pages import labels
from web.pages.common import HxRequest, page, partners_by_id, read_or_none, today
from web.pages.partners import by_name

HEADINGS = {
    "now": (N_("Now"), N_("Being worked on, or with a milestone in the next three months.")),
    "next": (N_("Next"), N_("Starting out, or with a milestone in three to six months.")),
    "later": (N_("Later"), N_("Paused, or with the next milestone more than six months away.")),
    "delivered": (N_("Recently delivered"), N_("Live, or retired, in the past year.")),
    "stopped": (N_("Stopped"), N_("Stopped at a phase: stopping after discovery can be a good outcome.")),
}


Columns = dict[roadmap.Column, list[dict[str, Any]]]


async def columns_for(
    request: HxRequest, partner: str, tag: str
) -> tuple[Columns, dict[str, dict[str, Any]], str | None]:
    """The roadmap's columns for the filters, the partners by id, and a message if a part could not be read."""
    found, error = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": 200})
    milestones, milestones_error = await read_or_none(request, "portfolio", "/api/v1/milestones")
    timelines, _ = await read_or_none(request, "portfolio", "/api/v1/projects/timelines")
    partners, _ = await partners_by_id(request)
    projects: list[dict[str, Any]] = (found or {}).get("items", [])
    if partner:
        projects = [p for p in projects if str(p.get("partner_id")) == partner]
    if tag in labels.TAGS:
        projects = [p for p in projects if tag in (p.get("tags") or [])]
    return roadmap.arrange(projects, milestones or [], timelines or [], today()), partners, error or milestones_error


@get("/roadmap")
async def roadmap_page(request: HxRequest, lang: PageLanguage, partner: FromQuery[str] = "",
                       tag: FromQuery[str] = "") -> Template:  # fmt: skip
    columns, partners, error = await columns_for(request, partner, tag)
    partner_options = [("", lang._("All partners"))] + [
        (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in by_name(lang, partners.values())
    ]
    tag_options = [("", lang._("All challenge areas"))] + [(code, lang._(name)) for code, name in labels.TAGS.items()]
    return await page(
        request, "pages/roadmap.html", columns=columns, headings=HEADINGS, error=error,
        partners=partners, filters={"partner": partner if partner in partners else "", "tag": tag},
        partner_options=partner_options, tag_options=tag_options,
    )  # fmt: skip


@get("/roadmap.csv")
async def roadmap_csv(request: HxRequest, lang: PageLanguage, partner: FromQuery[str] = "",
                      tag: FromQuery[str] = "") -> Response[str]:  # fmt: skip
    """The roadmap as a spreadsheet, both languages side by side (cells safe from formula injection)."""
    columns, partners, error = await columns_for(request, partner, tag)
    if error:
        return Response(error, status_code=503, media_type="text/plain; charset=utf-8")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["column", "project_slug", "title_en", "title_cy", "partner_en", "partner_cy", "phase", "state",
                     "next_milestone_en", "next_milestone_cy", "next_milestone_target"])  # fmt: skip
    for code, entries in columns.items():
        for entry in entries:
            project, upcoming = entry["project"], entry["next"] or {}
            owner = partners.get(str(project.get("partner_id"))) or {}
            row = [code, project["slug"], project.get("title_en"), project.get("title_cy"), owner.get("name_en"),
                   owner.get("name_cy"), project["phase"], project["state"], upcoming.get("title_en"),
                   upcoming.get("title_cy"), upcoming.get("target")]  # fmt: skip
            writer.writerow([neutralised(str(cell or "")) for cell in row])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="cdps-roadmap.csv"'})  # fmt: skip
