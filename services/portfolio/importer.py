"""CSV import of partners and projects: all or nothing, every bad row reported by line number.

Each row goes through the same command as the API (``commands.register_partner``,
``commands.create_project``), so an import obeys every rule a form does. The rows are written in one
transaction even when some did not parse, so that a single answer names every problem (a taken
slug, an unknown partner, a missing reason) beside the unreadable ones; then, if there is any, the
whole transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from services.portfolio import commands, csvio
from services.portfolio.domain import NewPartner, NewProject
from shared.events import Actor
from shared.http import ApiError

if TYPE_CHECKING:
    from shared.db import Conn

Kind = Literal["partners", "projects"]


class Rejected(Exception):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[csvio.RowError]):
        bad = len({e.line for e in errors})
        rows = "row has" if bad == 1 else "rows have"
        self.message_en = f"{bad} {rows} problems; nothing was imported"
        self.message_cy = f"Mae problemau mewn {bad} rhes; ni fewnforiwyd dim"
        super().__init__(self.message_en)
        self.errors = errors


async def import_rows(
    conn: Conn, kind: str, text: str, actor: Actor, progress: Callable[[int, int], None] = lambda d, t: None
) -> int:
    """Create every row in one transaction, or none; returns how many were created."""
    parsed: list[tuple[int, NewPartner]] | list[tuple[int, NewProject]]
    parsed, errors = csvio.parse(text, NewPartner) if kind == "partners" else csvio.parse(text, NewProject)
    rows: list[tuple[int, NewPartner | NewProject]] = []
    seen: dict[str, int] = {}
    for line, row in parsed:
        if row.slug in seen:
            errors.append(csvio.RowError(line, "slug", f"Same slug as line {seen[row.slug]}",
                                         f"Yr un slug â llinell {seen[row.slug]}"))  # fmt: skip
        else:
            seen[row.slug] = line
            rows.append((line, row))
    async with conn.transaction():
        for done, (line, row) in enumerate(rows, start=1):
            try:
                if isinstance(row, NewPartner):
                    await commands.register_partner(conn, actor, row)
                else:
                    await commands.create_project(conn, actor, row)
            except ApiError as refused:  # the command's own transaction (a savepoint) is rolled back
                errors += [csvio.RowError(line, e.field, e.message_en, e.message_cy) for e in refused.errors] or [
                    csvio.RowError(line, "row", refused.message_en, refused.message_cy)
                ]
            progress(done, len(rows))
        if errors:
            raise Rejected(sorted(errors, key=lambda e: e.line))  # rolls the whole transaction back
    return len(rows)
