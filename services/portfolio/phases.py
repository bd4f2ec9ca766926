"""The rules for moving a project between phases, as pure functions (no I/O, no clock).

Why: these rules are what people argue about ("may a beta go back to discovery?"), so they live in
one short place, readable in a sitting and checked by property-based tests over every phase, state
and request. The change-phase command calls :func:`decide` (a :class:`Refused` is a 409 naming its
field); every project the API returns carries :func:`allowed_actions`, so the web offers only what
can work. Each refusal has a stable ``code`` and wording in English and Welsh, so no caller invents
its own. ``today`` is a parameter: the rules never read a clock.

Decisions beyond the brief:

- ``advance`` without ``to_phase`` means the next phase. ``go_back`` names its target and may go back
  any number of phases (a service can be sent back to discovery), with a reason.
- A retired or stopped project accepts only ``reopen``, with a reason: a stopped one becomes active
  in the same phase, a retired one becomes live and active.
- A paused project cannot change phase but can be resumed or stopped (a pause may end in a stop).
- ``stop``, ``pause``, ``resume`` and ``reopen`` take no ``to_phase``; giving one is refused, not ignored.
- Any request may carry an assessment; only ``not_met`` on ``advance`` is refused (a failed assessment
  is a fine reason to go back or stop). A blank assessment link counts as none.
- Checks run in order: what the state forbids, then the move, then the evidence (link, then dates).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeAlias, assert_never
from urllib.parse import urlsplit

import msgspec

from shared import bilingual, vocabulary
from shared.bilingual import Bilingual, ShortIn, ShortText
from shared.events import GateOutcome, GatePassage, Phase, State
from shared.events import TransitionKind as Kind
from shared.replies.portfolio import AllowedAction

AssessmentOutcome = Literal["met", "not_met"]
RefusalCode = Literal[
    "skips_a_phase", "not_forward", "not_backward", "target_required", "unexpected_phase", "same_phase",
    "reason_required", "project_stopped", "project_retired", "project_paused", "already_paused",
    "not_paused", "not_stopped", "assessment_not_met", "bad_assessment_link", "future_date", "before_start",
    "gate_not_assessed", "gate_not_met",
]  # fmt: skip
GateRule = Literal["require", "warn"]
GATED: tuple[Phase, ...] = ("private_beta", "public_beta", "live")
"""The phases a project enters only through an assessed gate (shared/settings.py: gate_rule)."""

NO_NUL = r"^[^\x00]*$"
"""Text fields refuse U+0000: PostgreSQL text cannot hold it (the event stores the reason and link)."""

PHASE_ORDER: tuple[Phase, ...] = ("discovery", "alpha", "private_beta", "public_beta", "live", "retired")
STATES: tuple[State, ...] = ("active", "paused", "stopped")
KINDS: tuple[Kind, ...] = ("advance", "go_back", "stop", "reopen", "pause", "resume")
PHASE_NAMES_EN: dict[Phase, str] = {p: vocabulary.name(vocabulary.PHASES, p, "en").lower() for p in PHASE_ORDER}
"""The English phase names, as they read inside a sentence ("move to private beta")."""
PHASE_NAMES_CY: dict[Phase, str] = {p: vocabulary.name(vocabulary.PHASES, p, "cy").lower() for p in PHASE_ORDER}
"""The Welsh phase names, as they read inside a sentence ("yn y cam alffa")."""


class ProjectStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where a project is now: all the rules need to know about it."""

    phase: Phase
    state: State = "active"
    start_date: dt.date | None = None


class Transition(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A request to change a project's phase or state, as a delivery lead sends it."""

    kind: Kind
    effective: dt.date
    to_phase: Phase | None = None
    reason: ShortText = ""
    """In English, Welsh or both (``{"en": …, "cy": …}``), or one text whose language is told from it."""
    assessment: AssessmentOutcome | None = None
    assessment_url: Annotated[str, msgspec.Meta(max_length=2000, pattern=NO_NUL)] | None = None
    gate_override_reason: ShortText = ""
    """A lead's reason to pass a gate without a published assessment that met the standards."""


class Accepted(msgspec.Struct, frozen=True, kw_only=True):
    """The request is allowed: the project's new phase and state, with the tidied request details."""

    kind: Kind
    from_phase: Phase
    from_state: State
    new_phase: Phase
    new_state: State
    effective: dt.date
    reason: Bilingual
    assessment: AssessmentOutcome | None
    assessment_url: str | None


class Refused(msgspec.Struct, frozen=True, kw_only=True):
    """The request is not allowed: a stable code and the explanation in English and Welsh."""

    code: RefusalCode
    message_en: str
    message_cy: str

    @property
    def field(self) -> str:
        """The request field the refusal is about, so a form can put the message beside it."""
        return _REFUSAL_FIELDS.get(self.code, "kind")


Outcome: TypeAlias = Accepted | Refused


def next_phase(phase: Phase) -> Phase | None:
    """The phase after ``phase``, or None after retired."""
    index = PHASE_ORDER.index(phase) + 1
    return PHASE_ORDER[index] if index < len(PHASE_ORDER) else None


def allowed_actions(status: ProjectStatus) -> list[AllowedAction]:
    """What may be done now: each action's kind and, for ``advance`` and ``go_back``, its phase.

    Every entry is accepted by :func:`decide` given a reason, a valid date and no failed assessment;
    anything not listed is refused whatever the details.
    """
    if status.phase == "retired" or status.state == "stopped":
        return [AllowedAction(kind="reopen")]
    if status.state == "paused":
        return [AllowedAction(kind="resume"), AllowedAction(kind="stop")]
    following = next_phase(status.phase)
    actions = [AllowedAction(kind="advance", to_phase=following)] if following else []
    earlier = PHASE_ORDER[: PHASE_ORDER.index(status.phase)]
    actions += [AllowedAction(kind="go_back", to_phase=phase) for phase in earlier]
    return [*actions, AllowedAction(kind="pause"), AllowedAction(kind="stop")]


def decide(status: ProjectStatus, request: Transition, today: dt.date) -> Outcome:
    """Accept or refuse ``request`` for a project in ``status``. Never raises, never does I/O."""
    refused = _forbidden_by_state(status, request.kind)
    if refused is not None:
        return refused
    reason = bilingual.given(request.reason)
    moved = _move(status, request, reason)
    if isinstance(moved, Refused):
        return moved
    url = (request.assessment_url or "").strip() or None
    refused = _check_evidence(status, request, url, today)
    if refused is not None:
        return refused
    new_phase, new_state = moved
    return Accepted(
        kind=request.kind,
        from_phase=status.phase,
        from_state=status.state,
        new_phase=new_phase,
        new_state=new_state,
        effective=request.effective,
        reason=reason,
        assessment=request.assessment,
        assessment_url=url,
    )


_REFUSAL_FIELDS: dict[RefusalCode, str] = {
    "skips_a_phase": "to_phase", "same_phase": "to_phase", "not_forward": "to_phase",
    "not_backward": "to_phase", "target_required": "to_phase", "unexpected_phase": "to_phase",
    "reason_required": "reason",
    "future_date": "effective", "before_start": "effective", "assessment_not_met": "assessment",
    "bad_assessment_link": "assessment_url", "gate_not_assessed": "gate_override_reason",
    "gate_not_met": "gate_override_reason",
}  # fmt: skip
_MESSAGES: dict[RefusalCode, tuple[str, str]] = {
    "skips_a_phase": (
        "A project moves forward one phase at a time: move from {here} to {next} first.",
        "Ni ellir neidio dros gam: symudwch o'r cam {here} i'r cam {next} yn gyntaf.",
    ),
    "not_forward": (
        "The {there} phase comes before {here}. To go back, choose ‘go back’ and give a reason.",
        "Mae'r cam {there} yn dod cyn y cam {here}. I fynd yn ôl, dewiswch ‘mynd yn ôl’ a rhowch reswm.",
    ),
    "not_backward": (
        "The {there} phase comes after {here}. To move forward, advance one phase at a time.",
        "Mae'r cam {there} yn dod ar ôl y cam {here}. I symud ymlaen, symudwch un cam ar y tro.",
    ),
    "target_required": ("Choose the phase to go back to.", "Dewiswch y cam i fynd yn ôl iddo."),
    "unexpected_phase": (
        "This action does not change the phase, so do not choose one.",
        "Nid yw'r weithred hon yn newid y cam, felly peidiwch â dewis un.",
    ),
    "same_phase": ("The project is already in the {here} phase.", "Mae'r prosiect eisoes yn y cam {here}."),
    "reason_required": ("Give a reason for {doing}.", "Rhowch reswm dros {doing}."),
    "project_retired": (
        "This project has been retired. Reopen it first, giving a reason; it will return to live.",
        "Mae'r prosiect hwn wedi ymddeol. Ailagorwch y prosiect yn gyntaf, gan roi rheswm; "
        "bydd yn dychwelyd i'r cam byw.",
    ),
    "project_stopped": (
        "This project has been stopped. Reopen it first, giving a reason.",
        "Mae'r prosiect hwn wedi'i atal. Ailagorwch y prosiect yn gyntaf, gan roi rheswm.",
    ),
    "project_paused": (
        "This project is paused. Resume it before changing its phase.",
        "Mae'r prosiect hwn ar saib. Ailddechreuwch y prosiect cyn newid ei gam.",
    ),
    "already_paused": ("This project is already paused.", "Mae'r prosiect hwn eisoes ar saib."),
    "not_paused": (
        "Only a paused project can be resumed.",
        "Dim ond prosiect sydd ar saib y gellir ei ailddechrau.",
    ),
    "not_stopped": (
        "Only a stopped or retired project can be reopened.",
        "Dim ond prosiect sydd wedi'i atal neu wedi ymddeol y gellir ei ailagor.",
    ),
    "assessment_not_met": (
        "The project did not meet the standard at its assessment, so it cannot move to {there}.",
        "Ni wnaeth y prosiect fodloni'r safon yn ei asesiad, felly ni all symud i'r cam {there}.",
    ),
    "bad_assessment_link": (
        "The assessment link must be a web address starting with http:// or https://.",
        "Rhaid i ddolen yr asesiad fod yn gyfeiriad gwe sy'n dechrau gyda http:// neu https://.",
    ),
    "gate_not_assessed": (
        "Moving to {there} needs a published assessment of the gate from {here} that met the standards. "
        "Publish one first, or give a reason for going ahead without it.",
        "Mae symud i'r cam {there} yn gofyn am asesiad cyhoeddedig o'r porth o'r cam {here} a fodlonodd y "
        "safonau. Cyhoeddwch un yn gyntaf, neu rhowch reswm dros fwrw ymlaen hebddo.",
    ),
    "gate_not_met": (
        "The latest published assessment of the gate from {here} to {there} did not meet the standards. "
        "Assess the project again, or give a reason for going ahead.",
        "Ni wnaeth yr asesiad cyhoeddedig diweddaraf o'r porth o'r cam {here} i'r cam {there} fodloni'r safonau. "
        "Aseswch y prosiect eto, neu rhowch reswm dros fwrw ymlaen.",
    ),
    "future_date": (
        "The effective date cannot be after today ({date}).",
        "Ni all y dyddiad dod i rym fod ar ôl heddiw ({date}).",
    ),
    "before_start": (
        "The effective date cannot be before the project started ({date}).",
        "Ni all y dyddiad dod i rym fod cyn i'r prosiect ddechrau ({date}).",
    ),
}
# What a reason is needed for, completing "Give a reason for …" / "Rhowch reswm dros …" (so the
# Welsh is already soft-mutated after "dros": "fynd", "roi").
_DOING: dict[Kind, tuple[str, str]] = {
    "go_back": ("going back to {there}", "fynd yn ôl i'r cam {there}"),
    "stop": ("stopping the project", "atal y prosiect"),
    "pause": ("pausing the project", "roi'r prosiect ar saib"),
    "reopen": ("reopening the project", "ailagor y prosiect"),
}


def _refuse(
    code: RefusalCode,
    *,
    here: Phase = "discovery",
    there: Phase = "discovery",
    date: dt.date | None = None,
    doing: Kind | None = None,
) -> Refused:
    """The refusal for ``code``, its messages filled in with phase names in each language."""
    following = next_phase(here) or here
    day = date.isoformat() if date else ""
    en_values = {"here": PHASE_NAMES_EN[here], "there": PHASE_NAMES_EN[there], "next": PHASE_NAMES_EN[following]}
    cy_values = {"here": PHASE_NAMES_CY[here], "there": PHASE_NAMES_CY[there], "next": PHASE_NAMES_CY[following]}
    en_values["date"] = cy_values["date"] = day
    en, cy = _MESSAGES[code]
    if doing is not None:
        en_values["doing"] = _DOING[doing][0].format(**en_values)
        cy_values["doing"] = _DOING[doing][1].format(**cy_values)
    return Refused(code=code, message_en=en.format(**en_values), message_cy=cy.format(**cy_values))


def _forbidden_by_state(status: ProjectStatus, kind: Kind) -> Refused | None:
    if kind == "reopen":
        return None
    if status.phase == "retired":
        return _refuse("project_retired")
    if status.state == "stopped":
        return _refuse("project_stopped")
    if status.state == "paused" and (kind == "advance" or kind == "go_back"):
        return _refuse("project_paused")
    return None


def _move(status: ProjectStatus, request: Transition, reason: Bilingual) -> tuple[Phase, State] | Refused:
    kind, phase = request.kind, status.phase
    if kind == "advance" or kind == "go_back":
        return _change_phase(status, request, reason)
    if request.to_phase is not None:
        return _refuse("unexpected_phase")
    if kind == "resume":
        return (phase, "active") if status.state == "paused" else _refuse("not_paused")
    if kind == "pause" and status.state == "paused":
        return _refuse("already_paused")
    if kind == "reopen" and phase != "retired" and status.state != "stopped":
        return _refuse("not_stopped")
    if reason.blank:
        return _refuse("reason_required", doing=kind)
    if kind == "stop":
        return phase, "stopped"
    if kind == "pause":
        return phase, "paused"
    if kind == "reopen":
        return ("live" if phase == "retired" else phase), "active"
    assert_never(kind)


def _change_phase(status: ProjectStatus, request: Transition, reason: Bilingual) -> tuple[Phase, State] | Refused:
    here = status.phase
    there = request.to_phase
    if request.kind == "advance" and there is None:
        there = next_phase(here)
    if there is None:
        return _refuse("target_required")
    step = PHASE_ORDER.index(there) - PHASE_ORDER.index(here)
    if step == 0:
        return _refuse("same_phase", here=here)
    if request.kind == "go_back":
        if step > 0:
            return _refuse("not_backward", here=here, there=there)
        if reason.blank:
            return _refuse("reason_required", there=there, doing="go_back")
        return there, "active"
    if step < 0:
        return _refuse("not_forward", here=here, there=there)
    if step > 1:
        return _refuse("skips_a_phase", here=here)
    if request.assessment == "not_met":
        return _refuse("assessment_not_met", there=there)
    return there, "active"


def _check_evidence(status: ProjectStatus, request: Transition, url: str | None, today: dt.date) -> Refused | None:
    if url is not None and not _is_web_address(url):
        return _refuse("bad_assessment_link")
    if request.effective > today:
        return _refuse("future_date", date=today)
    if status.start_date is not None and request.effective < status.start_date:
        return _refuse("before_start", date=status.start_date)
    return None


def _is_web_address(url: str) -> bool:
    if any(char.isspace() for char in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def passes_a_gate(accepted: Accepted) -> bool:
    """Whether the move passes a gate: an advance into private beta, public beta or live."""
    return accepted.kind == "advance" and accepted.new_phase in GATED


def pass_gate(
    accepted: Accepted, latest: GateOutcome | None, override_reason: Bilingual | ShortIn | str, rule: GateRule
) -> GatePassage | Refused | None:
    """How an accepted move passes its gate, given the outcome of the newest published assessment of
    that gate (None: there is none): on the assessment if it met the standards, else on the lead's
    reason, else (where the rule only warns) unassessed; refused otherwise. None for a move that
    passes no gate: anything but an advance into private beta, public beta or live."""
    if not passes_a_gate(accepted):
        return None
    if latest == "met":
        return "assessed"
    given = override_reason if isinstance(override_reason, Bilingual) else bilingual.given(override_reason, "en")
    if not given.blank:
        return "overridden"
    if rule == "warn":
        return "unassessed"
    code: RefusalCode = "gate_not_assessed" if latest is None else "gate_not_met"
    return _refuse(code, here=accepted.from_phase, there=accepted.new_phase)
