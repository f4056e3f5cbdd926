"""Print setup for every workbook an organiser or instructor prints: A4, fitted to the page width.

Organisers open the workbooks in Excel or LibreOffice and print them (or print to PDF for the file).
Without a page setup a wide sheet splits its columns over two pages (labels on one, values on the
next) and a chart is cut at the page edge. :func:`a4` gives a sheet A4 paper, the orientation,
fitting to one page wide (as many pages tall as needed), header rows repeated on every page, and
keeps its charts within the printable width; a column the writer gave no width gets one that fits
its text (a Chinese character counts two), so nothing prints cut off. Every writer calls it once
per sheet.
"""

from __future__ import annotations

from typing import Any

# A4 in centimetres and the margins set here (narrow, as county offices print tables).
A4_CM = (21.0, 29.7)
MARGIN_CM = 1.5
_INCH = 2.54
# columns are sized from this many rows (enough to see the data; fast on a 12,000-row sheet)
_SAMPLE_ROWS = 300
_MAX_WIDTH = 50


def printable_width_cm(landscape: bool) -> float:
    short, long = A4_CM
    return (long if landscape else short) - 2 * MARGIN_CM


def a4(ws: Any, *, landscape: bool = False, header_rows: int = 0) -> None:
    """Set up ``ws`` (an openpyxl worksheet) to print on A4, one page wide.

    ``header_rows``: the first rows (a table's header) repeat at the top of every printed page.
    Charts wider than the printable width are narrowed (keeping their proportions) so they print
    whole; the scale-to-width then shrinks the table and the charts together.
    """
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margin = MARGIN_CM / _INCH
    ws.page_margins.left = ws.page_margins.right = margin
    ws.page_margins.top = ws.page_margins.bottom = margin
    ws.page_margins.header = ws.page_margins.footer = margin / 2
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"
    _fit_columns(ws)
    limit = printable_width_cm(landscape) - 0.5
    for chart in getattr(ws, "_charts", ()):
        if chart.width > limit:
            chart.height = chart.height * limit / chart.width
            chart.width = limit


def _display_width(value: Any) -> int:
    text = value if isinstance(value, str) else ("" if value is None else f"{value}")
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def _fit_columns(ws: Any) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in ws.iter_rows(max_row=min(ws.max_row, _SAMPLE_ROWS)):
        for cell in row:
            if cell.value is not None and cell.number_format == "General":
                width = _display_width(cell.value)
            elif cell.value is not None:  # a number or date shown in a format such as 0.0%
                width = max(8, len(str(cell.number_format)))
            else:
                continue
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        letter = get_column_letter(column)
        if letter not in ws.column_dimensions:  # the writer set no width
            ws.column_dimensions[letter].width = min(_MAX_WIDTH, max(8, width + 2))
