"""Files people open in a spreadsheet (CSV and XLSX), their cells safe from formula injection.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one, or their full-width forms) as a formula: a project title could make whoever
opens the export fetch a URL or run a command. As OWASP advises, such a cell gets a leading
apostrophe, which spreadsheets show as text and do not display; the writer quotes every cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralised(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def restored(cell: str) -> str:
    """A cell as ``neutralised`` wrote it, back as it was: an exported file imports unchanged."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV file (UTF-8 with a byte order mark, so Excel reads Welsh letters right), every cell quoted
    and neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralised(_text(cell)) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The same table as an Excel workbook of one sheet: a bold, frozen header row, every cell
    written as text (neutralised as in the CSV: no cell is ever read as a formula), columns sized
    to their contents."""
    # Imported here: the library holds 7 MB in every process that imports it, and the services that
    # can export (the portfolio, the web) are idle far more often than they export.
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})  # fmt: skip
    sheet = book.add_worksheet(title[:31])
    bold = book.add_format({"bold": True})
    widths = [len(name) for name in header]
    for column, name in enumerate(header):
        sheet.write_string(0, column, name, bold)
    for line, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            text = neutralised(_text(cell))
            sheet.write_string(line, column, text)
            widths[column] = max(widths[column], min(len(text), 60))
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width + 2)
    sheet.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _text(cell: object) -> str:
    return "" if cell is None else str(cell)
