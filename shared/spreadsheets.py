"""Cells for files people open in a spreadsheet (CSV now, XLSX to come), safe from formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one, or their full-width forms) as a formula: a project title could make whoever
opens the export fetch a URL or run a command. As OWASP advises, such a cell gets a leading
apostrophe, which spreadsheets show as text and do not display; the writer quotes every cell.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restored(cell: str) -> str:
    """A cell as ``neutralised`` wrote it, back as it was: an exported file imports unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell
