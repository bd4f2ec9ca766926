"""The event envelope and the catalogue of event types.

Events are immutable, past-tense facts. Every event travels in one envelope; its ``data`` is the
event's own Struct, looked up by ``type`` in :data:`CATALOGUE`. The catalogue is the single place
that lists event types: ``docs/events.md`` and the AsyncAPI document are generated from it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar, Literal

import msgspec
import uuid_utils

Role = Literal["admin", "lead", "partner", "public", "system"]
Phase = Literal["discovery", "alpha", "beta", "live", "retired"]
Health = Literal["green", "amber", "red"]
Visibility = Literal["public", "partner", "internal"]


class Actor(msgspec.Struct, frozen=True):
    """Who caused the event: an account id (or a service name) and the role it acted in."""

    id: str
    role: Role


SYSTEM = Actor(id="system", role="system")


class EventData(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event's own data. Subclasses set ``type`` and ``aggregate``."""

    type: ClassVar[str]
    aggregate: ClassVar[str]
    version: ClassVar[int] = 1


class ProjectCreated(EventData, frozen=True, kw_only=True):
    """A delivery lead started tracking a project with a partner."""

    type: ClassVar[str] = "portfolio.project.created"
    aggregate: ClassVar[str] = "project"
    slug: str
    title_en: str
    title_cy: str
    summary_en: str
    summary_cy: str
    partner_id: uuid.UUID | None
    phase: Phase
    health: Health
    visibility: Visibility
    tags: list[str] = []


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """One envelope for all events, encoded as JSON on the stream and stored in the outbox."""

    id: uuid.UUID
    type: str
    version: int
    occurred_at: dt.datetime
    actor: Actor
    aggregate_id: uuid.UUID
    aggregate_seq: int
    partner_id: uuid.UUID | None
    data: dict[str, Any]

    def payload(self) -> EventData:
        """The data as its typed Struct; raises ``UnknownEvent`` for a type we do not know."""
        try:
            cls = CATALOGUE[self.type]
        except KeyError:
            raise UnknownEvent(self.type) from None
        return msgspec.convert(self.data, cls)


class UnknownEvent(Exception):
    """An event type this code does not know (e.g. from a newer producer)."""


CATALOGUE: dict[str, type[EventData]] = {cls.type: cls for cls in (ProjectCreated,)}


def new_event_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so ids sort roughly by creation time in indexes and logs."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def make_envelope(
    data: EventData,
    *,
    actor: Actor,
    aggregate_id: uuid.UUID,
    aggregate_seq: int,
    partner_id: uuid.UUID | None,
    occurred_at: dt.datetime | None = None,
) -> Envelope:
    return Envelope(
        id=new_event_id(),
        type=data.type,
        version=data.version,
        occurred_at=occurred_at or dt.datetime.now(dt.UTC),
        actor=actor,
        aggregate_id=aggregate_id,
        aggregate_seq=aggregate_seq,
        partner_id=partner_id,
        data=msgspec.to_builtins(data),
    )


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Envelope)


def encode(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode(raw: bytes) -> Envelope:
    return _decoder.decode(raw)
