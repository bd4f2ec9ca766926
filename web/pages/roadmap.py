"""The roadmap page: Now / Next / Later / Recently delivered / Stopped (the rule is web/roadmap.py),
filterable by partner and challenge area; what the viewer may see, so the public sees public projects."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

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


@get("/roadmap")
async def roadmap_page(request: HxRequest, lang: PageLanguage, partner: FromQuery[str] = "",
                       tag: FromQuery[str] = "") -> Template:  # fmt: skip
    found, error = await read_or_none(request, "portfolio", "/api/v1/projects", {"limit": 200})
    milestones, milestones_error = await read_or_none(request, "portfolio", "/api/v1/milestones")
    timelines, _ = await read_or_none(request, "portfolio", "/api/v1/projects/timelines")
    partners, _ = await partners_by_id(request)
    projects: list[dict[str, Any]] = (found or {}).get("items", [])
    if partner:
        projects = [p for p in projects if str(p.get("partner_id")) == partner]
    if tag in labels.TAGS:
        projects = [p for p in projects if tag in (p.get("tags") or [])]
    columns = roadmap.arrange(projects, milestones or [], timelines or [], today())
    partner_options = [("", lang._("All partners"))] + [
        (str(p["id"]), str(p.get(f"name_{lang.code}") or p.get("name_en"))) for p in by_name(lang, partners.values())
    ]
    tag_options = [("", lang._("All challenge areas"))] + [(code, lang._(name)) for code, name in labels.TAGS.items()]
    return await page(
        request, "pages/roadmap.html", columns=columns, headings=HEADINGS, error=error or milestones_error,
        partners=partners, filters={"partner": partner if partner in partners else "", "tag": tag},
        partner_options=partner_options, tag_options=tag_options,
    )  # fmt: skip
