"""Text stays text in every spreadsheet the tool writes (no formula injection).

Names, titles and question texts come from members and organisers, so a cell such as
``=HYPERLINK("http://…","点此")`` or ``-2+3`` must never become a formula in a workbook or a CSV that an
organiser opens in Excel or WPS (OWASP, "CSV Injection"). Every writer goes through this module:

* :func:`safe_row` turns a row for ``ws.append`` into cells whose strings are typed as text
  (openpyxl would otherwise store a string starting with ``=`` as a formula);
* :func:`set_text` does the same for one cell;
* :func:`csv_writer` prefixes ``'`` to a text cell starting with ``= + - @``, a tab or a carriage
  return, as OWASP recommends, because a CSV file has no cell types.

Numbers stay numbers; characters that XML cannot hold (control characters) are dropped rather than
making the export fail.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 forbids these; openpyxl raises IllegalCharacterError on them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean(text: str) -> str:
    """``text`` without the control characters a workbook cannot hold."""
    return _ILLEGAL.sub("", text)


def set_text(cell: Any, value: Any) -> None:
    """Assign ``value`` to an openpyxl cell; a string is always stored as text, never a formula."""
    if isinstance(value, str):
        cell.value = clean(value)
        cell.data_type = "s"
    else:
        cell.value = value


def safe_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """``values`` ready for ``ws.append`` (normal or write-only sheet): strings as text cells."""
    from openpyxl.cell import WriteOnlyCell  # a plain Cell; ws.append places it (any sheet)

    out: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(ws)
            set_text(cell, value)
            out.append(cell)
        else:
            out.append(value)
    return out


def append(ws: Any, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with every string stored as text."""
    ws.append(safe_row(ws, values))


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula: text starting ``= + - @ \\t \\r`` gets ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(v) for v in row])


def csv_writer(out: IO[str]) -> _SafeWriter:
    """A ``csv.writer`` whose ``writerow`` neutralises formula-looking text cells."""
    return _SafeWriter(out)
