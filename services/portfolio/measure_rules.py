"""Measures: what a project tracks each month, from the catalogue or its own. Pure: the inputs,
their rules, and what a series of values says (is the target met, which way is it going, did the
newest value just cross the target, either way)."""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from services.portfolio.domain import Input
from shared import bilingual, measures, vocabulary
from shared.bilingual import Bilingual, ShortIn
from shared.events import MeasureSnapshot, MonthValue
from shared.http import FieldError
from shared.measures import Crossing, Direction, Unit
from shared.replies.portfolio import Measure

CatalogueCode = Literal[
    "cost_per_transaction", "user_satisfaction", "completion_rate", "digital_take_up", "users_served",
    "time_to_complete", "welsh_take_up",
]  # fmt: skip
Month = Annotated[str, msgspec.Meta(max_length=7, pattern=r"^[0-9]{4}-[0-9]{2}$")]
"""A month, like 2026-05."""
Number = Annotated[float, msgspec.Meta(ge=0, le=1e12)]
NameText = Annotated[str, msgspec.Meta(max_length=200, pattern=bilingual.NO_NUL)]


class NameIn(ShortIn, frozen=True, kw_only=True, forbid_unknown_fields=True):
    en: NameText = ""
    cy: NameText = ""


class NewMeasure(Input, kw_only=True):
    """A measure from the catalogue (``catalogue``), or the project's own (``name``, ``unit``, ``direction``)."""

    catalogue: CatalogueCode | None = None
    name: NameIn | None = None
    unit: Unit | None = None
    direction: Direction | None = None
    target_value: Number | None = None
    published: bool = False


class MeasureChanges(Input, kw_only=True):
    name: NameIn | UnsetType = UNSET
    target_value: Number | UnsetType | None = UNSET
    published: bool | UnsetType = UNSET


class Removal(Input, kw_only=True):
    reason: bilingual.ShortText = ""


def removal_errors(reason: Bilingual) -> list[FieldError]:
    """A removal says why, in one language at least."""
    if reason.blank:
        return [_error("reason", "Give the reason for removing the measure, in English, Welsh or both",
                       "Rhowch y rheswm dros ddileu'r mesur, yn Saesneg, yn Gymraeg neu'r ddwy")]  # fmt: skip
    return []


class ValueIn(Input, kw_only=True):
    month: Month
    value: Number


class NewValues(Input, kw_only=True):
    values: Annotated[list[ValueIn], msgspec.Meta(min_length=1, max_length=600)]


def _error(field: str, en: str, cy: str) -> FieldError:
    return FieldError(field, en, cy)


def parse_month(text: str) -> dt.date | None:
    """The first day of the month, or None for one that does not exist (2026-13)."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
        return None
    try:
        return dt.date.fromisoformat(f"{text}-01")
    except ValueError:
        return None


def month_text(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def new_measure_errors(new: NewMeasure) -> list[FieldError]:
    """A catalogue measure names nothing else; the project's own has a name in both languages, a unit
    and a direction."""
    errors: list[FieldError] = []
    if new.catalogue is not None:
        for field in ("name", "unit", "direction"):
            if getattr(new, field) is not None:
                errors.append(_error(field, "Leave this out for a measure from the catalogue: it has its own",
                                     "Gadewch hwn allan ar gyfer mesur o'r catalog: mae ganddo un ei hun"))  # fmt: skip
        return errors
    errors += name_errors(new.name)
    if new.unit is None:
        errors.append(_error("unit", "Choose the measure's unit", "Dewiswch uned y mesur"))
    if new.direction is None:
        errors.append(_error("direction", "Say whether a higher or a lower value is better",
                             "Dywedwch a yw gwerth uwch neu is yn well"))  # fmt: skip
    return errors + target_errors(new.target_value, new.unit)


def name_errors(name: NameIn | None) -> list[FieldError]:
    errors = []
    if name is None or not name.en.strip():
        errors.append(_error("name.en", "Enter the measure's name in English", "Rhowch enw'r mesur yn Saesneg"))
    if name is None or not name.cy.strip():
        errors.append(_error("name.cy", "Enter the measure's name in Welsh", "Rhowch enw'r mesur yn Gymraeg"))
    return errors


def target_errors(target: float | UnsetType | None, unit: Unit | None) -> list[FieldError]:
    if isinstance(target, float | int) and unit == "percent" and target > 100:
        return [_error("target_value", "A percentage target must be 100 or less",
                       "Rhaid i darged canran fod yn 100 neu lai")]  # fmt: skip
    return []


def _in_body(index: int, field: str) -> str:
    return f"values[{index}].{field}"


def value_errors(
    values: Sequence[ValueIn], unit: Unit, today: dt.date, named: Callable[[int, str], str] = _in_body
) -> list[FieldError]:
    """Each month real and not after this month, each once; a percentage no more than 100. ``named``
    names the field of the ``index``th value (in a body: ``values[2].month``)."""
    errors = []
    seen: set[str] = set()
    for i, given in enumerate(values):
        month = parse_month(given.month)
        if month is None:
            errors.append(_error(named(i, "month"), "Enter a real month, like 2026-05",
                                 "Rhowch fis go iawn, fel 2026-05"))  # fmt: skip
        elif month > today.replace(day=1):
            errors.append(_error(named(i, "month"), "The month cannot be in the future",
                                 "Ni all y mis fod yn y dyfodol"))  # fmt: skip
        elif given.month in seen:
            errors.append(_error(named(i, "month"), "This month is given twice", "Rhoddir y mis hwn ddwywaith"))
        seen.add(given.month)
        if not math.isfinite(given.value):
            errors.append(_error(named(i, "value"), "Enter a number", "Rhowch rif"))
        elif unit == "percent" and given.value > 100:
            errors.append(_error(named(i, "value"), "A percentage must be 100 or less",
                                 "Rhaid i ganran fod yn 100 neu lai"))  # fmt: skip
    return errors


def snapshot_of(project_id: uuid.UUID, new: NewMeasure) -> MeasureSnapshot:
    """The measure as defined (the rules above accepted it)."""
    if new.catalogue is not None:
        definition = measures.CATALOGUE[new.catalogue]
        return MeasureSnapshot(project_id=project_id, catalogue=new.catalogue, name=bilingual.EMPTY,
                               unit=definition.unit, direction=definition.direction, target=new.target_value,
                               published=new.published)  # fmt: skip
    assert new.name is not None and new.unit is not None and new.direction is not None
    return MeasureSnapshot(project_id=project_id, catalogue=None, name=bilingual.given(new.name), unit=new.unit,
                           direction=new.direction, target=new.target_value, published=new.published)  # fmt: skip


def meets(value: float, target: float, direction: Direction) -> bool:
    """At or beyond the target, on the better side."""
    return value >= target if direction == "up" else value <= target


def met(values: Sequence[MonthValue], target: float | None, direction: Direction) -> bool | None:
    if target is None or not values:
        return None
    return meets(values[-1].value, target, direction)


def trend(values: Sequence[MonthValue], direction: Direction) -> Literal["better", "worse", "same"] | None:
    """The newest value against the one before it, by which way is better."""
    if len(values) < 2:
        return None
    before, now = values[-2].value, values[-1].value
    if now == before:
        return "same"
    return "better" if (now > before) == (direction == "up") else "worse"


def crossing(before: Sequence[MonthValue], after: Sequence[MonthValue], target: float | None,
             direction: Direction) -> Crossing | None:  # fmt: skip
    """How the newest value stands against the target beside the measure's newest value before the
    change: ``reached`` if it meets it now and did not (or there was none), ``fell_back`` if it met
    it and does not now; None if it is on the same side, or there is no target."""
    if target is None or not after:
        return None
    now = meets(after[-1].value, target, direction)
    was = bool(before) and meets(before[-1].value, target, direction)
    if now == was:
        return None
    return "reached" if now else "fell_back"


def merged(current: Sequence[MonthValue], given: Sequence[MonthValue]) -> list[MonthValue]:
    """The series after recording ``given`` (a month recorded again takes the new value), oldest first."""
    by_month = {v.month: v for v in current} | {v.month: v for v in given}
    return [by_month[m] for m in sorted(by_month)]


def reply(measure_id: uuid.UUID, snapshot: MeasureSnapshot, version: int, values: list[MonthValue]) -> Measure:
    return Measure(
        id=measure_id, version=version, values=values, met=met(values, snapshot.target, snapshot.direction),
        trend=trend(values, snapshot.direction), **msgspec.structs.asdict(snapshot),
    )  # fmt: skip


def display_name(snapshot: MeasureSnapshot) -> Bilingual:
    """Its name: the catalogue's for a catalogue measure (the vocabulary's words), else as written."""
    if snapshot.catalogue is None:
        return snapshot.name
    en, cy = vocabulary.both_names(vocabulary.MEASURES, snapshot.catalogue)
    return Bilingual(en=en, cy=cy)
