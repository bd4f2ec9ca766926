"""Weeknotes API: published weeknotes for everyone (JSON, Markdown, Atom); the draft for staff."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from litestar import MediaType, Response, get, patch
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from services.notifier.weeknotes import store
from services.notifier.weeknotes.calendar import iso_label, week_of
from services.notifier.weeknotes.compose import Item, compose, summary
from services.notifier.weeknotes.render import atom, markdown
from shared.http import FieldError, Invalid, NotFound, Stale
from shared.requests import Connection, ExpectedVersion, etag, staff_only
from shared.service import Runtime

if TYPE_CHECKING:
    from shared.db import Conn

Lang = Annotated[Literal["cy", "en"], QueryParameter()]
_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")


def parse_week(label: str) -> dt.date:
    match = _LABEL.match(label)
    try:
        assert match is not None
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except (AssertionError, ValueError):
        raise Invalid(
            [FieldError("week", "Use an ISO week such as 2026-W13", "Defnyddiwch wythnos ISO fel 2026-W13")]
        ) from None


class DraftView(msgspec.Struct, kw_only=True):
    week: str
    status: str
    version: int
    intro_en: str
    intro_cy: str
    hidden: list[uuid.UUID]
    summary_en: str
    summary_cy: str
    content_en: str
    content_cy: str
    items: list[Item]
    missing_translations: list[tuple[str, str]]


class DraftEdit(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    intro_en: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    intro_cy: Annotated[str, msgspec.Meta(max_length=4000)] = ""
    hidden: Annotated[list[uuid.UUID], msgspec.Meta(max_length=500)] = []


@get("/api/v1/weeknotes", tags=["weeknotes"])
async def list_weeknotes(conn: Connection) -> list[store.Published]:
    return await store.list_published(conn)


ATOM = "application/atom+xml; charset=utf-8"
"""With its charset: without one, browsers read the feed's UTF-8 (curly quotes, Welsh letters) as Latin-1."""


@get("/api/v1/weeknotes/feed.atom", media_type=ATOM, tags=["weeknotes"])
async def feed(state: State, conn: Connection, lang: Lang = "cy") -> str:
    notes = await store.list_published(conn, limit=50)
    runtime: Runtime = state.runtime
    base = runtime.settings.public_url
    updated = notes[0].published_at if notes else dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    entries = [(n.week, n.published_at, n.content_cy if lang == "cy" else n.content_en) for n in notes]
    return atom(entries, base_url=base, lang=lang, updated=updated)


async def _published(conn: Conn, label: str) -> store.Published:
    note = await store.get_published(conn, parse_week(label))
    if note is None:
        raise NotFound("weeknote", "nodyn wythnos")
    return note


@get("/api/v1/weeknotes/{label:str}", tags=["weeknotes"])
async def get_weeknote(label: FromPath[str], conn: Connection) -> store.Published:
    return await _published(conn, label)


@get("/api/v1/weeknotes/{label:str}/markdown", media_type=MediaType.TEXT, tags=["weeknotes"])
async def weeknote_markdown(label: FromPath[str], conn: Connection, lang: Lang = "cy") -> str:
    """For people who paste weeknotes into a blog."""
    note = await _published(conn, label)
    return note.content_cy if lang == "cy" else note.content_en


async def _draft_view(conn: Conn, week: dt.date, web_base: str) -> DraftView:
    draft, note = await store.compose_week(conn, week)
    everything = compose(week, await store.week_events(conn, week))  # hidden items too, to unhide them
    return DraftView(
        week=iso_label(week), status=draft.status, version=draft.version, intro_en=draft.intro_en,
        intro_cy=draft.intro_cy, hidden=draft.hidden, summary_en=summary(note, "en"), summary_cy=summary(note, "cy"),
        content_en=markdown(note, "en", draft.intro_en, web_base=web_base),
        content_cy=markdown(note, "cy", draft.intro_cy, web_base=web_base),
        items=[item for section in everything.projects for item in section.items],
        missing_translations=[(i, lang) for i, lang in note.missing],
    )  # fmt: skip


@get("/api/v1/weeknotes/draft/current", tags=["weeknotes"], guards=[staff_only])
async def current_draft(state: State, conn: Connection) -> Response[DraftView]:
    """Staff: this week's weeknote as it stands, updating as events arrive."""
    view = await _draft_view(conn, week_of(dt.datetime.now(dt.UTC)), state.runtime.settings.public_url)
    return Response(view, headers={"ETag": etag(view.version)})


@patch("/api/v1/weeknotes/draft/{label:str}", tags=["weeknotes"], guards=[staff_only])
async def edit_draft(
    label: FromPath[str], data: JSONBody[DraftEdit], state: State, conn: Connection, expected_version: ExpectedVersion
) -> DraftView:
    """Staff: the intro (both languages) and the items to hide, before publication. If-Match required."""
    week = parse_week(label)
    edited = await store.edit_draft(conn, week, expected_version, intro_en=data.intro_en, intro_cy=data.intro_cy,
                                    hidden=list(data.hidden))  # fmt: skip
    if edited is None:
        raise Stale()
    return await _draft_view(conn, week, state.runtime.settings.public_url)


ROUTES = [list_weeknotes, feed, get_weeknote, weeknote_markdown, current_draft, edit_draft]
