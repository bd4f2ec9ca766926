"""Live status (web/live.py): which viewer's stream hears of which event, the raw stream of the running
product, and the web carrying on through a NATS outage with live updates resuming when it returns."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import msgspec
import nats
import pytest
import uvicorn

from cdps.embedded import EmbeddedNats, free_port
from shared.bilingual import EMPTY, Bilingual
from shared.events import (
    Actor,
    EngagementEnded,
    EngagementSnapshot,
    EventData,
    MeasureSnapshot,
    MeasureValuesRecorded,
    ProjectPhaseChanged,
    ProjectUpdated,
    SupportRequested,
    encode,
    make_envelope,
)
from shared.identity import PUBLIC, Identity
from shared.settings import Settings
from tests.helpers import eventually, snapshot
from tests.stack import Stack
from tests.web.pages_helpers import add_account, api, create_partner, create_project, start_session
from web.app import create_app
from web.live import Change, Listener, change_of

LEAD = Actor(id="lead-1", role="lead")
PARTNER = uuid.uuid4()
STAFF_VIEWER = Identity(sub="s", role="lead")
OWN_PARTNER = Identity(sub="p", role="partner", partner_id=PARTNER)
OTHER_PARTNER = Identity(sub="q", role="partner", partner_id=uuid.uuid4())


def moved(visibility: str) -> ProjectPhaseChanged:
    return ProjectPhaseChanged(
        project=snapshot(visibility=visibility, partner_id=PARTNER, phase="alpha"), kind="advance",
        from_phase="discovery", to_phase="alpha", from_state="active", to_state="active",
        effective=dt.date(2026, 12, 2), reason=EMPTY,
    )  # fmt: skip


def change(data: EventData, seq: int = 1, aggregate: uuid.UUID | None = None) -> Change:
    envelope = make_envelope(data, actor=LEAD, aggregate_id=aggregate or uuid.uuid4(), aggregate_seq=seq,
                             partner_id=PARTNER)  # fmt: skip
    found = change_of(seq, envelope, data)
    assert found is not None
    return found


def test_each_viewer_hears_only_of_the_projects_it_may_see() -> None:
    public, partner_only, internal = change(moved("public")), change(moved("partner")), change(moved("internal"))
    assert [public.reaches(v, "board") for v in (PUBLIC, OTHER_PARTNER, OWN_PARTNER, STAFF_VIEWER)] == [True] * 4
    assert [partner_only.reaches(v, "board") for v in (PUBLIC, OTHER_PARTNER, OWN_PARTNER, STAFF_VIEWER)] == [
        False, False, True, True]  # fmt: skip
    assert [internal.reaches(v, "board") for v in (PUBLIC, OTHER_PARTNER, OWN_PARTNER, STAFF_VIEWER)] == [
        False, False, False, True]  # fmt: skip
    # A project's change is for its own page, the board, the gates and the roadmap; not another project's page.
    assert public.reaches(PUBLIC, f"project:{public.project_id}") and not public.reaches(PUBLIC, f"project:{PARTNER}")
    assert not public.reaches(STAFF_VIEWER, "triage")


def test_a_support_request_reaches_the_triage_page_of_staff_only() -> None:
    request = change(SupportRequested(organisation="Cyngor", contact_name="Ann", contact_email="a@b.example",
                                      language="cy", need=Bilingual(en="Help"), urgency="high"))  # fmt: skip
    assert request.reaches(STAFF_VIEWER, "triage")
    assert not request.reaches(OWN_PARTNER, "triage") and not request.reaches(PUBLIC, "triage")
    assert request.told_to(STAFF_VIEWER) == {"type": "portfolio.support.requested"}  # no personal data


def test_a_measure_reaches_the_public_once_published_and_an_engagement_never() -> None:
    project_id = uuid.uuid4()
    public = snapshot(visibility="public", partner_id=PARTNER)

    def measure(published: bool) -> MeasureValuesRecorded:
        return MeasureValuesRecorded(
            measure=MeasureSnapshot(project_id=project_id, catalogue=None, name=Bilingual(en="Users", cy="Defnyddwyr"),
                                    unit="count", direction="up", target=None, published=published),
            values=[], latest=None, crossing=None, for_project=public,
        )  # fmt: skip

    page = f"project:{project_id}"
    assert change(measure(True)).reaches(PUBLIC, page) and not change(measure(False)).reaches(PUBLIC, page)
    assert change(measure(False)).reaches(OWN_PARTNER, page) and not change(measure(False)).reaches(OTHER_PARTNER, page)
    ended = EngagementEnded(engagement=EngagementSnapshot(
        partner_id=PARTNER, project_id=project_id, kind="advice", summary_en="Advice", summary_cy="Cyngor",
        started_on=dt.date(2026, 1, 5), ended_on=dt.date(2026, 11, 30), contacts=[]))  # fmt: skip
    assert change(ended).reaches(OWN_PARTNER, page) and change(ended).reaches(STAFF_VIEWER, page)
    assert not change(ended).reaches(PUBLIC, page)


def test_a_project_leaving_the_public_is_a_bare_change_for_everyone_naming_nothing() -> None:
    hidden = ProjectUpdated(project=snapshot(visibility="partner", partner_id=PARTNER), changed=["visibility"])
    left = change(hidden)
    assert left.reaches(PUBLIC, "board")  # it was theirs to see: it leaves their board
    assert left.told_to(PUBLIC) == {"type": "changed"}
    assert left.told_to(OWN_PARTNER) == {"type": "portfolio.project.updated", "project": str(left.project_id)}
    retitled = change(ProjectUpdated(project=snapshot(visibility="partner", partner_id=PARTNER), changed=["title_en"]))
    assert not retitled.reaches(PUBLIC, "board")


def test_a_stream_opened_after_its_page_learns_what_it_missed_or_that_it_cannot_know() -> None:
    listener = Listener()
    rendered = listener.position
    assert listener.since(rendered) == []
    for seq in (1, 2):
        listener.seq = seq
        listener.recent.append(change(moved("partner"), seq))
    assert [c.seq for c in listener.since(rendered) or []] == [1, 2]
    assert listener.since(f"{listener.epoch}.2") == []
    assert listener.since("another-process.0") is None  # another replica rendered the page
    assert listener.since(f"{listener.epoch}.99") is None and listener.since(f"{listener.epoch}.²") is None
    listener.resync()  # NATS came back: what happened meanwhile is unknown
    assert listener.since(rendered) is None


# The running product -------------------------------------------------------------------------


class Events:
    """A raw text/event-stream, read as a browser's EventSource would."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.lines = response.aiter_lines()
        self.seen: list[dict[str, str]] = []

    async def next(self) -> dict[str, str]:
        message: dict[str, str] = {}
        async for line in self.lines:
            if not line:
                if "event" in message:
                    self.seen.append(message)
                    return message
                message = {}
                continue
            name, _, value = line.partition(":")
            if name:
                message[name] = value.strip()
        raise AssertionError("stream ended")

    async def until(self, wanted: str) -> list[dict[str, str]]:
        """Messages up to the one whose data names ``wanted``."""
        while wanted not in (await asyncio.wait_for(self.next(), 30))["data"]:
            pass
        return self.seen


@contextlib.asynccontextmanager
async def stream(base: str, path: str, cookies: dict[str, str] | None = None) -> AsyncIterator[Events]:
    async with (
        httpx.AsyncClient(base_url=base, cookies=cookies or {}, timeout=httpx.Timeout(10, read=60)) as client,
        client.stream("GET", path) as response,
    ):
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        yield Events(response)


async def test_the_anonymous_stream_carries_the_public_projects_move_and_nothing_of_a_partner_only_one(
    stack: Stack,
) -> None:
    partner = await create_partner(stack)
    public = await create_project(stack, partner_id=partner["id"])
    hidden = await create_project(stack, partner_id=partner["id"], visibility="partner")
    own = await add_account(stack, "partner", partner_id=uuid.UUID(partner["id"]))
    own_session = await start_session(stack, own)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    async with (
        stream(stack.urls["web"], "/live?view=board") as anonymous,
        stream(stack.urls["web"], "/live?view=board", {"cdps_session": own_session}) as partners_own,
        stream(stack.urls["web"], f"/live?view=project&project={hidden['id']}") as hidden_page,
    ):
        for project in (hidden, public):  # the partner-only move first: it would arrive first
            moved_on = await api(stack, "POST", f"/api/v1/projects/{project['id']}/phase", version=1,
                                 json={"kind": "advance", "effective": today})  # fmt: skip
            assert moved_on.status_code == 200, moved_on.text
        heard = await anonymous.until(public["id"])
        assert hidden["id"] not in json.dumps(heard)
        assert [json.loads(m["data"]) for m in heard if m["event"] == "changed"] == [
            {"type": "portfolio.project.phase_changed", "project": public["id"]}]  # fmt: skip
        both = await partners_own.until(public["id"])  # the partner's own account hears of both, in order
        assert [json.loads(m["data"]).get("project") for m in both] == [hidden["id"], public["id"]]
        with pytest.raises(TimeoutError):  # the anonymous page of the hidden project hears nothing of it
            await asyncio.wait_for(hidden_page.next(), 3)
    triage = await httpx.AsyncClient(base_url=stack.urls["web"]).get("/live?view=triage")
    assert triage.status_code in (401, 403)


# NATS away and back ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def web_on(settings: Settings) -> AsyncIterator[str]:
    """The web served by uvicorn in this process (streams need a real server)."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())

    async def listening() -> bool:
        with contextlib.closing(socket.socket()) as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    await eventually(listening, timeout=30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.state.before_shutdown()
        server.should_exit = True
        await task


async def test_pages_are_served_while_nats_is_away_and_live_updates_resume_when_it_returns(
    stack: Stack, settings: Settings, tmp_path: Path
) -> None:
    nats_server = EmbeddedNats(tmp_path / "nats")
    own = msgspec.structs.replace(settings, nats_url=nats_server.start(), portfolio_url=stack.urls["portfolio"],
                                  search_url=stack.urls["search"], notifier_url=stack.urls["notifier"])  # fmt: skip
    project = await create_project(stack)
    try:
        async with web_on(own) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:

            async def live_check() -> str | None:
                body = (await client.get("/readyz")).json()
                return str(body.get("live"))

            assert await eventually(lambda: _is(live_check, "ok"), timeout=30)
            async with stream(base, f"/live?view=project&project={project['id']}") as page_stream:
                nats_server.kill()
                assert await eventually(lambda: _starts(live_check, "failing"), timeout=30)
                ready = await client.get("/readyz")
                assert ready.status_code == 503 and "live updates wait" in ready.json()["live"]
                for path in ("/", f"/projects/{project['slug']}", "/gates", "/roadmap"):
                    shown = await client.get(path, params={"lang": "en"})
                    assert shown.status_code == 200, (path, shown.status_code)
                assert project["title_en"] in (await client.get("/")).text
                nats_server.start()  # same port: the web reconnects by itself
                assert await eventually(lambda: _is(live_check, "ok"), timeout=30)
                resync = await asyncio.wait_for(page_stream.next(), 30)  # what it missed is unknown: fetch again
                assert (resync["event"], json.loads(resync["data"])) == ("changed", {"type": "resync"})
                envelope = make_envelope(moved("public"), actor=LEAD, aggregate_id=uuid.UUID(project["id"]),
                                         aggregate_seq=2, partner_id=None)  # fmt: skip
                publisher = await nats.connect(own.nats_url or "")
                await publisher.publish(own.subject_for(envelope.type), encode(envelope))
                await publisher.drain()
                news = await asyncio.wait_for(page_stream.next(), 30)
                assert json.loads(news["data"]) == {"type": envelope.type, "project": project["id"]}
    finally:
        nats_server.stop()


async def _is(check: Callable[[], Awaitable[str | None]], value: str) -> bool:
    return await check() == value


async def _starts(check: Callable[[], Awaitable[str | None]], prefix: str) -> bool:
    return str(await check()).startswith(prefix)
