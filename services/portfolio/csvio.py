"""CSV export of the portfolio and CSV import of partners and projects.

An import is all or nothing: every bad row is reported with its line number and field, and if
there is one, nothing is written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec

from services.portfolio.domain import NewPartner, NewProject
from shared import bilingual
from shared.replies.portfolio import Project
from shared.spreadsheets import neutralised, restored
from shared.validation import problems

EXPORT_COLUMNS = (
    "id", "slug", "title_en", "title_cy", "partner_id", "lead_id", "phase", "state", "health",
    "health_reason_en", "health_reason_cy", "tags", "visibility", "start_date", "summary_en", "summary_cy",
    "version", "wellbeing_goals",
)  # fmt: skip
LIST_COLUMNS = {"tags", "wellbeing_goals"}
BILINGUAL_COLUMNS = {"health_reason"}
"""Text people wrote, exported in two columns (``health_reason_en``, ``health_reason_cy``); an import
reads those, or one ``health_reason`` column whose language is told from each row's text."""

Row = TypeVar("Row", NewPartner, NewProject)


class RowError(msgspec.Struct, frozen=True):
    line: int
    field: str
    message_en: str
    message_cy: str


def projects_to_csv(projects: Iterable[Project]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(EXPORT_COLUMNS)
    for project in projects:
        values = msgspec.structs.asdict(project)
        for field in BILINGUAL_COLUMNS:
            text = values.pop(field)
            values |= dict(zip(bilingual.columns(field), (text.en, text.cy), strict=True))
        writer.writerow(
            [neutralised(";".join(values[c]) if c in LIST_COLUMNS else ("" if values[c] is None else str(values[c])))
             for c in EXPORT_COLUMNS]
        )  # fmt: skip
    return out.getvalue()


def parse(text: str, kind: type[Row]) -> tuple[list[tuple[int, Row]], list[RowError]]:
    """Rows of ``kind`` with their line numbers, and every error found (line 1 is the header)."""
    reader = csv.DictReader(io.StringIO(text))
    known = set(kind.__struct_fields__)
    known |= {column for field in BILINGUAL_COLUMNS & known for column in bilingual.columns(field)}
    errors: list[RowError] = []
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        return [], [_unreadable(1, exc)]
    unknown = [c for c in fieldnames or [] if c not in known]
    if fieldnames is None:
        return [], [RowError(1, "header", "The file is empty", "Mae'r ffeil yn wag")]
    if unknown:
        return [], [RowError(1, c, f"Unknown column {c!r}", f"Colofn anhysbys {c!r}") for c in unknown]
    rows: list[tuple[int, Row]] = []
    while True:
        starts_on = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field over the csv module's size limit: the rest cannot be read
            errors.append(_unreadable(starts_on, exc))
            break
        line = reader.line_num
        values: dict[str, Any] = {
            k: restored(v) if isinstance(v, str) else v for k, v in record.items() if v not in ("", None)
        }
        for field in BILINGUAL_COLUMNS:
            en, cy = bilingual.columns(field)
            if en in values or cy in values:
                values[field] = {"en": values.pop(en, ""), "cy": values.pop(cy, "")}
        for column in LIST_COLUMNS & values.keys():
            values[column] = [part.strip() for part in str(values[column]).split(";") if part.strip()]
        if values.get("phase") == "beta":  # a file exported before beta had two steps: its first one
            values["phase"] = "private_beta"
        if "active" in values:
            values["active"] = str(values["active"]).strip().lower() in ("true", "yes", "1", "ie")
        found = problems(kind, values)
        if found:
            errors += [RowError(line, e.field, e.message_en, e.message_cy) for e in found]
        else:
            rows.append((line, msgspec.convert(values, kind, strict=False)))
    return rows, errors


def _unreadable(line: int, exc: csv.Error) -> RowError:
    return RowError(line, "row", f"This line cannot be read as CSV ({exc})",
                    f"Ni ellir darllen y llinell hon fel CSV ({exc})")  # fmt: skip
