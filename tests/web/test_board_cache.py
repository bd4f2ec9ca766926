"""The board's cache (web/boardcache.py): kept per viewer class, forgotten on the event that changes
the board, never shown to another class, and 304 for a repeat visit that already has the page."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any, cast

import httpx

from tests.helpers import eventually
from tests.stack import Stack
from tests.web.pages_helpers import api, browser, create_partner, create_project
from tests.web.test_live import stream
from web.accounts import Account, AccountRole
from web.boardcache import BoardCache, viewer_class
from web.context import Language
from web.i18n import template_engine
from web.live import ALL_VIEWS, EVERYONE, Change
from web.pages.common import HxRequest
from web.pages.dashboard import board, board_html


def test_a_view_that_began_before_a_change_never_keeps_what_it_read() -> None:
    now = [0.0]
    cache = BoardCache(ttl=30, clock=lambda: now[0])
    began = cache.generation
    cache.on_change(Change(1, "portfolio.project.updated", EVERYONE, frozenset(("board",))))
    cache.put(("public",), began, {"projects": ["old"]})  # read before the change: not kept
    assert cache.get(("public",)) is None
    cache.put(("public",), cache.generation, {"projects": ["new"]})
    assert cache.get(("public",)) == {"projects": ["new"]}
    cache.on_change(Change(2, "portfolio.project.update_posted", EVERYONE, frozenset(("project:x",))))
    assert cache.get(("public",)) == {"projects": ["new"]}, "a change the board does not show keeps it"
    cache.on_change(Change(3, "resync", EVERYONE, ALL_VIEWS, bare=True))
    assert cache.get(("public",)) is None, "a resync (events may have been missed) forgets everything"
    cache.put(("public",), cache.generation, {"projects": ["new"]})
    now[0] = 31.0
    assert cache.get(("public",)) is None, "an entry outlives its TTL never"


def test_nothing_is_kept_while_the_listener_is_not_connected() -> None:
    cache = BoardCache()
    connected = [False]
    cache.connected = lambda: connected[0]
    cache.put(("public",), cache.generation, {"projects": []})
    connected[0] = True
    assert cache.get(("public",)) is None
    cache.put(("public",), cache.generation, {"projects": []})
    connected[0] = False
    assert cache.get(("public",)) is None


def test_each_partner_is_a_class_of_its_own_and_staff_are_not_the_public() -> None:
    def account(role: AccountRole, partner: uuid.UUID | None = None) -> Account:
        return Account(id=uuid.uuid4(), email="a@b.example", role=role, partner_id=partner, name="A", language="cy",
                       active=True)  # fmt: skip

    one, two = uuid.uuid4(), uuid.uuid4()
    classes = {viewer_class(None), viewer_class(account("partner", one)), viewer_class(account("partner", two)),
               viewer_class(account("lead")), viewer_class(account("admin"))}  # fmt: skip
    assert len(classes) == 5
    assert viewer_class(account("partner", one)) == viewer_class(account("partner", one))


async def test_a_change_shows_on_the_next_view_after_its_event(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    path = f"/?partner={partner['id']}&lang=en"
    async with (
        httpx.AsyncClient(base_url=stack.urls["web"], timeout=15) as client,
        stream(stack.urls["web"], "/live?view=board") as live,
    ):
        assert project["title_en"] in (await client.get(path)).text
        assert project["title_en"] in (await client.get(path)).text  # kept now
        renamed = f"Renamed {uuid.uuid4().hex[:8]}"
        edited = await api(stack, "PATCH", f"/api/v1/projects/{project['id']}", version=1, json={"title_en": renamed})
        assert edited.status_code == 200, edited.text
        await live.until(project["id"])  # the web has heard the event
        shown = (await client.get(path)).text
        assert renamed in shown and project["title_en"] not in shown


async def test_a_partners_kept_board_is_never_shown_to_another_viewer_class(stack: Stack) -> None:
    partner, other = await create_partner(stack), await create_partner(stack)
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    path = f"/?partner={partner['id']}&lang=en"
    async with browser(stack, "partner", partner_id=uuid.UUID(partner["id"])) as own:
        for _ in range(2):  # the second view comes from the cache
            assert hidden["title_en"] in (await own.get(path)).text
        async with browser(stack) as anonymous, browser(stack, "partner", partner_id=uuid.UUID(other["id"])) as other_:
            for viewer in (anonymous, other_):
                page = await viewer.get(path)
                assert page.status_code == 200 and hidden["title_en"] not in page.text
        async with browser(stack, "lead") as lead:
            assert hidden["title_en"] in (await lead.get(path)).text
        assert hidden["title_en"] in (await own.get(path)).text


async def test_a_repeat_visit_that_has_the_page_gets_304_and_a_changed_board_a_200(stack: Stack) -> None:
    partner = await create_partner(stack)
    project = await create_project(stack, partner_id=partner["id"])
    path = f"/?partner={partner['id']}&lang=en"
    async with browser(stack) as visitor:
        # The page names where the live listener stood, so an event anywhere in between changes it: try again.
        for _ in range(10):
            first = await visitor.get(path)
            tag = first.headers["etag"]
            again = await visitor.get(path, headers={"If-None-Match": tag})
            if again.status_code == 304:
                break
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
        assert "private" in first.headers["cache-control"]
        renamed = f"Renamed {uuid.uuid4().hex[:8]}"
        edited = await api(stack, "PATCH", f"/api/v1/projects/{project['id']}", version=1, json={"title_en": renamed})
        assert edited.status_code == 200, edited.text

        async def changed() -> bool:
            page = await visitor.get(path, headers={"If-None-Match": tag})
            return page.status_code == 200 and renamed in page.text

        assert await eventually(changed, timeout=15)


def test_a_kept_board_is_rendered_once_in_the_language_it_is_kept_for() -> None:
    project = {"id": str(uuid.uuid4()), "slug": "ferry", "title_en": "Ferry timetables", "title_cy": "Amserlenni fferi",
               "phase": "alpha", "health": "green", "state": "active", "partner_id": None}  # fmt: skip
    shown: dict[str, Any] = {
        "projects_error": None,
        "columns": board([project]),
        "partners": {},
        "figures": [],
        "history_note": None,
    }
    app = SimpleNamespace(template_engine=template_engine())
    request = cast("HxRequest", SimpleNamespace(app=app))
    welsh = board_html(request, Language.of("cy"), None, shown)
    assert "Amserlenni fferi" in welsh and "Sut mae&#39;r portffolio&#39;n symud" in welsh

    app.template_engine = None  # a second view of the kept entry renders nothing
    assert board_html(request, Language.of("cy"), None, shown) is welsh
