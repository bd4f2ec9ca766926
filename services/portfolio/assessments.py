"""Assessments against the Digital Service Standards for Wales: their inputs and pure rules (no I/O, no clock).

An assessment belongs to a project and a gate, named by the phase it would enter (``to_phase``; it
leaves the phase before). Its outcome is derived, never typed in: any standard not met makes the
gate not met, and only once every standard is rated (or not assessed, with a reason); the panel
may override the derived outcome with a recorded reason. The life of an assessment is
draft → (submitted, for a partner's self-assessment) → published; a published one never changes.

Who may do what (``may_*``): delivery leads and admins create, edit and publish any assessment; the
project's partner starts, fills in and submits a team self-assessment of its own projects, and
nothing else. Refusals of the life cycle are 409s with a stable code and both languages, like the
phase rules; bad input is one 422 naming every bad field.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio.domain import NO_NUL, Body, Input, Name, Summary
from services.portfolio.phases import PHASE_ORDER
from shared import bilingual, standards
from shared.bilingual import ShortText
from shared.events import (
    ActionSnapshot,
    AssessmentKind,
    AssessmentSnapshot,
    AssessmentStatus,
    GateOutcome,
    Phase,
    Rating,
    StandardRating,
)
from shared.http import FieldError
from shared.identity import Identity
from shared.replies.portfolio import Action, Assessment, AssessmentSummary, StandardOutcome

GATES: dict[Phase, Phase] = {after: before for before, after in itertools.pairwise(PHASE_ORDER[:5])}
"""Each gate, by the phase it opens onto, and the phase it leaves: discovery→alpha up to public beta→live."""

Role = Annotated[str, msgspec.Meta(max_length=200, pattern=NO_NUL)]
StandardNumber = Annotated[int, msgspec.Meta(ge=1, le=99)]


class PanelMemberInput(Input, kw_only=True):
    name: Name
    role: ShortText = ""
    """Their part ("Lead assessor" / "Prif aseswr"): ``{"en", "cy"}``, or one string whose language is told from it."""


class RatingInput(Input, kw_only=True):
    """One standard's rating; null means not rated yet (a draft may leave standards unrated)."""

    standard: StandardNumber
    rating: Rating | None = None
    reason: ShortText = ""
    """Why it was not assessed: ``{"en", "cy"}``, or one string whose language is told from it."""
    evidence_en: Body = ""
    evidence_cy: Body = ""
    recommendations_en: Body = ""
    recommendations_cy: Body = ""


Panel = Annotated[list[PanelMemberInput], msgspec.Meta(max_length=20)]
Ratings = Annotated[list[RatingInput], msgspec.Meta(max_length=50)]


class NewAssessment(Input, kw_only=True):
    to_phase: Phase
    kind: AssessmentKind
    held_on: dt.date
    panel: Panel = msgspec.field(default_factory=list)
    ratings: Ratings = msgspec.field(default_factory=list)
    summary_en: Summary = ""
    summary_cy: Summary = ""
    panel_outcome: GateOutcome | None = None
    override_reason: ShortText = ""


class AssessmentChanges(Input, kw_only=True):
    """A change to a draft: the fields given replace the draft's; ``ratings`` replace those standards only."""

    held_on: dt.date | UnsetType = UNSET
    panel: Panel | UnsetType = UNSET
    ratings: Ratings | UnsetType = UNSET
    summary_en: Summary | UnsetType = UNSET
    summary_cy: Summary | UnsetType = UNSET
    panel_outcome: GateOutcome | UnsetType | None = UNSET
    override_reason: ShortText | UnsetType = UNSET


class NewAction(Input, kw_only=True):
    """A recommendation that becomes an action; a partly met standard's is due three months after the
    assessment unless a date is given."""

    standard: StandardNumber
    text_en: Body = ""
    text_cy: Body = ""
    owner: Role = ""
    """Who sees it done (a blank one is refused with the other rules, so one answer names every gap)."""
    due_on: dt.date | None = None


class ActionClosing(Input, kw_only=True):
    state: Literal["done", "dropped"]
    reason: ShortText = ""


RefusalCode = Literal[
    "assessment_published", "assessment_submitted", "not_a_self_assessment", "not_submittable",
    "assessment_not_published", "action_closed",
]  # fmt: skip

_REFUSALS: dict[RefusalCode, tuple[str, str]] = {
    "assessment_published": (
        "This assessment has been published, so it can no longer be changed.",
        "Mae'r asesiad hwn wedi'i gyhoeddi, felly ni ellir ei newid mwyach.",
    ),
    "assessment_submitted": (
        "This self-assessment has been submitted to CDPS, so only CDPS can change it now.",
        "Mae'r hunanasesiad hwn wedi'i gyflwyno i CDPS, felly dim ond CDPS all ei newid bellach.",
    ),
    "not_a_self_assessment": (
        "Only a team self-assessment is submitted to CDPS; CDPS publishes the others.",
        "Dim ond hunanasesiad tîm sy'n cael ei gyflwyno i CDPS; mae CDPS yn cyhoeddi'r lleill.",
    ),
    "not_submittable": (
        "Only a draft can be submitted.",
        "Dim ond drafft y gellir ei gyflwyno.",
    ),
    "assessment_not_published": (
        "Actions follow the recommendations of a published assessment: publish it first.",
        "Mae camau gweithredu'n dilyn argymhellion asesiad cyhoeddedig: cyhoeddwch ef yn gyntaf.",
    ),
    "action_closed": (
        "This action has already been closed.",
        "Mae'r cam gweithredu hwn wedi'i gau eisoes.",
    ),
}


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    code: RefusalCode
    message_en: str
    message_cy: str


def refusal(code: RefusalCode) -> Refused:
    en, cy = _REFUSALS[code]
    return Refused(code=code, message_en=en, message_cy=cy)


# Who ---------------------------------------------------------------------------------------------


def owns(viewer: Identity, partner_id: object) -> bool:
    """The viewer is a partner user of the organisation the project belongs to."""
    return viewer.role == "partner" and viewer.partner_id is not None and viewer.partner_id == partner_id


def may_create(viewer: Identity, kind: AssessmentKind, partner_id: object) -> bool:
    return viewer.is_staff or (kind == "self_assessment" and owns(viewer, partner_id))


def may_edit(viewer: Identity, assessment: AssessmentSnapshot, partner_id: object) -> bool:
    """Staff edit any assessment; a partner only its own project's self-assessments."""
    return viewer.is_staff or (assessment.kind == "self_assessment" and owns(viewer, partner_id))


def may_read_in_full(viewer: Identity, assessment: AssessmentSnapshot, partner_id: object) -> bool:
    """Staff read everything; the project's partner its self-assessments and whatever is published.
    Anyone else reads a published assessment's summary only (where they may see the project)."""
    if viewer.is_staff:
        return True
    return owns(viewer, partner_id) and (assessment.status == "published" or assessment.kind == "self_assessment")


# The rules ----------------------------------------------------------------------------------------


def derived_outcome(ratings: Iterable[StandardRating], version: str) -> GateOutcome | None:
    """Not met if any standard is not met, else met; None while a standard of ``version`` is unrated."""
    given = {r.standard: r.rating for r in ratings}
    rated = [given.get(number) for number in standards.numbers(version)]
    if any(rating is None for rating in rated):
        return None
    return "not_met" if "not_met" in rated else "met"


def outcome(ratings: Sequence[StandardRating], panel_outcome: GateOutcome | None, version: str) -> GateOutcome | None:
    """The gate's outcome: the panel's, where it overrides, once every standard is rated."""
    derived = derived_outcome(ratings, version)
    return None if derived is None else (panel_outcome or derived)


def merged(current: Sequence[StandardRating], given: Sequence[RatingInput]) -> list[StandardRating]:
    """The ratings after a change: each standard given replaces that standard's rating whole."""
    by_number = {r.standard: r for r in current}
    for rating in given:
        fields = msgspec.structs.asdict(rating) | {"reason": bilingual.given(rating.reason)}
        by_number[rating.standard] = StandardRating(**fields)
    return [by_number[n] for n in sorted(by_number)]


def input_errors(
    ratings: Sequence[RatingInput], held_on: dt.date | None, to_phase: Phase | None, today: dt.date, version: str
) -> list[FieldError]:
    """What is wrong with a new assessment or a change, whatever its state: every problem at once."""
    errors = []
    if to_phase is not None and to_phase not in GATES:
        errors.append(FieldError("to_phase", "Choose a gate: alpha, private beta, public beta or live",
                                 "Dewiswch borth: alffa, beta preifat, beta cyhoeddus neu fyw"))  # fmt: skip
    if held_on is not None and held_on > today:
        errors.append(FieldError("held_on", "The assessment date cannot be in the future",
                                 "Ni all dyddiad yr asesiad fod yn y dyfodol"))  # fmt: skip
    known = set(standards.numbers(version))
    seen: set[int] = set()
    for rating in ratings:
        field = f"ratings.{rating.standard}"
        if rating.standard not in known:
            errors.append(FieldError(f"{field}.standard", f"There is no standard {rating.standard}",
                                     f"Nid oes safon {rating.standard}"))  # fmt: skip
        elif rating.standard in seen:
            errors.append(FieldError(f"{field}.standard", f"Standard {rating.standard} is rated twice",
                                     f"Mae safon {rating.standard} wedi'i graddio ddwywaith"))  # fmt: skip
        seen.add(rating.standard)
    return errors


def completeness_errors(assessment: AssessmentSnapshot) -> list[FieldError]:
    """What must be there before an assessment is submitted or published: a rating for every
    standard, a reason for each one not assessed, a panel (but for a self-assessment), and a reason
    wherever the panel's outcome differs from the derived one."""
    given = {r.standard: r for r in assessment.ratings}
    errors = []
    for standard in standards.standards(assessment.standards_version):
        rating = given.get(standard.number)
        field = f"ratings.{standard.number}"
        if rating is None or rating.rating is None:
            errors.append(FieldError(f"{field}.rating", f"Rate standard {standard.number}: {standard.title_en}",
                                     f"Rhowch radd i safon {standard.number}: {standard.title_cy}"))  # fmt: skip
        elif rating.rating == "not_assessed" and rating.reason.blank:
            errors.append(FieldError(f"{field}.reason", f"Say why standard {standard.number} was not assessed",
                                     f"Dywedwch pam na aseswyd safon {standard.number}"))  # fmt: skip
    if assessment.kind != "self_assessment" and not assessment.panel:
        errors.append(FieldError("panel", "Name the panel: at least one assessor",
                                 "Enwch y panel: o leiaf un aseswr"))  # fmt: skip
    errors += override_errors(assessment)
    return errors


def override_errors(assessment: AssessmentSnapshot) -> list[FieldError]:
    """A panel outcome other than the derived one needs its reason recorded."""
    derived = derived_outcome(assessment.ratings, assessment.standards_version)
    overrides = assessment.panel_outcome is not None and assessment.panel_outcome != derived
    if overrides and assessment.override_reason.blank:
        return [FieldError("override_reason", "Say why the panel's outcome differs from the ratings",
                           "Dywedwch pam mae canlyniad y panel yn wahanol i'r graddau")]  # fmt: skip
    return []


def edit_refusal(status: AssessmentStatus, viewer: Identity) -> Refused | None:
    if status == "published":
        return refusal("assessment_published")
    if status == "submitted" and not viewer.is_staff:
        return refusal("assessment_submitted")
    return None


def submit_refusal(assessment: AssessmentSnapshot) -> Refused | None:
    if assessment.kind != "self_assessment":
        return refusal("not_a_self_assessment")
    if assessment.status != "draft":
        return refusal("not_submittable")
    return None


PARTLY_MET_DUE_MONTHS = 3


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day where it is shorter (30 November → 28 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def action_due(assessment: AssessmentSnapshot, new: NewAction) -> dt.date | None:
    """The action's due date: the one given, else three months after a partly met standard's assessment."""
    if new.due_on is not None:
        return new.due_on
    rating = next((r.rating for r in assessment.ratings if r.standard == new.standard), None)
    return add_months(assessment.held_on, PARTLY_MET_DUE_MONTHS) if rating == "partly_met" else None


def action_errors(assessment: AssessmentSnapshot, new: NewAction) -> list[FieldError]:
    """A standard of the assessment's set, words in one language at least, and a due date."""
    errors = []
    if new.standard not in standards.numbers(assessment.standards_version):
        errors.append(FieldError("standard", f"There is no standard {new.standard}", f"Nid oes safon {new.standard}"))
    if not (new.text_en.strip() or new.text_cy.strip()):
        words = ("Say what is to be done, in English, Welsh or both",
                 "Dywedwch beth sydd i'w wneud, yn Gymraeg, Saesneg neu'r ddwy")  # fmt: skip
        errors += [FieldError("text_en", *words), FieldError("text_cy", *words)]
    if not new.owner.strip():
        errors.append(FieldError("owner", "Say who owns the action", "Dywedwch pwy sy'n berchen ar y cam gweithredu"))
    if action_due(assessment, new) is None:
        errors.append(FieldError(
            "due_on", "Give a due date (a partly met standard has one by default)",
            "Rhowch ddyddiad erbyn pryd (mae gan safon a fodlonwyd yn rhannol un yn ddiofyn)",
        ))  # fmt: skip
    return errors


def closing_errors(closing: ActionClosing) -> list[FieldError]:
    if closing.state == "dropped" and bilingual.given(closing.reason).blank:
        return [FieldError("reason", "Say why the action is dropped",
                           "Dywedwch pam mae'r cam gweithredu'n cael ei ollwng")]  # fmt: skip
    return []


def one_language(rating: StandardRating) -> Literal["en", "cy"] | None:
    """The only language a rating's text is written in (None: both, or no text at all)."""
    english = bool(rating.evidence_en.strip() or rating.recommendations_en.strip())
    welsh = bool(rating.evidence_cy.strip() or rating.recommendations_cy.strip())
    if english == welsh:
        return None
    return "en" if english else "cy"


# Records and replies -----------------------------------------------------------------------------


class AssessmentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """An assessment as stored: its snapshot (what its events carry) and the store's bookkeeping."""

    id: uuid.UUID
    snapshot: AssessmentSnapshot
    partner_id: uuid.UUID | None
    """Its project's partner (read with it), for scoping."""
    version: int
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None


def full_reply(record: AssessmentRecord) -> Assessment:
    languages = {r.standard: lang for r in record.snapshot.ratings if (lang := one_language(r)) is not None}
    return Assessment(
        id=record.id, version=record.version, created_by=record.created_by, created_at=record.created_at,
        updated_at=record.updated_at, published_at=record.published_at, one_language=languages,
        **msgspec.structs.asdict(record.snapshot),
    )  # fmt: skip


def summary_reply(record: AssessmentRecord) -> AssessmentSummary:
    now = record.snapshot
    return AssessmentSummary(
        id=record.id, project_id=now.project_id, from_phase=now.from_phase, to_phase=now.to_phase, kind=now.kind,
        held_on=now.held_on, standards_version=now.standards_version, outcome=now.outcome,
        ratings=[StandardOutcome(standard=r.standard, rating=r.rating) for r in now.ratings],
        summary_en=now.summary_en, summary_cy=now.summary_cy, published_at=record.published_at,
    )  # fmt: skip


def reply_for(viewer: Identity, record: AssessmentRecord) -> Assessment | AssessmentSummary:
    """In full for those who may read it so, else the summary (the store only returns what the viewer may see)."""
    if may_read_in_full(viewer, record.snapshot, record.partner_id):
        return full_reply(record)
    return summary_reply(record)


class ActionRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    snapshot: ActionSnapshot
    version: int
    created_at: dt.datetime
    closed_at: dt.datetime | None


def action_reply(record: ActionRecord, today: dt.date) -> Action:
    now = record.snapshot
    return Action(
        id=record.id, version=record.version, created_at=record.created_at, closed_at=record.closed_at,
        overdue=now.state == "open" and now.due_on < today, **msgspec.structs.asdict(now),
    )  # fmt: skip
