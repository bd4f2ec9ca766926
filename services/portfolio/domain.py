"""Portfolio shapes (what the API accepts, what the store holds) and small pure rules. No I/O here.

Phase rules live in ``phases.py``; the reply shapes are contracts shared with the API's clients
(``shared/replies/portfolio.py``). Inputs are msgspec Structs that reject unknown fields, so a typo
in a field name is an error naming that field, never a silently ignored value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal, TypeVar, get_args

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio import phases
from shared import bilingual
from shared.bilingual import ShortIn, ShortText
from shared.events import (
    Actor,
    EngagementKind,
    Health,
    PartnerKind,
    PartnerSnapshot,
    Phase,
    ProjectGateReasonTranslated,
    ProjectPhaseChanged,
    ProjectPhaseReasonTranslated,
    ProjectSnapshot,
    RoadmapColumn,
    State,
    Visibility,
)
from shared.http import FieldError
from shared.replies.portfolio import HistoryEntry, Partner, Project, RoadmapPlacement
from shared.validation import DIRECTION_CONTROLS

Tag = Literal[
    "skills-and-staffing",
    "shared-platforms",
    "cloud",
    "content",
    "forms",
    "agile-working",
    "procurement",
    "shared-functionality",
    "funding-and-measuring",
    "cyber-and-net-zero",
]

WellbeingGoal = Literal[
    "prosperous",
    "resilient",
    "healthier",
    "more_equal",
    "cohesive_communities",
    "vibrant_culture",
    "globally_responsible",
]
"""The Well-being of Future Generations Act's seven goals (their names: ``shared.vocabulary.WELLBEING_GOALS``)."""

# PostgreSQL text cannot hold U+0000, so no text field accepts it: a NUL is a 422 naming the field
# (and the OpenAPI document says so), never a 500 from the database. The patterns stay linear.
NO_NUL = r"^[^\x00]*$"
# A name or title: not blank, and without the controls that would reorder how it reads.
NAME_TEXT = rf"^\s*[^\s\x00{DIRECTION_CONTROLS}][^\x00{DIRECTION_CONTROLS}]*$"
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, msgspec.Meta(min_length=2, max_length=80, pattern=SLUG)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_TEXT)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=NAME_TEXT)]
Summary = Annotated[str, msgspec.Meta(max_length=4000, pattern=NO_NUL)]
Body = Annotated[str, msgspec.Meta(max_length=10000, pattern=NO_NUL)]
Reason = Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)]
Need = Annotated[str, msgspec.Meta(min_length=10, max_length=5000, pattern=NO_NUL)]
LeadId = Annotated[str, msgspec.Meta(max_length=100, pattern=NO_NUL)]
Url = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^https?://[^\s\x00/$.?#][^\s\x00]*$")]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$")]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=10)]
WellbeingGoals = Annotated[list[WellbeingGoal], msgspec.Meta(max_length=7)]
Language = Literal["cy", "en", "both"]


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body."""


# Partners ---------------------------------------------------------------------------------------


class NewPartner(Input, kw_only=True):
    slug: Slug
    name_en: Name
    name_cy: Name
    kind: PartnerKind
    website: Url | None = None
    active: bool = True


class PartnerChanges(Input, kw_only=True):
    name_en: Name | UnsetType = UNSET
    name_cy: Name | UnsetType = UNSET
    kind: PartnerKind | UnsetType = UNSET
    website: Url | UnsetType | None = UNSET
    active: bool | UnsetType = UNSET


# Projects ---------------------------------------------------------------------------------------


class NewProject(Input, kw_only=True):
    """What a delivery lead sends to start tracking a project."""

    slug: Slug
    title_en: Title
    title_cy: Title
    summary_en: Summary = ""
    summary_cy: Summary = ""
    partner_id: uuid.UUID | None = None
    lead_id: LeadId | None = None
    phase: Phase = "discovery"
    health: Health = "green"
    health_reason: ShortText = ""
    visibility: Visibility = "public"
    tags: Tags = []
    start_date: dt.date | None = None
    wellbeing_goals: WellbeingGoals = []


class ProjectChanges(Input, kw_only=True):
    """Descriptive fields a lead may edit. Phase and health have their own endpoints and rules."""

    title_en: Title | UnsetType = UNSET
    title_cy: Title | UnsetType = UNSET
    summary_en: Summary | UnsetType = UNSET
    summary_cy: Summary | UnsetType = UNSET
    partner_id: uuid.UUID | UnsetType | None = UNSET
    lead_id: LeadId | UnsetType | None = UNSET
    visibility: Visibility | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    start_date: dt.date | UnsetType | None = UNSET
    wellbeing_goals: WellbeingGoals | UnsetType = UNSET


class HealthChange(Input, kw_only=True):
    health: Health
    reason: ShortText
    """In English, Welsh or both (``{"en": …, "cy": …}``), or one text whose language is told from it."""


class RoadmapPlacementIn(Input, kw_only=True):
    """A lead's placement of a project on the roadmap (``column`` null: back to the roadmap's rule)."""

    column: RoadmapColumn | None = None
    reason: bilingual.ShortText = ""


_ROADMAP_REASON = (
    "Give the reason for placing the project there, in English, Welsh or both",
    "Rhowch y rheswm dros osod y prosiect yno, yn Gymraeg, Saesneg neu'r ddwy",
)


def roadmap_errors(column: RoadmapColumn | None, reason: bilingual.Bilingual) -> list[FieldError]:
    """A placement says why: its reason in one language at least (giving it back to the rule needs none)."""
    if column is not None and reason.blank:
        return [FieldError("reason", *_ROADMAP_REASON)]
    return []


class NewUpdate(Input, kw_only=True):
    body_en: Body
    body_cy: Body
    posted_on: dt.date | None = None
    health: Health | None = None
    health_reason: ShortText = ""


TranslatedKind = Literal["project", "update", "phase_change", "support_request", "assessment", "action"]
TranslatedField = Literal[
    "title", "summary", "health_reason", "body", "reason", "need", "gate_override_reason", "override_reason",
    "evidence", "recommendations", "role", "text",
]  # fmt: skip


class Translation(Input, kw_only=True):
    """A translator fills in the language a text lacks: a project's title, summary or health reason, an
    update's body, a phase change's reason or gate reason (``id`` is the phase change's event id), a
    support request's need or triage reason, an assessment's summary, override reason, a standard's
    evidence, recommendations or not-assessed reason, a panel member's role, an action's text or
    dropped reason."""

    kind: TranslatedKind
    id: uuid.UUID
    field: TranslatedField
    part: Annotated[int, msgspec.Meta(ge=1, le=99)] | None = None
    """Which standard (its number) or panel member (their place, from 1): for an assessment's
    evidence, recommendations, reason or role, and only those."""
    lang: Literal["cy", "en"]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=10000, pattern=r"^[^\x00]*\S[^\x00]*$")]


TRANSLATED: dict[str, dict[str, int]] = {
    "project": {"title": 200, "summary": 4000, "health_reason": 2000}, "update": {"body": 10000},
    "phase_change": {"reason": 2000, "gate_override_reason": 2000}, "support_request": {"need": 5000, "reason": 2000},
    "assessment": {"summary": 4000, "override_reason": 2000, "evidence": 10000, "recommendations": 10000,
                   "reason": 2000, "role": 2000},
    "action": {"text": 10000, "reason": 2000},
}  # fmt: skip
"""Each kind's texts a translator fills in, each with the length its own field takes (a translation
is held to the limit of the text it translates: tests/portfolio/test_translations_api.py compares them)."""
IN_PARTS = frozenset({"evidence", "recommendations", "reason", "role"})
"""An assessment's texts that are a standard's or a panel member's: a translation says whose (``part``)."""


def translation_errors(translation: Translation) -> list[FieldError]:
    """The field is one of its record's (with its part where it has parts), and the text is no longer
    than that field takes."""
    limit = TRANSLATED[translation.kind].get(translation.field)
    if limit is None:
        return [FieldError("field", "This record has no such text", "Nid oes testun o'r fath gan y cofnod hwn")]
    in_parts = translation.kind == "assessment" and translation.field in IN_PARTS
    if in_parts and translation.part is None:
        return [FieldError("part", "Say which standard or panel member the text is of",
                           "Dywedwch pa safon neu aelod o'r panel y mae'r testun yn perthyn iddo")]  # fmt: skip
    if not in_parts and translation.part is not None:
        return [FieldError("part", "This text is its record's own: give no standard or panel member",
                           "Testun y cofnod ei hun yw hwn: peidiwch â rhoi safon nac aelod o'r panel")]  # fmt: skip
    if len(translation.text.strip()) > limit:
        return [FieldError("text", f"The translation must be {limit:,} characters or fewer",
                           f"Rhaid i'r cyfieithiad fod yn {limit:,} nod neu lai")]  # fmt: skip
    return []


def translated_reasons(entries: list[HistoryEntry]) -> list[HistoryEntry]:
    """A project's history with each phase change's reason and gate reason as its newest translation
    left them (``portfolio.project.phase_reason_translated``, ``portfolio.project.gate_reason_translated``,
    which name the phase change by its place)."""
    texts: dict[int, dict[str, object]] = {}
    for e in entries:  # in the history's order: the newest translation is the last one kept
        for translated, field in _PHASE_TEXT_TRANSLATIONS:
            if e.type == translated and isinstance(seq := e.data["phase_change_seq"], int):
                texts.setdefault(seq, {})[field] = e.data[field]
    if not texts:
        return entries
    return [
        msgspec.structs.replace(e, data={**e.data, **texts[e.seq]})
        if e.type == ProjectPhaseChanged.type and e.seq in texts else e
        for e in entries
    ]  # fmt: skip


_PHASE_TEXT_TRANSLATIONS = (
    (ProjectPhaseReasonTranslated.type, "reason"),
    (ProjectGateReasonTranslated.type, "gate_override_reason"),
)


class ProjectRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A project as stored: what its events carry (``snapshot``) and the store's bookkeeping."""

    id: uuid.UUID
    snapshot: ProjectSnapshot
    version: int
    """The project's event sequence: each change adds one, so an event's ``aggregate_seq`` is the new version."""
    created_at: dt.datetime
    updated_at: dt.datetime
    roadmap: RoadmapPlacement | None = None
    """A lead's placement on the roadmap, if one stands."""


def status_of(project: ProjectRecord) -> phases.ProjectStatus:
    """What the phase rules need to know about a project."""
    now = project.snapshot
    return phases.ProjectStatus(phase=now.phase, state=now.state, start_date=now.start_date)


def project_reply(project: ProjectRecord) -> Project:
    """What the API answers about a project: its fields and the actions the phase rules allow now."""
    return Project(
        id=project.id, version=project.version, created_at=project.created_at, updated_at=project.updated_at,
        allowed_actions=phases.allowed_actions(status_of(project)), roadmap_override=project.roadmap,
        **msgspec.structs.asdict(project.snapshot),
    )  # fmt: skip


class ProjectFilters(msgspec.Struct, kw_only=True):
    partner: uuid.UUID | None = None
    phase: Phase | None = None
    state: State | None = None
    health: Health | None = None
    tag: Tag | None = None
    lead: str | None = None
    goal: WellbeingGoal | None = None


# Engagements, support requests, people ---------------------------------------------------------


class NewEngagement(Input, kw_only=True):
    partner_id: uuid.UUID
    kind: EngagementKind
    summary_en: Summary
    summary_cy: Summary
    started_on: dt.date
    ended_on: dt.date | None = None
    project_id: uuid.UUID | None = None
    contacts: Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)] = []


class EngagementChanges(Input, kw_only=True):
    """What staff may change of an engagement: not its partner (record another instead), nor its end
    (ending it is its own change)."""

    kind: EngagementKind | UnsetType = UNSET
    summary_en: Summary | UnsetType = UNSET
    summary_cy: Summary | UnsetType = UNSET
    started_on: dt.date | UnsetType = UNSET
    project_id: uuid.UUID | UnsetType | None = UNSET
    contacts: Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)] | UnsetType = UNSET


class EngagementEnding(Input, kw_only=True):
    ended_on: dt.date


class NewSupportRequest(Input, kw_only=True):
    """The public form that replaces the PDF."""

    organisation: Name
    contact_name: Name
    contact_email: Email
    language: Literal["cy", "en"] = "cy"
    need: Need
    need_language: Literal["cy", "en"] | None = None
    """The language the need is written in; left out, it is told from the text (staff may correct it)."""
    urgency: Literal["low", "medium", "high"] = "medium"


TriageOutcome = Literal["accepted", "declined"]


class Triage(Input, kw_only=True):
    outcome: TriageOutcome
    reason: ShortText = ""
    """In English, Welsh or both, or one text whose language is told from it."""
    engagement: NewEngagement | None = None


class NewPerson(Input, kw_only=True):
    name: Name
    email: Email
    kind: Literal["lead", "partner_contact"]
    partner_id: uuid.UUID | None = None
    language: Language = "both"


def partner_snapshot(partner: Partner) -> PartnerSnapshot:
    """The partner as its events carry it."""
    return PartnerSnapshot(**{k: getattr(partner, k) for k in PartnerSnapshot.__struct_fields__})


def changed_fields(before: msgspec.Struct, changes: msgspec.Struct) -> dict[str, object]:
    """The fields of ``changes`` that were given (null clears a field) and differ from ``before``."""
    given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not UNSET}
    return {k: v for k, v in given.items() if getattr(before, k) != v}


def in_act_order(goals: list[WellbeingGoal]) -> list[WellbeingGoal]:
    """Wellbeing goals as they are kept: each once, in the Act's order, however they were sent."""
    return [g for g in get_args(WellbeingGoal) if g in goals]


_Goaled = TypeVar("_Goaled", "NewProject", "ProjectChanges")


def with_goals_in_order(given: _Goaled) -> _Goaled:
    """The input with its wellbeing goals (if given) in the Act's order, so a reordering is no change."""
    if isinstance(given.wellbeing_goals, list):
        return msgspec.structs.replace(given, wellbeing_goals=in_act_order(given.wellbeing_goals))
    return given


def lead_of(new: NewProject, actor: Actor) -> str | None:
    """Who leads a new project: the one named, else the delivery lead creating it."""
    return new.lead_id or (actor.id if actor.role == "lead" else None)


# Rules a Struct cannot express. Each returns every problem it finds, so that one answer names
# every bad field at once; the commands refuse a request (422) when any is found.

_SAY_WHY = ("Say why the project is amber or red", "Dywedwch pam mae'r prosiect yn ambr neu'n goch")
_ONE_LANGUAGE = (
    "Write the update in English, Welsh or both",
    "Ysgrifennwch y diweddariad yn Gymraeg, Saesneg neu'r ddwy",
)


def _health_reason(health: Health | None, reason: ShortIn | str, field: str) -> list[FieldError]:
    """Amber and red need a reason (in either language), wherever health is set."""
    return [FieldError(field, *_SAY_WHY)] if health in ("amber", "red") and bilingual.given(reason, "en").blank else []


def _looks_like_an_id(slug: str) -> bool:
    """A slug the web would read as a project's id (32 hex digits, hyphens or not): /projects/<slug> is
    both addresses, so such a slug could never be reached."""
    try:
        uuid.UUID(slug)
    except ValueError:
        return False
    return True


_ID_LIKE = ("The short name must not look like a project's id: add a word",
            "Ni ddylai'r enw byr edrych fel rhif adnabod prosiect: ychwanegwch air")  # fmt: skip


def new_project_errors(new: NewProject) -> list[FieldError]:
    id_like = [FieldError("slug", *_ID_LIKE)] if _looks_like_an_id(new.slug) else []
    return id_like + _health_reason(new.health, new.health_reason, "health_reason")


def health_change_errors(change: HealthChange) -> list[FieldError]:
    return _health_reason(change.health, change.reason, "reason")


def update_errors(new: NewUpdate, today: dt.date) -> list[FieldError]:
    """Written in one language at least, dated no later than today, and a reason for amber or red."""
    errors = []
    if not (new.body_en.strip() or new.body_cy.strip()):
        errors += [FieldError("body_en", *_ONE_LANGUAGE), FieldError("body_cy", *_ONE_LANGUAGE)]
    if new.posted_on is not None and new.posted_on > today:
        errors.append(FieldError("posted_on", "The date cannot be in the future", "Ni all y dyddiad fod yn y dyfodol"))
    return errors + _health_reason(new.health, new.health_reason, "health_reason")


def engagement_errors(engagement: NewEngagement, prefix: str = "") -> list[FieldError]:
    """An engagement does not end before it starts."""
    if engagement.ended_on is not None and engagement.ended_on < engagement.started_on:
        return [FieldError(f"{prefix}ended_on", "The end date must not be before the start date",
                           "Ni all y dyddiad gorffen fod cyn y dyddiad dechrau")]  # fmt: skip
    return []


def engagement_change_errors(started_on: dt.date, ended_on: dt.date | None) -> list[FieldError]:
    """A changed start stays on or before the day an ended engagement ended."""
    if ended_on is not None and started_on > ended_on:
        return [FieldError("started_on", "The start date must not be after the day the engagement ended",
                           "Ni all y dyddiad dechrau fod ar ôl y diwrnod y daeth yr ymgysylltiad i ben")]  # fmt: skip
    return []


def engagement_ending_errors(started_on: dt.date, ending: EngagementEnding) -> list[FieldError]:
    if ending.ended_on < started_on:
        return [FieldError("ended_on", "The end date must not be before the start date",
                           "Ni all y dyddiad gorffen fod cyn y dyddiad dechrau")]  # fmt: skip
    return []


def engagement_contact_errors(given: list[uuid.UUID], known: set[uuid.UUID], prefix: str = "") -> list[FieldError]:
    """An engagement names only contacts of its own partner."""
    if set(given) - known:
        return [FieldError(f"{prefix}contacts", "Choose contacts of this engagement's partner only",
                           "Dewiswch gysylltiadau partner yr ymgysylltiad hwn yn unig")]  # fmt: skip
    return []


def engagement_project_errors(
    engagement: NewEngagement | uuid.UUID, project_partner: uuid.UUID | None, prefix: str = ""
) -> list[FieldError]:
    """An engagement with one partner may name only a project of that partner (or of none yet):
    otherwise one partner's record would point at, and reveal, another's project. ``engagement``
    is a new engagement or the partner of one already recorded."""
    partner = engagement if isinstance(engagement, uuid.UUID) else engagement.partner_id
    if project_partner is not None and project_partner != partner:
        return [FieldError(
            f"{prefix}project_id", "This project is with another partner: choose one of this partner's",
            "Mae'r prosiect hwn gyda phartner arall: dewiswch un o brosiectau'r partner hwn",
        )]  # fmt: skip
    return []


def triage_errors(decision: Triage) -> list[FieldError]:
    """Accepting describes the engagement the request becomes; declining says why."""
    errors = []
    if decision.outcome == "accepted" and decision.engagement is None:
        errors.append(FieldError("engagement", "Describe the engagement this request becomes",
                                 "Disgrifiwch yr ymgysylltiad y mae'r cais hwn yn ei droi'n"))  # fmt: skip
    if decision.engagement is not None:
        errors += engagement_errors(decision.engagement, "engagement.")
    if decision.outcome == "declined" and bilingual.given(decision.reason, "en").blank:
        errors.append(FieldError("reason", "Say why the request is declined",
                                 "Dywedwch pam mae'r cais yn cael ei wrthod"))  # fmt: skip
    return errors


def person_errors(new: NewPerson) -> list[FieldError]:
    """A partner contact belongs to a partner."""
    if new.kind == "partner_contact" and new.partner_id is None:
        return [FieldError("partner_id", "A partner contact belongs to a partner",
                           "Mae cyswllt partner yn perthyn i bartner")]  # fmt: skip
    return []
