"""Live status: the web's one listener on the event stream, and the Server-Sent Events it feeds.

Each web process subscribes once, over core NATS, to the stream's subjects (``portfolio.>`` and
``weeknotes.>``): no consumer on the server, nothing stored, nothing to clean up. Every event is
turned into a :class:`Change` (who may see it, which pages it changes) by :func:`change_of`, a pure
function, and handed to whoever subscribed (:meth:`Listener.subscribe`): each open page's stream,
and any cache that must forget what an event made stale.

A page does not receive the event's content: its stream says *that* something it shows changed
(``event: changed``), and htmx fetches the page's part again as the viewer (``hx-trigger="sse:changed"``),
so what a viewer sees is always what the services let them read. A stream carries only changes whose
audience admits the viewer (the same rule as the portfolio's reads and the feeds'); the project a
change is about is named only to viewers who may see it.

Events are not kept, but the last :data:`RECENT` are remembered with their place in this process's
sequence (:attr:`Listener.position`): a page says where the listener stood when it was rendered
(``since``), and a stream that opens, or reopens after a dropped connection (``Last-Event-ID``),
first says "changed" if anything the viewer may see happened since. A gap nobody can know the
content of (NATS was away, another process or replica rendered the page, the gap is older than what
is remembered) is a change for everyone: the page fetches itself again and is right once more.

While NATS is away the pages are served as ever and the streams stay open; the task reports the
outage to its ``Health`` (``/readyz`` says not ready), and when NATS returns every stream is told
to fetch its page again.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

import msgspec
import nats.errors
from litestar import Response, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Stream
from nats.aio.msg import Msg
from prometheus_client import Counter, Gauge

from shared import events
from shared.bus import stream_subjects
from shared.events import (
    ActionAdded,
    ActionClosed,
    AssessmentDrafted,
    AssessmentPublished,
    AssessmentSubmitted,
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    EngagementEnded,
    EngagementRecorded,
    EngagementUpdated,
    EventData,
    Header,
    MeasureChanged,
    MeasureDefined,
    MeasureValuesRecorded,
    MilestoneAdded,
    MilestoneChanged,
    MilestoneCompleted,
    MilestoneRemoved,
    PartnerRegistered,
    PartnerUpdated,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectRoadmapPlaced,
    ProjectSnapshot,
    ProjectUpdated,
    ProjectUpdatePosted,
    SupportRequested,
    SupportTriaged,
)
from shared.identity import PUBLIC, Identity
from shared.logs import get_logger
from shared.service import Runtime
from shared.supervision import DEPENDENCY_ERRORS, Health, pause
from web import accounts
from web.context import account_of
from web.pages.common import HxRequest

log = get_logger(__name__)

RECENT = 1000
"""Changes remembered, so that a page opened a moment ago learns what it missed (no more: memory)."""
KEEPALIVE_SECONDS = 20.0
"""A comment this often on every open stream: proxies keep the connection, and a stream whose
viewer signed out (or whose session ended) is closed."""
QUEUE = 64
"""Changes waiting for one slow stream; past that the stream is told to fetch its page once."""
CHECK_SECONDS = 1.0
"""How often the listener looks at its NATS connection (to report an outage and its end)."""
RETRY_MILLISECONDS = 2000
"""How long a browser waits before reopening a dropped stream (the SSE ``retry`` field)."""

STREAMS = Gauge("cdps_web_live_streams", "Live-status streams open in this web process")
CHANGES = Counter("cdps_web_live_changes_total", "Events the live-status listener received")

View = Literal["board", "gates", "triage", "project", "roadmap"]
VIEWS: tuple[View, ...] = ("board", "gates", "triage", "project", "roadmap")


@dataclass(frozen=True)
class Audience:
    """Who may see a change: ``public`` everyone; ``partner`` staff and that partner's accounts;
    ``staff`` delivery leads and admins (the portfolio's rule, ``store.VISIBLE``)."""

    visibility: Literal["public", "partner", "staff"]
    partner_id: uuid.UUID | None = None

    def admits(self, viewer: Identity) -> bool:
        if viewer.is_staff or self.visibility == "public":
            return True
        return (
            self.visibility == "partner"
            and viewer.role == "partner"
            and self.partner_id is not None
            and viewer.partner_id == self.partner_id
        )


STAFF = Audience("staff")
EVERYONE = Audience("public")


@dataclass(frozen=True)
class Change:
    """What one event changed, for the pages that show it. ``seq`` is its place in this process."""

    seq: int
    type: str
    audience: Audience
    views: frozenset[str]
    """The pages it changes: "board", "gates", "triage", "roadmap", "project:<id>"."""
    project_id: uuid.UUID | None = None
    bare: bool = False
    """Also a change for viewers the audience does not admit, told without naming anything: a
    project whose visibility changed may have been theirs to see until now (it leaves their board)."""

    def reaches(self, viewer: Identity, view: str) -> bool:
        shown = view in self.views or (view.startswith("project:") and "project:*" in self.views)
        return shown and (self.bare or self.audience.admits(viewer))

    def told_to(self, viewer: Identity) -> dict[str, str]:
        """What the stream says of it (the page fetches the rest as the viewer)."""
        if not self.audience.admits(viewer):
            return {"type": "changed"}
        return {"type": self.type} | ({"project": str(self.project_id)} if self.project_id else {})


RESYNC_TYPE = "resync"
"""A change whose content nobody knows (events may have been missed): every page fetches itself."""
CLOSING_TYPE = "closing"
"""The web process is stopping: streams end, and browsers reopen them on another process."""
ALL_VIEWS = frozenset(("board", "gates", "triage", "roadmap", "project:*"))


def _audience_of(project: ProjectSnapshot) -> Audience:
    if project.visibility == "public":
        return EVERYONE
    if project.visibility == "partner":
        return Audience("partner", project.partner_id)
    return STAFF


def _partner_level(project: ProjectSnapshot) -> Audience:
    """Staff and the project's partner (drafts, actions, engagements): never the public."""
    return Audience("partner", project.partner_id) if project.partner_id else STAFF


def change_of(seq: int, header: Header, event: EventData) -> Change | None:
    """The change an event makes to the pages, or None for one that no live page shows."""
    if isinstance(event, ProjectCreated | ProjectUpdated | ProjectPhaseChanged | ProjectHealthChanged):
        project_id = header.aggregate_id
        bare = isinstance(event, ProjectUpdated) and "visibility" in event.changed
        views = frozenset(("board", "gates", "roadmap", f"project:{project_id}"))
        return Change(seq, header.type, _audience_of(event.project), views, project_id, bare)
    if isinstance(event, ProjectRoadmapPlaced):
        project_id = header.aggregate_id
        views = frozenset(("roadmap", f"project:{project_id}"))
        return Change(seq, header.type, _audience_of(event.project), views, project_id)
    if isinstance(event, ProjectUpdatePosted):
        project_id = header.aggregate_id
        return Change(seq, header.type, _audience_of(event.project), frozenset((f"project:{project_id}",)), project_id)
    if isinstance(event, AssessmentDrafted | AssessmentSubmitted | AssessmentPublished):
        project_id = event.assessment.project_id
        published = isinstance(event, AssessmentPublished)
        audience = _audience_of(event.for_project) if published else _partner_level(event.for_project)
        return Change(seq, header.type, audience, frozenset(("gates", f"project:{project_id}")), project_id)
    if isinstance(event, ActionAdded | ActionClosed):
        project_id = event.action.project_id
        return Change(seq, header.type, _partner_level(event.for_project),
                      frozenset(("gates", f"project:{project_id}")), project_id)  # fmt: skip
    if isinstance(event, MilestoneAdded | MilestoneChanged | MilestoneCompleted | MilestoneRemoved):
        project_id = event.milestone.project_id
        return Change(seq, header.type, _audience_of(event.for_project),
                      frozenset(("roadmap", f"project:{project_id}")), project_id)  # fmt: skip
    if isinstance(event, EngagementRecorded | EngagementUpdated | EngagementEnded):
        now = event if isinstance(event, EngagementRecorded) else event.engagement
        views = frozenset((f"project:{now.project_id}",)) if now.project_id else frozenset()
        return Change(seq, header.type, Audience("partner", now.partner_id), views, now.project_id)
    if isinstance(event, CommentPosted | CommentEdited | CommentDeleted):
        # A staff-only note reaches staff only; any other comment, whoever may talk on the project.
        audience = STAFF if event.internal else _partner_level(event.for_project)
        views = frozenset((f"project:{event.project_id}",))
        return Change(seq, header.type, audience, views, event.project_id)
    if isinstance(event, MeasureDefined | MeasureChanged | MeasureValuesRecorded):
        project_id = event.measure.project_id  # public once published, and only on a public project
        audience = _audience_of(event.for_project) if event.measure.published else _partner_level(event.for_project)
        return Change(seq, header.type, audience, frozenset((f"project:{project_id}",)), project_id)
    if isinstance(event, SupportRequested | SupportTriaged):
        return Change(seq, header.type, STAFF, frozenset(("triage",)))
    if isinstance(event, PartnerRegistered | PartnerUpdated):  # the cards name their partner
        audience = EVERYONE if event.partner.active else STAFF
        bare = isinstance(event, PartnerUpdated) and "active" in event.changed
        return Change(seq, header.type, audience, frozenset(("board", "roadmap")), bare=bare)
    return None


Subscriber = Callable[[Change], None]


class Listener:
    """The web process's one subscription to the event stream; see the module's docstring.

    ``subscribe(callback)`` calls ``callback(change)`` (in the event loop, without awaiting: keep it
    quick) for every change from then on, a resync (``type == "resync"``: forget everything) after
    NATS came back, and a closing one when the process stops; it returns the unsubscribe function.
    """

    def __init__(self) -> None:
        self.epoch = uuid.uuid4().hex[:12]
        self.seq = 0
        self.recent: deque[Change] = deque(maxlen=RECENT)
        self.subscribers: set[Subscriber] = set()
        self.closed = False
        self.connected = False
        """Subscribed, and NATS connected: changes are arriving."""

    @property
    def position(self) -> str:
        """Where the listener stands: what a page rendered now puts in its stream's ``since``."""
        return f"{self.epoch}.{self.seq}"

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        self.subscribers.add(callback)
        return lambda: self.subscribers.discard(callback)

    def since(self, position: str) -> list[Change] | None:
        """The changes after ``position``, or None when they cannot be known (another process's
        position, one older than what is remembered, or a gap while NATS was away)."""
        epoch, _, seq_text = position.partition(".")
        if epoch != self.epoch or not seq_text.isascii() or not seq_text.isdigit() or len(seq_text) > 18:
            return None
        seq = int(seq_text)
        if seq > self.seq:
            return None
        if seq == self.seq:
            return []
        if not self.recent or self.recent[0].seq > seq + 1:
            return None
        found = [change for change in self.recent if change.seq > seq]
        return None if any(c.type == RESYNC_TYPE for c in found) else found

    def publish(self, change: Change) -> None:
        for callback in list(self.subscribers):
            try:
                callback(change)
            except Exception:  # one subscriber's bug must not stop the others'
                log.exception("live subscriber failed", change=change.type)

    def _next(self, type_: str, audience: Audience, views: frozenset[str], **more: Any) -> Change:
        self.seq += 1
        return Change(self.seq, type_, audience, views, **more)

    def resync(self) -> None:
        change = self._next(RESYNC_TYPE, EVERYONE, ALL_VIEWS, bare=True)
        self.recent.append(change)
        self.publish(change)

    def close(self) -> None:
        """The process is stopping: every stream ends (browsers reopen them elsewhere)."""
        if not self.closed:
            self.closed = True
            self.publish(Change(self.seq, CLOSING_TYPE, EVERYONE, ALL_VIEWS, bare=True))

    async def on_message(self, msg: Msg) -> None:
        CHANGES.inc()
        try:
            header, event = events.decode_typed(msg.data)
        except (events.UnknownEvent, msgspec.ValidationError, msgspec.DecodeError):
            return  # a newer producer's event, or not ours: no page of this version shows it
        change = change_of(self.seq + 1, header, event)
        if change is None:
            return
        self.seq = change.seq
        self.recent.append(change)
        self.publish(change)

    async def run(self, runtime: Runtime, health: Health) -> None:
        """The background task (under shared/supervision.py): subscribe, then watch the connection."""
        nc = runtime.nc
        subjects = stream_subjects(runtime.settings)
        subscriptions = [await nc.subscribe(subject, cb=self.on_message) for subject in subjects]
        if self.seq:  # subscribed again after a failure: what came meanwhile is unknown
            self.resync()
        try:
            while not runtime.stop.is_set():
                if nc.is_connected:
                    if not self.connected:
                        self.connected = True
                        if health.failing:
                            self.resync()  # back after an outage: events may have been missed
                    health.progress()
                else:
                    self.connected = False
                    health.failed(ConnectionError("NATS is not connected: live updates wait for it"))
                await pause(runtime.stop, CHECK_SECONDS)
        finally:
            self.connected = False
            for subscription in subscriptions:
                with contextlib.suppress(nats.errors.Error):
                    await subscription.unsubscribe()


def listener_of(request: HxRequest) -> Listener:
    live: Listener = request.app.state.live
    return live


def _message(event: str, data: dict[str, str] | None, event_id: str) -> bytes:
    body = msgspec.json.encode(data or {}).decode()
    return f"id: {event_id}\nevent: {event}\ndata: {body}\n\n".encode()


def _view_key(view: str, project: str) -> str:
    if view not in VIEWS:
        raise NotFoundException()
    if view != "project":
        return view
    try:
        return f"project:{uuid.UUID(project)}"
    except ValueError:
        raise NotFoundException() from None


@get("/live", include_in_schema=False)
async def live_stream(
    request: HxRequest, view: FromQuery[str] = "board", project: FromQuery[str] = "", since: FromQuery[str] = "",
) -> Response[Any]:  # fmt: skip
    """The stream of one page: ``event: changed`` whenever something it shows, that the viewer may
    see, changes (text/event-stream; htmx's SSE extension reads it)."""
    key = _view_key(view, project)
    account = await account_of(request)
    viewer = account.identity if account is not None else PUBLIC
    if key == "triage" and not viewer.is_staff:
        raise PermissionDeniedException()
    listener = listener_of(request)
    resume = request.headers.get("last-event-id") or since[:40]
    session = request.cookies.get("cdps_session")
    return Stream(
        _stream(request, listener, viewer, key, resume, session),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(
    request: HxRequest, listener: Listener, viewer: Identity, key: str, resume: str, session: str | None
) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[Change] = asyncio.Queue(QUEUE)
    overflowed = False

    def deliver(change: Change) -> None:
        nonlocal overflowed
        if not change.reaches(viewer, key):
            return
        try:
            queue.put_nowait(change)
        except asyncio.QueueFull:
            overflowed = True

    unsubscribe = listener.subscribe(deliver)
    STREAMS.inc()
    try:
        # The opening sets the browser's Last-Event-ID, so a reopened stream resumes from here.
        yield f"retry: {RETRY_MILLISECONDS}\nid: {listener.position}\n: live\n\n".encode()
        if resume:
            missed = listener.since(resume)
            if missed is None:
                yield _message("changed", {"type": RESYNC_TYPE}, listener.position)
            elif reaching := [c for c in missed if c.reaches(viewer, key)]:
                yield _message("changed", reaching[-1].told_to(viewer), listener.position)
        while not listener.closed:
            try:
                change = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                if not await _still_signed_in(request, viewer, session):
                    return  # the browser reopens the stream as whoever it now is
                yield b": keepalive\n\n"
                continue
            if change.type == CLOSING_TYPE:
                return
            if overflowed:  # a slow reader: one "changed" says all that it missed
                overflowed = False
                while not queue.empty():
                    queue.get_nowait()
                yield _message("changed", {"type": RESYNC_TYPE}, listener.position)
                continue
            yield _message("changed", change.told_to(viewer), f"{listener.epoch}.{change.seq}")
    finally:
        unsubscribe()
        STREAMS.dec()


async def _still_signed_in(request: HxRequest, viewer: Identity, session: str | None) -> bool:
    """The stream's viewer is still who the session says (signed out, timed out, signed out
    everywhere: the stream ends, and its reopening is the public's)."""
    if session is None or viewer.role == "public":
        return True
    try:
        async with request.app.state.runtime.pool.acquire() as conn:
            return await accounts.session_holds(conn, session, uuid.UUID(viewer.sub))
    except DEPENDENCY_ERRORS:  # PostgreSQL is away: the page stays as it is, its stream open
        return True


def remember_position(request: HxRequest) -> None:
    """Before a page's handler reads anything: where the listener stood, for the page's ``since``."""
    live: Listener | None = request.app.state.get("live")
    if live is not None:
        request.scope["state"]["live_since"] = live.position


ROUTES = [live_stream]
