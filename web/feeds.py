"""Atom feeds of a project and of a partner: the phase changes and updates of public projects, read
as the public whoever asks (a feed's address gets shared, so it never holds more than the public
may read). Each page links its feed with <link rel="alternate">.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import httpx
from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from shared import bilingual, vocabulary, welsh
from web import roadmap
from web.context import PageLanguage
from web.i18n import gettext_functions, text_in
from web.pages import validation
from web.pages.common import HxRequest
from web.pages.roadmap import HEADINGS

ATOM = "application/atom+xml; charset=utf-8"
"""With its charset: without one, browsers read the feed's UTF-8 (Welsh letters) as Latin-1."""
MAX_ENTRIES = 100


class Unavailable(Exception):
    pass


async def public_get(request: HxRequest, path: str, params: dict[str, Any] | None = None) -> Any:
    """A portfolio GET with no identity (the public's view); None for a 404."""
    try:
        response = await request.app.state.http.get(f"{request.app.state.settings.portfolio_url}{path}", params=params)
    except httpx.HTTPError as exc:
        raise Unavailable() from exc
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise Unavailable()
    return response.json()


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    at: dt.datetime
    link: str
    text: str
    text_lang: str = ""
    """The language ``text`` is in, when it is not the feed's (written in the other language only)."""


def pick(record: dict[str, Any], field: str, lang: str) -> str:
    """The record's text in ``lang``, or in the other language when that one was left empty."""
    other = "en" if lang == "cy" else "cy"
    return str(record.get(f"{field}_{lang}") or record.get(f"{field}_{other}") or "")


def words(lang: str) -> dict[str, str]:
    if lang == "cy":
        return {"update": "Diweddariad", "created": "Prosiect newydd", "moved": "Wedi symud", "to": "i", "phase": "Cam",
                "author": "Canolfan Gwasanaethau Cyhoeddus Digidol", "only": "Yn Saesneg yn unig"}  # fmt: skip
    return {"update": "Update", "created": "New project", "moved": "Moved", "to": "to", "phase": "Phase",
            "author": "Centre for Digital Public Services", "only": "Written in Welsh only"}  # fmt: skip


async def project_entries(request: HxRequest, project: dict[str, Any], timelines: list[dict[str, Any]], lang: str,
                          base: str) -> list[Entry]:  # fmt: skip
    """A public project's updates, its creation and its phase changes."""
    title, link, said = pick(project, "title", lang), f"{base}/projects/{project['slug']}", words(lang)
    entries = []
    for update in await public_get(request, f"/api/v1/projects/{project['id']}/updates") or []:
        posted = dt.datetime.combine(dt.date.fromisoformat(update["posted_on"]), dt.time(12), dt.UTC)
        body, body_lang = text_in(update, "body", lang)
        only = f" ({said['only']})" if body_lang != lang else ""  # the note is in the feed's language: the title's
        entries.append(Entry(f"urn:uuid:{update['id']}", f"{said['update']}: {title}{only}", posted, link, body,
                             body_lang if only else ""))  # fmt: skip
    for change in timelines:
        if change["project_id"] != str(project["id"]):
            continue
        at = dt.datetime.fromisoformat(change["occurred_at"])
        entry_id = f"urn:cdps:project:{project['id']}:{change['seq']}"
        if change["type"] == "portfolio.project.created":
            entries.append(Entry(entry_id, f"{said['created']}: {title}", at, link, pick(project, "summary", lang)))
        else:
            to_phase = str(change["data"].get("to_phase"))
            phase = vocabulary.name(vocabulary.PHASES, to_phase, "cy" if lang == "cy" else "en")
            moved = f"{said['moved']} {welsh.after(said['to'], phase)}"  # "Wedi symud i Fyw": i softens the phase
            entries.append(Entry(entry_id, f"{title}: {moved}", at, link, f"{said['phase']}: {phase}"))
    return entries


def atom(*, feed_id: str, title: str, self_link: str, page_link: str, lang: str, entries: list[Entry]) -> str:
    """An Atom 1.0 feed, newest first. Each entry's text is escaped: nothing in it becomes markup."""
    entries = sorted(entries, key=lambda e: e.at, reverse=True)[:MAX_ENTRIES]
    updated = entries[0].at if entries else dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    attr = {'"': "&quot;"}
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(feed_id)}</id>",
        f'<link rel="self" href="{escape(self_link, attr)}"/>',
        f'<link rel="alternate" type="text/html" href="{escape(page_link, attr)}"/>',
        f"<updated>{updated.isoformat()}</updated>",
        f"<author><name>{words(lang)['author']}</name></author>",
    ]
    for entry in entries:
        text_lang = f' xml:lang="{entry.text_lang}"' if entry.text_lang else ""
        parts += [
            "<entry>",
            f"<title>{escape(entry.title)}</title>",
            f"<id>{escape(entry.id)}</id>",
            f'<link rel="alternate" type="text/html" href="{escape(entry.link, attr)}"/>',
            f"<updated>{entry.at.isoformat()}</updated>",
            f'<content type="text"{text_lang}>{escape(entry.text)}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


def feed_response(body: str) -> Response[str]:
    return Response(body, media_type=ATOM, headers={"Cache-Control": "public, max-age=300"})


@get("/feeds/projects/{name:str}")
async def project_feed(request: HxRequest, lang: PageLanguage, name: FromPath[str]) -> Response[str]:
    """/feeds/projects/<slug>.atom"""
    slug = name.removesuffix(".atom")
    if not name.endswith(".atom") or len(slug) > 80 or not validation.SLUG.fullmatch(slug):
        raise NotFoundException()
    try:
        project = await public_get(request, f"/api/v1/projects/by-slug/{slug}")
        if project is None:
            raise NotFoundException()  # not there, or not public
        entries = await project_entries(request, project, await public_get(request, "/api/v1/projects/timelines"),
                                        lang.code, base := request.app.state.settings.public_url)  # fmt: skip
    except Unavailable:
        return Response("", status_code=503, headers={"Retry-After": "60"})
    page = f"{base}/projects/{slug}"
    return feed_response(atom(feed_id=page, title=f"CDPS: {pick(project, 'title', lang.code)}",
                              self_link=f"{base}/feeds/projects/{slug}.atom?lang={lang.code}", page_link=page,
                              lang=lang.code, entries=entries))  # fmt: skip


@get("/feeds/partners/{name:str}")
async def partner_feed(request: HxRequest, lang: PageLanguage, name: FromPath[str]) -> Response[str]:
    """/feeds/partners/<id>.atom"""
    try:
        partner_id = uuid.UUID(name.removesuffix(".atom")) if name.endswith(".atom") else None
    except ValueError:
        partner_id = None
    if partner_id is None:
        raise NotFoundException()
    base = request.app.state.settings.public_url
    try:
        partner = await public_get(request, f"/api/v1/partners/{partner_id}")
        if partner is None:
            raise NotFoundException()
        found = await public_get(request, "/api/v1/projects", {"partner": str(partner_id), "limit": 200})
        timelines = await public_get(request, "/api/v1/projects/timelines")
        entries = []
        for project in (found or {}).get("items", []):
            entries += await project_entries(request, project, timelines, lang.code, base)
    except Unavailable:
        return Response("", status_code=503, headers={"Retry-After": "60"})
    page = f"{base}/partners/{partner_id}"
    return feed_response(atom(feed_id=page, title=f"CDPS: {pick(partner, 'name', lang.code)}",
                              self_link=f"{base}/feeds/partners/{partner_id}.atom?lang={lang.code}", page_link=page,
                              lang=lang.code, entries=entries))  # fmt: skip


def roadmap_entries(columns: Any, partners: dict[str, Any], lang: str, base: str) -> list[Entry]:
    """One entry for each project where the roadmap has it now: a project that moves to another
    column is a new entry (its id names the column), so a feed reader shows the move."""
    _ = gettext_functions(lang)["_"]
    entries = []
    for code, placed in columns.items():
        heading, description = HEADINGS[code]
        for item in placed:
            project, upcoming = item["project"], item["next"]
            title = pick(project, "title", lang)
            owner = partners.get(str(project.get("partner_id")))
            text = [_(description)]
            if owner is not None:
                text.append(_("Partner") + ": " + pick(owner, "name", lang))
            if upcoming is not None:
                text.append(_("Next milestone") + f": {pick(upcoming, 'title', lang)} ({upcoming['target']})")
            if item.get("placed"):
                reason = bilingual.shown(
                    bilingual.read(project["roadmap_override"]["reason"]), "cy" if lang == "cy" else "en"
                )
                text.append(_("Placed here by CDPS") + f": {reason.text}")
            entries.append(Entry(
                f"urn:cdps:roadmap:{project['id']}:{code}", f"{_(heading)}: {title}",
                dt.datetime.fromisoformat(str(project["updated_at"])), f"{base}/projects/{project['slug']}",
                "\n".join(text),
            ))  # fmt: skip
    return entries


@get("/feeds/roadmap.atom")
async def roadmap_feed(request: HxRequest, lang: PageLanguage, partner: FromQuery[str] = "",
                       tag: FromQuery[str] = "") -> Response[str]:  # fmt: skip
    """The public roadmap as an Atom feed (the page's filters apply)."""
    base = request.app.state.settings.public_url
    try:
        found = await public_get(request, "/api/v1/projects", {"limit": 200})
        milestones = await public_get(request, "/api/v1/milestones") or []
        timelines = await public_get(request, "/api/v1/projects/timelines") or []
        listed = await public_get(request, "/api/v1/partners") or []
    except Unavailable:
        return Response("", status_code=503, headers={"Retry-After": "60"})
    projects = [
        p
        for p in (found or {}).get("items", [])
        if (not partner or str(p.get("partner_id")) == partner) and (not tag or tag in (p.get("tags") or []))
    ]
    columns = roadmap.arrange(projects, milestones, timelines, dt.datetime.now(dt.UTC).date())
    partners = {str(p["id"]): p for p in listed}
    filters = urlencode({k: v for k, v in (("partner", partner), ("tag", tag)) if v})
    page = f"{base}/roadmap" + (f"?{filters}" if filters else "")
    _ = gettext_functions(lang.code)["_"]
    return feed_response(atom(feed_id=page, title=f"CDPS: {_('Roadmap')}", page_link=page, lang=lang.code,
                              self_link=f"{base}/feeds/roadmap.atom?{filters + '&' if filters else ''}lang={lang.code}",
                              entries=roadmap_entries(columns, partners, lang.code, base)))  # fmt: skip


ROUTES = [project_feed, partner_feed, roadmap_feed]
