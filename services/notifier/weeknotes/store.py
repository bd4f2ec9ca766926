"""Weeknotes SQL: the week's events, drafts, and publication exactly once."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

import msgspec

from services.notifier.weeknotes.calendar import week_of
from services.notifier.weeknotes.compose import WeekEvent, Weeknote, compose, summary
from services.notifier.weeknotes.render import markdown, title
from shared import outbox
from shared.events import SYSTEM, Envelope, WeeknotePublished, make_envelope
from shared.logs import get_logger

if TYPE_CHECKING:
    from shared.db import Conn

log = get_logger(__name__)

WEEKNOTE_IDS = uuid.UUID("6f1c1c2e-8f0a-4c36-9a44-7b0d3e1f0c11")
# The types a weeknote is made from; the rest of the stream is not kept here.
WEEK_EVENT_TYPES = frozenset({
    "portfolio.project.created", "portfolio.project.phase_changed", "portfolio.project.health_changed",
    "portfolio.project.update_posted", "portfolio.engagement.recorded", "portfolio.partner.registered",
    "portfolio.support.requested", "portfolio.assessment.published", "portfolio.measure.values_recorded",
})  # fmt: skip


def _kept(envelope: Envelope) -> bool:
    """A weeknote tells of a measure only when its newest value crossed its target (either way) and staff
    published it."""
    if envelope.type == "portfolio.measure.values_recorded":
        return envelope.data.get("crossing") is not None and bool(envelope.data["measure"].get("published"))
    return envelope.type in WEEK_EVENT_TYPES


def _about(envelope: Envelope) -> uuid.UUID:
    """The project an event is kept under (an assessment or a measure is its own aggregate)."""
    if envelope.type == "portfolio.assessment.published":
        return uuid.UUID(str(envelope.data["assessment"]["project_id"]))
    if envelope.type == "portfolio.measure.values_recorded":
        return uuid.UUID(str(envelope.data["measure"]["project_id"]))
    return envelope.aggregate_id


class Published(msgspec.Struct, kw_only=True):
    week: dt.date
    published_at: dt.datetime
    title_en: str
    title_cy: str
    summary_en: str
    summary_cy: str
    content_en: str
    content_cy: str


class Draft(msgspec.Struct, kw_only=True):
    week: dt.date
    status: str
    intro_en: str
    intro_cy: str
    hidden: list[uuid.UUID]
    version: int


def weeknote_id(week: dt.date) -> uuid.UUID:
    """One aggregate per week, with a stable id: a second publication cannot get a second event."""
    return uuid.uuid5(WEEKNOTE_IDS, week.isoformat())


async def record(conn: Conn, envelope: Envelope) -> None:
    """Keep an event the weeknotes need (idempotent: the event id is the key); a translation of text
    a kept event holds is filled into it, so a draft (and a weeknote held for its Welsh) has it."""
    if envelope.type in FILLS:
        await _fill(conn, envelope)
        return
    if not _kept(envelope):
        return
    # A week event is kept under the project it is about: an assessment is its own aggregate, but
    # the weeknote tells it in its project's section, scoped as its project is.
    about = _about(envelope)
    await conn.execute(
        """INSERT INTO week_events (event_id, week, type, occurred_at, aggregate_id, data)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING""",
        envelope.id, week_of(envelope.occurred_at), envelope.type, envelope.occurred_at, about, envelope.data,
    )  # fmt: skip


FILLS = frozenset({"portfolio.project.update_translated", "portfolio.project.phase_reason_translated",
                   "portfolio.project.updated"})  # fmt: skip
"""The events that may fill a translation into an event already kept (a project's edit, when it is
of its health reason)."""


async def _fill(conn: Conn, envelope: Envelope) -> None:
    """A translation filled into the kept event whose text it translates."""
    if envelope.type == "portfolio.project.update_translated":
        await conn.execute(
            """UPDATE week_events SET data = data || jsonb_build_object('body_en', $2::text, 'body_cy', $3::text)
               WHERE type = 'portfolio.project.update_posted' AND aggregate_id = $4 AND data ->> 'update_id' = $1""",
            str(envelope.data["update_id"]), envelope.data["body_en"], envelope.data["body_cy"], envelope.aggregate_id,
        )  # fmt: skip
    elif envelope.type == "portfolio.project.phase_reason_translated":
        reason = envelope.data["reason"]
        await conn.execute(  # the phase change it names, by its event id
            """UPDATE week_events SET data = data || jsonb_build_object('reason', jsonb_build_object(
                      'en', $2::text, 'cy', $3::text))
               WHERE event_id = $1 AND type = 'portfolio.project.phase_changed'""",
            uuid.UUID(str(envelope.data["phase_change_id"])), reason["en"], reason["cy"],
        )  # fmt: skip
    elif "health_reason" in envelope.data.get("changed", []):
        reason = envelope.data["project"]["health_reason"]
        await conn.execute(  # the project's newest health change: the reason it now has is its reason
            """UPDATE week_events SET data = data || jsonb_build_object('reason', jsonb_build_object(
                      'en', $2::text, 'cy', $3::text))
               WHERE event_id = (SELECT event_id FROM week_events WHERE aggregate_id = $1
                                 AND type = 'portfolio.project.health_changed' ORDER BY occurred_at DESC LIMIT 1)""",
            envelope.aggregate_id, reason["en"], reason["cy"],
        )  # fmt: skip


async def record_many(conn: Conn, envelopes: list[Envelope]) -> None:
    """:func:`record` for a whole batch: the kept events in one statement, then the translations the
    batch fills into them (few: one statement each)."""
    await _keep_many(conn, [e for e in envelopes if _kept(e)])
    for envelope in envelopes:
        if envelope.type in FILLS:
            await _fill(conn, envelope)


async def _keep_many(conn: Conn, kept: list[Envelope]) -> None:
    if not kept:
        return
    about = [_about(e) for e in kept]
    await conn.execute(
        """INSERT INTO week_events (event_id, week, type, occurred_at, aggregate_id, data)
           SELECT id, week, type, at, about, data::jsonb
           FROM unnest($1::uuid[], $2::date[], $3::text[], $4::timestamptz[], $5::uuid[], $6::text[])
                AS e (id, week, type, at, about, data)
           ON CONFLICT (event_id) DO NOTHING""",
        [e.id for e in kept], [week_of(e.occurred_at) for e in kept], [e.type for e in kept],
        [e.occurred_at for e in kept], about, [msgspec.json.encode(e.data).decode() for e in kept],
    )  # fmt: skip


async def week_events(conn: Conn, week: dt.date) -> list[WeekEvent]:
    """The week's events, each with whether its project is public now (the consumer keeps each
    project's newest snapshot in targets before it records the event)."""
    rows = await conn.fetch(
        """SELECT e.event_id AS id, e.type, e.occurred_at, e.aggregate_id, e.data,
                  coalesce(t.visibility = 'public', false) AS public_now
           FROM week_events e LEFT JOIN targets t ON t.kind = 'project' AND t.id = e.aggregate_id
           WHERE e.week = $1""",
        week,
    )
    return [msgspec.convert(dict(r), WeekEvent) for r in rows]


async def draft(conn: Conn, week: dt.date) -> Draft:
    await conn.execute("INSERT INTO weeknotes (week) VALUES ($1) ON CONFLICT (week) DO NOTHING", week)
    row = await conn.fetchrow(
        "SELECT week, status, intro_en, intro_cy, hidden, version FROM weeknotes WHERE week = $1", week
    )
    return msgspec.convert(dict(row or {}), Draft)


async def compose_week(conn: Conn, week: dt.date) -> tuple[Draft, Weeknote]:
    state = await draft(conn, week)
    return state, compose(week, await week_events(conn, week), frozenset(state.hidden))


async def edit_draft(
    conn: Conn, week: dt.date, version: int, *, intro_en: str, intro_cy: str, hidden: list[uuid.UUID]
) -> Draft | None:
    """Staff edits before publication; None if the version is stale or the week is published."""
    await draft(conn, week)
    row = await conn.fetchrow(
        """UPDATE weeknotes SET intro_en = $3, intro_cy = $4, hidden = $5, version = version + 1
           WHERE week = $1 AND version = $2 AND status = 'draft'
           RETURNING week, status, intro_en, intro_cy, hidden, version""",
        week, version, intro_en, intro_cy, hidden,
    )  # fmt: skip
    return None if row is None else msgspec.convert(dict(row), Draft)


async def publish(conn: Conn, week: dt.date, *, web_base: str, hold_for_welsh: bool = False) -> bool:
    """Freeze and publish ``week`` unless it already is; True if this call published it. Its project
    headings link to their pages under ``web_base``, the site's public address. With
    ``hold_for_welsh`` (CDPS_WELSH_BEFORE_PUBLISHING=required) a week whose text lacks its Welsh is
    not published yet: False, and the scheduler looks again.

    The row lock makes racing publishers (several notifier replicas) take turns; the second finds
    it published. The event goes out through this schema's outbox in the same transaction.
    """
    async with conn.transaction():
        await draft(conn, week)
        row = await conn.fetchrow("SELECT * FROM weeknotes WHERE week = $1 FOR UPDATE", week)
        assert row is not None
        if row["status"] == "published":
            return False
        note = compose(week, await week_events(conn, week), frozenset(row["hidden"]))
        if hold_for_welsh and any(lang == "cy" for _item, lang in note.missing):
            log.info("weeknote held for its Welsh", week=week.isoformat(),
                     missing=sum(lang == "cy" for _item, lang in note.missing))  # fmt: skip
            return False
        text: dict[str, Any] = {
            "content_en": markdown(note, "en", row["intro_en"], web_base=web_base),
            "content_cy": markdown(note, "cy", row["intro_cy"], web_base=web_base),
            "summary_en": summary(note, "en"), "summary_cy": summary(note, "cy"),
        }  # fmt: skip
        await conn.execute(
            """UPDATE weeknotes SET status = 'published', published_at = now(), content_en = $2, content_cy = $3,
                      summary_en = $4, summary_cy = $5 WHERE week = $1""",
            week, text["content_en"], text["content_cy"], text["summary_en"], text["summary_cy"],
        )  # fmt: skip
        event = WeeknotePublished(week=week, title_en=title(week, "en"), title_cy=title(week, "cy"), **text)
        await outbox.append(
            conn, make_envelope(event, actor=SYSTEM, aggregate_id=weeknote_id(week), aggregate_seq=1, partner_id=None)
        )
    return True


async def first_week(conn: Conn) -> dt.date | None:
    value: dt.date | None = await conn.fetchval("SELECT min(week) FROM week_events")
    return value


async def published_weeks(conn: Conn) -> set[dt.date]:
    return {r["week"] for r in await conn.fetch("SELECT week FROM weeknotes WHERE status = 'published'")}


async def list_published(conn: Conn, limit: int = 100) -> list[Published]:
    rows = await conn.fetch("SELECT * FROM weeknotes WHERE status = 'published' ORDER BY week DESC LIMIT $1", limit)
    return [_published(r) for r in rows]


async def get_published(conn: Conn, week: dt.date) -> Published | None:
    row = await conn.fetchrow("SELECT * FROM weeknotes WHERE week = $1 AND status = 'published'", week)
    return None if row is None else _published(row)


def _published(row: Any) -> Published:
    return Published(
        week=row["week"], published_at=row["published_at"], title_en=title(row["week"], "en"),
        title_cy=title(row["week"], "cy"), summary_en=row["summary_en"], summary_cy=row["summary_cy"],
        content_en=row["content_en"], content_cy=row["content_cy"],
    )  # fmt: skip
