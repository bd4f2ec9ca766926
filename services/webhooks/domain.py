"""The pure rules of webhooks: who may hear of an event, what is sent, how it is signed, when to
retry, and which addresses may be called. No I/O and no clock (callers pass the time)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from shared.bilingual import Bilingual
from shared.events import (
    CATALOGUE,
    AssessmentDrafted,
    AssessmentSubmitted,
    CommentDeleted,
    CommentEdited,
    CommentPosted,
    EngagementRecorded,
    Envelope,
    EventData,
    PartnerRegistered,
    PartnerUpdated,
    PersonAdded,
    SupportRequested,
    SupportTriaged,
    WeeknotePublished,
)

Audience = Literal["public", "partner", "internal"]
"""Who may hear of an event: anyone; staff and the event's partner; staff only."""

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
PATTERN = r"^(?:\*|[a-z_]+(?:\.[a-z_]+)*(?:\.\*)?)$"
"""An event type (portfolio.project.created), every type below a prefix (portfolio.project.*), or all (*)."""


@dataclass(frozen=True)
class Scope:
    audience: Audience
    partner_id: uuid.UUID | None


def scope_of(envelope: Envelope, event: EventData) -> Scope:
    """The same rules as the portfolio's reads and the notifier's emails: a project's records are
    scoped by its visibility; engagements, support requests and people are CDPS's own working
    record (staff only); an inactive partner is internal; weeknotes are public. A draft or submitted
    assessment is at most partner-visible (only a published one is public, as its project is)."""
    project = getattr(event, "project", None) or getattr(event, "for_project", None)
    if isinstance(event, EngagementRecorded | SupportRequested | SupportTriaged | PersonAdded):
        return Scope("internal", envelope.partner_id or getattr(event, "partner_id", None))
    if isinstance(event, PartnerRegistered | PartnerUpdated):
        return Scope("public" if event.partner.active else "internal", envelope.aggregate_id)
    if isinstance(event, WeeknotePublished):
        return Scope("public", None)
    if isinstance(event, CommentPosted | CommentEdited | CommentDeleted):
        # A conversation is between CDPS and the project's partner, never public; a note is staff-only.
        internal = event.internal or event.for_project.visibility == "internal"
        return Scope("internal" if internal else "partner", event.for_project.partner_id)
    if project is not None:
        audience: Audience = project.visibility
        measure = getattr(event, "measure", None)
        unpublished = measure is not None and not getattr(measure, "published", False)
        if (unpublished or isinstance(event, AssessmentDrafted | AssessmentSubmitted)) and audience == "public":
            audience = "partner"
        return Scope(audience, project.partner_id)
    return Scope("internal", envelope.partner_id)  # a type this code has no rule for: staff only


@dataclass(frozen=True)
class Target:
    """What an endpoint asked for (the fields of its row the matching needs)."""

    id: uuid.UUID
    event_types: tuple[str, ...]
    partner_id: uuid.UUID | None
    internal: bool


def matches(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def known_pattern(pattern: str) -> bool:
    """A pattern that matches at least one event type of the catalogue (a typo matches nothing)."""
    return re.match(PATTERN, pattern) is not None and any(matches(pattern, t) for t in CATALOGUE)


def wants(target: Target, event_type: str, scope: Scope) -> bool:
    """An endpoint gets an event it asked for, and may hear of: with a partner filter, only that
    partner's events (its public and partner-visible ones, or its internal ones too if the endpoint
    is internal); without one, public events, and everything if it is internal. A partner-visible
    event never goes to an endpoint that is not internal and not filtered to that partner."""
    if not any(matches(pattern, event_type) for pattern in target.event_types):
        return False
    if target.partner_id is not None and scope.partner_id != target.partner_id:
        return False
    if scope.audience == "public":
        return True
    if scope.audience == "partner":
        return target.internal or (target.partner_id is not None and target.partner_id == scope.partner_id)
    return target.internal


_ENCODER = msgspec.json.Encoder()


def public_body(envelope: Envelope, event: EventData) -> bytes:
    """The envelope as the public catalogue describes it: its data re-encoded from the event's own
    Struct, so a field the catalogue does not list is never sent."""
    return _ENCODER.encode(msgspec.structs.replace(envelope, data=msgspec.to_builtins(event)))


def delivery_id(endpoint_id: uuid.UUID, event_id: uuid.UUID) -> uuid.UUID:
    """The same for the same (endpoint, event), so recording a redelivered event adds nothing."""
    return uuid.uuid5(endpoint_id, str(event_id))


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks v1: HMAC-SHA256 of ``id.timestamp.body`` keyed with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per valid secret (space-separated) while
    a rotated secret is still valid, so a receiver holding either accepts the delivery."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
        "content-type": "application/json",
        "user-agent": "CDPS-Portfolio-Webhooks/1",
    }


def retry_delay(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff: ``base`` doubling per attempt up to ``cap``, with jitter in [0.5, 1)."""
    return min(cap, base * 2.0 ** (attempt - 1)) * (0.5 + jitter / 2)


Verdict = Literal["delivered", "gone", "retry"]


def verdict(status: int) -> Verdict:
    """2xx ends a delivery; 410 Gone ends the endpoint; anything else (a redirect too: none is
    followed) is tried again."""
    if 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    return "retry"


GONE = Bilingual(
    en="The receiver answered 410 Gone: it wants no more deliveries",
    cy="Atebodd y system sy'n derbyn â'r cod 410: nid yw eisiau derbyn dim mwy",
)
"""Why an endpoint that answered 410 was turned off."""


def failure(status: int) -> Bilingual:
    """An attempt the receiver answered with anything but 2xx or 410."""
    if 300 <= status < 400:
        return Bilingual(
            en=f"HTTP {status} (redirects are not followed)", cy=f"HTTP {status} (ni ddilynir ailgyfeiriadau)"
        )
    return Bilingual(en=f"HTTP {status}", cy=f"HTTP {status}")


def no_answer(error: str) -> Bilingual:
    """An attempt that got no answer (perhaps received: the next one carries the same webhook-id)."""
    return Bilingual(en=f"no answer: {error}", cy=f"dim ateb: {error}")


def failing_reason(days: float, last: Bilingual) -> Bilingual:
    """Why an endpoint whose every attempt failed for ``days`` was turned off."""
    return Bilingual(en=f"Every attempt failed for {days:g} days; last: {last.en}",
                     cy=f"Methodd pob ymgais am {days:g} diwrnod; yr olaf: {last.cy}")  # fmt: skip


# --- addresses ----------------------------------------------------------------------------------

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def url_problems(url: str, *, allow_private: bool) -> list[tuple[str, str]]:
    """What is wrong with an endpoint's URL on its face, (English, Welsh); [] if nothing. Its host's
    addresses are checked separately (:func:`address_allowed`), when registered and at each send."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [("The URL must be a web address like https://example.org/hooks",
                 "Rhaid i'r URL fod yn gyfeiriad gwe fel https://example.org/hooks")]  # fmt: skip
    del port
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host or url != url.strip() or any(c.isspace() for c in url):
        return [("The URL must be a web address like https://example.org/hooks",
                 "Rhaid i'r URL fod yn gyfeiriad gwe fel https://example.org/hooks")]  # fmt: skip
    if parts.username is not None or parts.password is not None:
        return [("The URL must not hold a user name or password",
                 "Ni ddylai'r URL gynnwys enw defnyddiwr na chyfrinair")]  # fmt: skip
    if parts.fragment:
        return [("The URL must not have a fragment (#…)", "Ni ddylai'r URL gynnwys darn (#…)")]
    if parts.scheme == "http" and not (allow_private and is_loopback_host(host)):
        return [(
            "The URL must start with https:// (http:// is allowed only on this machine, in development,"
            " with CDPS_WEBHOOKS_ALLOW_PRIVATE=true)",
            "Rhaid i'r URL ddechrau gyda https:// (dim ond ar y peiriant hwn, wrth ddatblygu, gyda"
            " CDPS_WEBHOOKS_ALLOW_PRIVATE=true, y caniateir http://)",
        )]  # fmt: skip
    return []


def is_loopback_host(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address_allowed(address: str, *, allow_private: bool) -> bool:
    """Only public (global unicast) addresses, unless the installation allows private ones: never
    loopback, private, link-local (cloud metadata at 169.254.169.254), multicast or reserved."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if allow_private:
        return not (ip.is_multicast or ip.is_unspecified)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback)
