"""Who hears about what, and the phrases only emails use. Pure: no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Annotated, Literal

import msgspec

from shared.events import (
    AssessmentPublished,
    CommentPosted,
    EngagementRecorded,
    Envelope,
    EventData,
    ProjectCreated,
    ProjectHealthChanged,
    ProjectPhaseChanged,
    ProjectUpdatePosted,
    SupportRequested,
)
from shared.identity import STAFF_ROLES
from shared.replies.accounts import AccountsQuery

Language = Literal["cy", "en", "both"]
Lang = Literal["cy", "en"]
Audience = Literal["public", "partner", "staff"]
TargetKind = Literal["portfolio", "project", "partner"]
Rhythm = Literal["immediate", "daily", "weekly"]
EmailAddress = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]

# One template per event type that is news to someone. Other event types send nothing.
TEMPLATE_FOR_EVENT = {
    "portfolio.project.created": "project_created",
    "portfolio.project.phase_changed": "project_phase_changed",
    "portfolio.project.health_changed": "project_health_changed",
    "portfolio.project.update_posted": "project_update_posted",
    "portfolio.engagement.recorded": "engagement_recorded",
    "portfolio.support.requested": "support_requested",
    "portfolio.support.triaged": "support_triaged",
    "portfolio.assessment.published": "assessment_published",
    "portfolio.comment.posted": "comment_posted",
}
CONFIRMATION = "subscription_confirmation"
DIGEST = "weekly_digest"
DAILY_DIGEST = "daily_digest"
SIGNIN = "signin_link"
INVITATION = "invitation"
ONE_OFF = (SIGNIN, INVITATION)
SUPPORT_RECEIVED = "support_received"
"""The acknowledgement to whoever asked for support (staff get ``support_requested``)."""
"""Emails sent at once over core NATS, to someone who asked (or was invited) a moment ago: no
subscription, no unsubscribe link, and nothing kept of their link."""
# The event_type of deliveries that no portfolio event caused.
CONFIRMATION_TYPE = "notifier.subscription.confirmation"
DIGEST_TYPE = "notifier.digest.weekly"
DAILY_DIGEST_TYPE = "notifier.digest.daily"


def languages(language: Language) -> list[Lang]:
    """The languages of one email, in reading order: a bilingual email puts Welsh first."""
    return ["cy", "en"] if language == "both" else [language]


class Follower(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    email: str
    language: Language
    rhythm: Rhythm
    audience: Audience
    partner_id: uuid.UUID | None
    target_kind: TargetKind
    target_id: uuid.UUID | None


class Reach(msgspec.Struct, frozen=True, kw_only=True):
    """Who may read about an event (``visibility``) and what it is about, for matching follows."""

    visibility: Literal["public", "partner", "staff"]
    partner_id: uuid.UUID | None
    project_id: uuid.UUID | None


def reach_of(envelope: Envelope, event: EventData) -> Reach | None:
    """None for an event that is not news to followers (support triage goes to the requester)."""
    if isinstance(event, ProjectCreated | ProjectPhaseChanged | ProjectHealthChanged | ProjectUpdatePosted):
        project = event.project
        visibility = "staff" if project.visibility == "internal" else project.visibility
        return Reach(visibility=visibility, partner_id=project.partner_id, project_id=envelope.aggregate_id)
    if isinstance(event, AssessmentPublished):
        # Scoped like its project; what the email says is what anyone who may see the project may read.
        project = event.for_project
        visibility = "staff" if project.visibility == "internal" else project.visibility
        return Reach(visibility=visibility, partner_id=project.partner_id, project_id=event.assessment.project_id)
    if isinstance(event, CommentPosted):
        # A project's conversation is between CDPS and the project's partner, never public; a
        # staff-only note is for staff.
        visibility = "staff" if event.internal or event.for_project.visibility == "internal" else "partner"
        return Reach(visibility=visibility, partner_id=event.for_project.partner_id, project_id=event.project_id)
    if isinstance(event, EngagementRecorded):
        # Engagements are CDPS's own working record: staff only, whatever the project's visibility.
        return Reach(visibility="staff", partner_id=event.partner_id, project_id=event.project_id)
    if isinstance(event, SupportRequested):
        # Holds the requester's personal data: staff only.
        return Reach(visibility="staff", partner_id=None, project_id=None)
    return None


def tells_partner_contacts(event: object, reach: Reach) -> bool:
    """Whether the partner's contacts who get project emails hear of the event, besides its followers:
    an assessment of their project was published, or CDPS wrote in their project's conversation (its
    other side: a partner's own comment goes to the CDPS staff who follow the project, not back to its
    colleagues). Never a staff-only note, nor anything about CDPS's internal projects."""
    if reach.partner_id is None or reach.visibility == "staff":
        return False
    if isinstance(event, AssessmentPublished):
        return True
    return isinstance(event, CommentPosted) and event.author_role in STAFF_ROLES


def other_side(event: object, reach: Reach) -> AccountsQuery | None:
    """The accounts on the other side of a project's conversation, told of a comment whether or not
    they follow the project: the partner's own people when CDPS writes, the project's delivery lead
    when the partner writes. None for any other event and for a staff-only note."""
    if not isinstance(event, CommentPosted) or reach.visibility == "staff" or reach.partner_id is None:
        return None
    if event.author_role in STAFF_ROLES:
        return AccountsQuery(partner_id=reach.partner_id)
    lead = _account_id(event.for_project.lead_id)
    return AccountsQuery(ids=[lead]) if lead is not None else None


def _account_id(lead_id: str | None) -> uuid.UUID | None:
    """A project's lead as an account id; None when there is none, or it was not an account (an
    import's or a test's name)."""
    try:
        return uuid.UUID(lead_id) if lead_id else None
    except ValueError:
        return None


def lacks_welsh(event: object) -> bool:
    """Whether the text people wrote for the event is in English only (an update, or a phase or
    health change's reason): with CDPS_WELSH_BEFORE_PUBLISHING=required its emails are held until
    the Welsh is filled in on Missing translations, for every reader alike."""
    if isinstance(event, ProjectUpdatePosted):
        return bool(event.body_en.strip()) and not event.body_cy.strip()
    if isinstance(event, ProjectPhaseChanged | ProjectHealthChanged):
        return bool(event.reason.en.strip()) and not event.reason.cy.strip()
    return False


def may_see(follower: Follower, reach: Reach) -> bool:
    """The same rule as the portfolio's reads: public records for everyone, partner-visible ones
    for staff and that partner's users, internal ones and staff-only events for staff."""
    if follower.audience == "staff":
        return True
    if reach.visibility == "public":
        return True
    if reach.visibility == "partner":
        return (
            follower.audience == "partner" and reach.partner_id is not None and follower.partner_id == reach.partner_id
        )
    return False


def follows(follower: Follower, reach: Reach) -> bool:
    if follower.target_kind == "portfolio":
        return True
    if follower.target_kind == "project":
        return reach.project_id is not None and follower.target_id == reach.project_id
    return reach.partner_id is not None and follower.target_id == reach.partner_id


_SPECIFICITY = {"project": 0, "partner": 1, "portfolio": 2}
_PROMPTNESS = {"immediate": 0, "daily": 1, "weekly": 2}


def recipients(followers: Iterable[Follower], reach: Reach) -> list[Follower]:
    """One subscription per address among those that follow the event and may see it.

    Someone who follows a project and the whole portfolio gets one email, not two: an immediate
    subscription wins over a daily one, a daily one over a weekly one, then the most specific (its
    unsubscribe link is the most useful one to offer).
    """
    chosen: dict[str, Follower] = {}
    ranked = sorted(followers, key=lambda f: (_PROMPTNESS[f.rhythm], _SPECIFICITY[f.target_kind], str(f.id)))
    for follower in ranked:
        if follows(follower, reach) and may_see(follower, reach):
            chosen.setdefault(follower.email, follower)
    return list(chosen.values())


def retry_delay(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff: base·2^(attempts−1), capped, scaled by 50–100 % (``jitter`` in [0, 1))
    so that emails that failed together do not all come back at the same moment."""
    return min(cap, base * 2.0 ** max(attempts - 1, 0)) * (0.5 + jitter / 2)


# The notifier's own phrases, in each language; the names of the portfolio's codes (phases, health,
# kinds...) and dates come from the shared vocabulary (shared/vocabulary.py).
RHYTHMS = {
    "en": {
        "immediate": "as things happen",
        "daily": "once a day, in a digest, on days when something changed",
        "weekly": "once a week, in a digest",
    },
    "cy": {
        "immediate": "wrth i bethau ddigwydd",
        "daily": "unwaith y dydd, mewn crynodeb, ar ddiwrnodau pan fydd rhywbeth wedi newid",
        "weekly": "unwaith yr wythnos, mewn crynodeb",
    },
}
ROLES = {
    "en": {"admin": "an administrator", "lead": "a delivery lead", "partner": "a partner"},
    "cy": {"admin": "gweinyddwr", "lead": "arweinydd cyflawni", "partner": "partner"},
}
"""What an invited account may do, as the invitation says it ("... as a delivery lead" / "fel arweinydd cyflawni")."""
WHOLE_PORTFOLIO = {"en": "the whole CDPS portfolio", "cy": "holl bortffolio CDPS"}
SOME_PROJECT = {"en": "a CDPS project", "cy": "un o brosiectau CDPS"}
SOME_PARTNER = {"en": "a CDPS partner organisation", "cy": "un o sefydliadau partner CDPS"}


def pick(en: str, cy: str, lang: Lang) -> str:
    """The text in ``lang``, or in the other language when that one was left empty."""
    return (cy or en) if lang == "cy" else (en or cy)


def target_name(kind: TargetKind, names: dict[str, str] | None, lang: Lang) -> str:
    """What a subscription follows, in words; a record the follower may not see stays unnamed."""
    if kind == "portfolio":
        return WHOLE_PORTFOLIO[lang]
    if names is None:
        return (SOME_PROJECT if kind == "project" else SOME_PARTNER)[lang]
    return pick(names["en"], names["cy"], lang)
