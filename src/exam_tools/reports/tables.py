"""Any DataFrames as one Excel workbook, ready to print: one sheet each, header bold and frozen,
shares as percentages, dates as dates, text always stored as text, A4 page setup."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: Columns named so hold a share (0–1), shown as percentages (参训率, 合格率, 目标比例 …).
PERCENT_SUFFIXES = ("率", "比例")


def _value(v: Any) -> Any:
    """A cell value openpyxl writes: numpy scalars as Python numbers, missing values as empty."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v.item() if hasattr(v, "item") else v


def _date_format(column: pd.Series) -> str:
    """Dates as dates; date-times (a time other than midnight) with the hour and minute."""
    times = column.dropna()
    return "yyyy-mm-dd hh:mm" if (times != times.dt.normalize()).any() else "yyyy-mm-dd"


def frames_workbook(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """One sheet per frame (sheet name: the key), e.g. ``{"党员学时": f.member_years()}``."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from exam_tools.reports.page import a4

    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]  # the default sheet; every sheet is named
    for title, frame in sheets.items():
        ws = wb.create_sheet(title[:31])  # Excel's limit on sheet names
        columns = [str(c) for c in frame.columns]
        ws.append(columns)
        for r, row in enumerate(frame.itertuples(index=False), 2):
            ws.append([_value(v) for v in row])
            for c, v in enumerate(row, 1):
                if isinstance(v, str) and v.startswith("="):  # text, never a formula
                    ws.cell(r, c).data_type = "s"
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for col, name in enumerate(columns, 1):
            kind = frame.dtypes.iloc[col - 1].kind if col <= len(frame.dtypes) else "O"
            fmt = (
                "0.0%"
                if name.endswith(PERCENT_SUFFIXES)
                else "0.0"
                if kind == "f"
                else _date_format(frame.iloc[:, col - 1])
                if kind == "M"
                else None
            )
            if fmt:
                for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
        a4(ws, landscape=len(columns) > 6, header_rows=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
