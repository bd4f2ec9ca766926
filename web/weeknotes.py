"""Weeknotes pages: the public list, one weeknote per page, the Atom feed and Markdown export;
and the staff draft view where the intro is written and items are hidden before publication."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import msgspec
from litestar import MediaType, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from markdown_it import MarkdownIt

from shared.http import FieldError, Invalid
from web.context import PageLanguage, staff_only
from web.pages.common import Down, HxRequest, call, page, unavailable

# HTML in the Markdown source is not allowed through: weeknotes include text people wrote.
_markdown = MarkdownIt("commonmark", {"html": False})
_CLASSES = {"h1": "govuk-heading-xl", "h2": "govuk-heading-l", "h3": "govuk-heading-m", "p": "govuk-body",
            "ul": "govuk-list govuk-list--bullet"}  # fmt: skip


ATOM = "application/atom+xml; charset=utf-8"
"""With its charset: without one, browsers read the feed's UTF-8 (curly quotes, Welsh letters) as Latin-1."""

WEEK_LABEL = re.compile(r"[0-9]{4}-W[0-9]{2}")
"""An ISO week as weeknote addresses name it (2026-W13): nothing else goes into the notifier's URL."""


def iso_label(week: dt.date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def to_html(markdown: str) -> str:
    tokens = _markdown.parse(markdown)
    for token in tokens:
        if token.nesting == 1 and token.tag in _CLASSES:
            token.attrSet("class", _CLASSES[token.tag])
    html: str = _markdown.renderer.render(tokens, _markdown.options, {})
    return html


@get("/weeknotes")
async def weeknotes_list(request: HxRequest) -> Template:
    try:
        reply = await call(request, "notifier", "GET", "/api/v1/weeknotes")
        notes, error = [{**note, "label": iso_label(dt.date.fromisoformat(note["week"]))} for note in reply.body], None
    except Down:
        notes, error = [], unavailable(request, "notifier")
    return await page(request, "weeknotes/list.html", notes=notes, error=error)


@get("/weeknotes/feed.atom")
async def weeknotes_feed(request: HxRequest, lang: PageLanguage) -> Response[bytes]:
    settings = request.app.state.settings
    try:
        upstream = await request.app.state.http.get(
            f"{settings.notifier_url}/api/v1/weeknotes/feed.atom", params={"lang": lang.code}
        )
    except httpx.HTTPError:
        return Response(b"", status_code=503)
    return Response(upstream.content, status_code=upstream.status_code, media_type=ATOM)


@get("/weeknotes/{label:str}")
async def weeknote_page(label: FromPath[str], request: HxRequest, lang: PageLanguage) -> Response[Any]:
    markdown_export = label.endswith(".md")
    week = label.removesuffix(".md")
    if not WEEK_LABEL.fullmatch(week):
        raise NotFoundException()
    try:
        reply = await call(request, "notifier", "GET", f"/api/v1/weeknotes/{week}")
    except Down:
        return await page(request, "weeknotes/page.html", note=None, html="", error=unavailable(request, "notifier"))
    if reply.status in (404, 422):
        raise NotFoundException()  # the friendly, bilingual 404 page
    note = reply.body
    text = note["content_cy"] if lang.code == "cy" else note["content_en"]
    if markdown_export:
        filename = f"weeknotes-{label.removesuffix('.md')}-{lang.code}.md"
        return Response(
            text, media_type=MediaType.TEXT, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )
    return await page(request, "weeknotes/page.html", note=note, html=to_html(text), label=label, error=None)


class DraftForm(msgspec.Struct, kw_only=True):
    intro_en: str = ""
    intro_cy: str = ""
    hidden: list[str] | str = []
    version: int = 0
    week: str = ""


@get("/staff/weeknotes/draft", guards=[staff_only])
async def weeknote_draft(request: HxRequest, lang: PageLanguage) -> Template:
    try:
        reply = await call(request, "notifier", "GET", "/api/v1/weeknotes/draft/current")
        draft, error = reply.body, None
    except Down:
        draft, error = None, unavailable(request, "notifier")
    preview = to_html(draft["content_cy"] if lang.code == "cy" else draft["content_en"]) if draft else ""
    return await page(request, "weeknotes/draft.html", draft=draft, preview=preview, error=error)


@post("/staff/weeknotes/draft", guards=[staff_only])
async def save_weeknote_draft(request: HxRequest, data: URLEncodedBody[DraftForm]) -> Response[Any]:
    hidden = [data.hidden] if isinstance(data.hidden, str) else data.hidden
    if not WEEK_LABEL.fullmatch(data.week):  # the form's hidden field, so only a hand-made request fails here
        raise Invalid([FieldError("week", "Use an ISO week such as 2026-W13", "Defnyddiwch wythnos ISO fel 2026-W13")])
    body = {"intro_en": data.intro_en, "intro_cy": data.intro_cy, "hidden": [h for h in hidden if h]}
    try:
        reply = await call(request, "notifier", "PATCH", f"/api/v1/weeknotes/draft/{data.week}", json=body,
                           version=data.version)  # fmt: skip
    except Down:
        return await page(
            request, "weeknotes/draft.html", draft=None, preview="", error=unavailable(request, "notifier")
        )
    if reply.status == 412:
        return Redirect("/staff/weeknotes/draft?conflict=1")
    return Redirect("/staff/weeknotes/draft")


ROUTES = [weeknotes_list, weeknotes_feed, weeknote_page, weeknote_draft, save_weeknote_draft]
