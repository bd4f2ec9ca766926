"""Measures: the commands that change them. Each owns its transaction, the locks (the project's
row, then the measure's), the rules (``measure_rules``), the new state and its event.

A measure is its own aggregate (its own version and event sequence), as a milestone is: a lead
editing the project and a partner recording this month's values never collide. Staff define and
change measures; staff, or the project's own partner, record values: in a form, through the API,
or a CSV upload that records all of its rows or none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import msgspec

from services.portfolio import measure_rules, measure_store, store
from services.portfolio.domain import ProjectRecord
from services.portfolio.measure_rules import MeasureChanges, NameIn, NewMeasure, NewValues, Removal, ValueIn
from shared import bilingual, outbox, vocabulary
from shared.events import (
    Actor,
    EventData,
    MeasureChanged,
    MeasureDefined,
    MeasureRemoved,
    MeasureSnapshot,
    MeasureValuesRecorded,
    MonthValue,
    make_envelope,
)
from shared.http import FieldError, Forbidden, Invalid, Stale, Unauthorised
from shared.identity import Identity
from shared.replies.portfolio import Measure
from shared.spreadsheets import restored

if TYPE_CHECKING:
    from shared.db import Conn


async def _event(conn: Conn, actor: Actor, data: EventData, measure_id: uuid.UUID, version: int,
                 project: ProjectRecord) -> int:  # fmt: skip
    envelope = make_envelope(data, actor=actor, aggregate_id=measure_id, aggregate_seq=version,
                             partner_id=project.snapshot.partner_id)  # fmt: skip
    return await outbox.append(conn, envelope)


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        raise Invalid(errors)


async def define(conn: Conn, actor: Actor, project_id: uuid.UUID, new: NewMeasure) -> tuple[Measure, int]:
    """The project starts tracking a measure (a catalogue measure once per project: else 409)."""
    _refuse(measure_rules.new_measure_errors(new))
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)  # 404 for no such project
        snapshot = measure_rules.snapshot_of(project_id, new)
        measure_id = uuid.uuid4()
        version = await measure_store.insert(conn, measure_id, snapshot)
        position = await _event(conn, actor, MeasureDefined(measure=snapshot, for_project=project.snapshot),
                                measure_id, version, project)  # fmt: skip
    return measure_rules.reply(measure_id, snapshot, version, []), position


async def change(
    conn: Conn, actor: Actor, project_id: uuid.UUID, measure_id: uuid.UUID, changes: MeasureChanges,
    expected_version: int | None,
) -> tuple[Measure, int | None]:  # fmt: skip
    """A new name (the project's own measures only), target or publication, at the version the caller read."""
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, current, version = await measure_store.lock(conn, project_id, measure_id)
        if expected_version is not None and version != expected_version:
            raise Stale()
        given = {k: v for k, v in msgspec.structs.asdict(changes).items() if v is not msgspec.UNSET}
        errors = measure_rules.target_errors(changes.target_value, current.unit)
        if "name" in given:
            if current.catalogue is not None:
                errors.append(FieldError("name", "A measure from the catalogue keeps the catalogue's name",
                                         "Mae mesur o'r catalog yn cadw enw'r catalog"))  # fmt: skip
            else:
                errors += measure_rules.name_errors(changes.name if isinstance(changes.name, NameIn) else None)
                given["name"] = bilingual.given(given["name"])
        _refuse(errors)
        if "target_value" in given:
            given["target"] = given.pop("target_value")
        changed = {k: v for k, v in given.items() if getattr(current, k) != v}
        history = await measure_store.values(conn, measure_id)
        if not changed:
            return measure_rules.reply(measure_id, current, version, history), None
        _, snapshot, version = await measure_store.update(conn, measure_id, changed)
        event = MeasureChanged(measure=snapshot, changed=sorted(changed), for_project=project.snapshot)
        position = await _event(conn, actor, event, measure_id, version, project)
    return measure_rules.reply(measure_id, snapshot, version, history), position


async def remove(conn: Conn, actor: Actor, project_id: uuid.UUID, measure_id: uuid.UUID, removal: Removal,
                 expected_version: int | None) -> int:  # fmt: skip
    """Staff stop tracking a measure, saying why: it is no longer shown or counted, its values stay in
    history. Returns the event's stream position."""
    reason = bilingual.given(removal.reason)
    _refuse(measure_rules.removal_errors(reason))
    async with conn.transaction():
        project = await store.lock_project(conn, project_id)
        _, snapshot, version = await measure_store.lock(conn, project_id, measure_id)
        if expected_version is not None and version != expected_version:
            raise Stale()
        version = await measure_store.remove(conn, measure_id, reason)
        event = MeasureRemoved(measure=snapshot, reason=reason, for_project=project.snapshot)
        return await _event(conn, actor, event, measure_id, version, project)


async def _project_for_values(conn: Conn, viewer: Identity, project_id: uuid.UUID) -> ProjectRecord:
    """The project, locked, if the caller may record its values: staff, or its own partner (404 if they
    may not see it at all, else 403)."""
    if viewer.role == "public":
        raise Unauthorised()
    seen = await store.get_project(conn, project_id, viewer)
    if not viewer.is_staff and not (viewer.role == "partner" and viewer.partner_id == seen.snapshot.partner_id):
        raise Forbidden()
    return await store.lock_project(conn, project_id)


async def _record(
    conn: Conn, viewer: Identity, project: ProjectRecord, measure_id: uuid.UUID, snapshot: MeasureSnapshot,
    given: Sequence[MonthValue],
) -> tuple[Measure, int]:  # fmt: skip
    before = await measure_store.values(conn, measure_id)
    await measure_store.record(conn, measure_id, given, viewer.sub)
    after = measure_rules.merged(before, given)
    version = await measure_store.bump(conn, measure_id)
    recorded = sorted({v.month: v for v in given}.values(), key=lambda v: v.month)
    event = MeasureValuesRecorded(
        measure=snapshot, values=recorded, latest=after[-1] if after else None, for_project=project.snapshot,
        crossing=measure_rules.crossing(before, after, snapshot.target, snapshot.direction),
    )  # fmt: skip
    position = await _event(conn, viewer.actor, event, measure_id, version, project)
    return measure_rules.reply(measure_id, snapshot, version, after), position


def _month_values(given: Sequence[ValueIn]) -> list[MonthValue]:
    months = [measure_rules.parse_month(v.month) for v in given]
    return [MonthValue(month=m, value=float(v.value)) for m, v in zip(months, given, strict=True) if m is not None]


async def record_values(
    conn: Conn, viewer: Identity, project_id: uuid.UUID, measure_id: uuid.UUID, new: NewValues, today: dt.date
) -> tuple[Measure, int]:
    """Record a value for each month given (a month already recorded is corrected)."""
    async with conn.transaction():
        project = await _project_for_values(conn, viewer, project_id)
        _, snapshot, _version = await measure_store.lock(conn, project_id, measure_id)
        _refuse(measure_rules.value_errors(new.values, snapshot.unit, today))
        return await _record(conn, viewer, project, measure_id, snapshot, _month_values(new.values))


class UploadRejected(Invalid):
    """A CSV upload with bad rows: every one named by its line; nothing was recorded."""

    def __init__(self, errors: list[FieldError]):
        lines = len({e.field.split(":", 1)[0] for e in errors})
        super().__init__(errors)
        self.message_en = f"{lines} {'row has' if lines == 1 else 'rows have'} problems; nothing was recorded"
        self.message_cy = f"Mae problemau mewn {lines} rhes; ni chofnodwyd dim"


COLUMNS = ("measure", "month", "value")


def _on_line(line: int) -> Callable[[int, str], str]:
    def named(_index: int, field: str) -> str:
        return f"line {line}: {field}"

    return named


def _number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").removeprefix("£").removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _finder(stored: list[measure_store.Stored]) -> dict[str, measure_store.Stored]:
    """A measure by its id, its catalogue code, or its name in either language (any case)."""
    keys: dict[str, measure_store.Stored] = {}
    for entry in stored:
        measure_id, snapshot, _ = entry
        name = measure_rules.display_name(snapshot)
        for key in (str(measure_id), snapshot.catalogue or "", name.en, name.cy):
            if key.strip():
                keys.setdefault(key.strip().casefold(), entry)
    return keys


async def upload(conn: Conn, viewer: Identity, project_id: uuid.UUID, text: str, today: dt.date) -> int:
    """Record every row of a CSV file (measure, month, value) or none: each bad row is named by its
    line (line 1 is the header). Returns how many values were recorded."""
    async with conn.transaction():
        project = await _project_for_values(conn, viewer, project_id)
        stored = await measure_store.of_project_for_import(conn, project_id)
        find = _finder(stored)
        errors: list[FieldError] = []
        rows: dict[uuid.UUID, dict[dt.date, MonthValue]] = {}
        seen: dict[tuple[uuid.UUID, dt.date], int] = {}
        reader = csv.DictReader(io.StringIO(text))
        header = [c.strip().lower() for c in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if not header:
            raise UploadRejected([FieldError("line 1: header", "The file is empty", "Mae'r ffeil yn wag")])
        if missing:
            raise UploadRejected([FieldError(f"line 1: {c}", f"The file has no {c!r} column",
                                             f"Nid oes colofn {c!r} yn y ffeil") for c in missing])  # fmt: skip
        reader.fieldnames = header
        try:
            for record in reader:
                line = reader.line_num
                cells = {k: restored(str(v or "")).strip() for k, v in record.items() if k in COLUMNS}
                found = find.get(cells.get("measure", "").casefold())
                if found is None:
                    errors.append(FieldError(f"line {line}: measure", "The project tracks no measure of this name",
                                             "Nid yw'r prosiect yn olrhain mesur o'r enw hwn"))  # fmt: skip
                month = measure_rules.parse_month(cells.get("month", ""))
                value = _number(cells.get("value", ""))
                if value is None:
                    errors.append(FieldError(f"line {line}: value", "Enter a number", "Rhowch rif"))
                elif value < 0:
                    errors.append(FieldError(f"line {line}: value", "The value must be 0 or more",
                                             "Rhaid i'r gwerth fod yn 0 neu fwy"))  # fmt: skip
                if month is None:
                    errors.append(FieldError(f"line {line}: month", "Enter a real month, like 2026-05",
                                             "Rhowch fis go iawn, fel 2026-05"))  # fmt: skip
                if found is None or month is None or value is None or value < 0:
                    continue
                errors += measure_rules.value_errors(
                    [ValueIn(month=cells["month"], value=value)], found[1].unit, today, _on_line(line)
                )
                earlier = seen.get((found[0], month))
                if earlier is not None:
                    errors.append(FieldError(f"line {line}: month", f"Same measure and month as line {earlier}",
                                             f"Yr un mesur a mis â llinell {earlier}"))  # fmt: skip
                seen[(found[0], month)] = line
                rows.setdefault(found[0], {})[month] = MonthValue(month=month, value=value)
        except csv.Error as exc:
            errors.append(FieldError(f"line {reader.line_num}: row", f"This line cannot be read as CSV ({exc})",
                                     f"Ni ellir darllen y llinell hon fel CSV ({exc})"))  # fmt: skip
        if errors:
            raise UploadRejected(errors)
        by_id = {s[0]: s for s in stored}
        for measure_id, months in rows.items():
            await _record(conn, viewer, project, measure_id, by_id[measure_id][1], list(months.values()))
    return sum(len(m) for m in rows.values())


def catalogue_names() -> list[tuple[str, str, str]]:
    """(code, English, Welsh) of each catalogue measure, for the API's catalogue."""
    return [(code, *vocabulary.both_names(vocabulary.MEASURES, code)) for code in vocabulary.MEASURES]
