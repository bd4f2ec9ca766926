"""CSV import of partners and projects: all or nothing, every bad row reported by line number."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from services.portfolio import csvio, store
from services.portfolio.domain import NewPartner, NewProject
from shared.events import Actor

if TYPE_CHECKING:
    from shared.db import Conn

Kind = Literal["partners", "projects"]


class Rejected(Exception):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[csvio.RowError]):
        rows = "row has" if len(errors) == 1 else "rows have"
        self.message_en = f"{len(errors)} {rows} problems; nothing was imported"
        self.message_cy = f"Mae problemau gyda {len(errors)} rhes; ni fewnforiwyd dim"
        super().__init__(self.message_en)
        self.errors = errors


async def import_rows(
    conn: Conn, kind: str, text: str, actor: Actor, progress: Callable[[int, int], None] = lambda d, t: None
) -> int:
    """Create every row in one transaction, or none; returns how many were created."""
    parsed: list[tuple[int, NewPartner]] | list[tuple[int, NewProject]]
    parsed, errors = csvio.parse(text, NewPartner) if kind == "partners" else csvio.parse(text, NewProject)
    rows: list[tuple[int, NewPartner | NewProject]] = list(parsed)
    seen: dict[str, int] = {}
    for line, row in rows:
        if row.slug in seen:
            errors.append(csvio.RowError(line, "slug", f"Same slug as line {seen[row.slug]}",
                                         f"Yr un slug â llinell {seen[row.slug]}"))  # fmt: skip
        seen.setdefault(row.slug, line)
    if errors:
        raise Rejected(errors)
    async with conn.transaction():
        for done, (line, row) in enumerate(rows, start=1):
            try:
                async with conn.transaction():  # a savepoint, so one bad row does not hide the others
                    if isinstance(row, NewPartner):
                        await store.register_partner(conn, row, actor)
                    else:
                        await store.create_project(conn, row, actor)
            except store.SlugTaken:
                errors.append(csvio.RowError(line, "slug", "This slug is already used",
                                             "Mae'r slug hwn yn cael ei ddefnyddio eisoes"))  # fmt: skip
            except store.UnknownPartner:
                errors.append(csvio.RowError(line, "partner_id", "There is no partner with this id",
                                             "Nid oes partner gyda'r id hwn"))  # fmt: skip
            progress(done, len(rows))
        if errors:
            raise Rejected(errors)  # rolls the whole transaction back
    return len(rows)
