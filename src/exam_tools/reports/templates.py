"""Empty Excel templates for organisers: a header, one example row, and a sheet explaining each
column in Chinese."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from exam_tools.reports.safe import append


def template_workbook(
    sheet: str, columns: Sequence[str], example: Sequence[Any], help_text: Mapping[str, str]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from exam_tools.reports.page import a4

    wb = Workbook()
    ws: Any = wb.active  # openpyxl types the active sheet loosely
    ws.title = sheet
    append(ws, columns)
    append(ws, example)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFF2CC")
    for cell in ws[2]:
        cell.font = Font(color="888888", italic=True)
    ws.freeze_panes = "A2"
    for i, name in enumerate(columns):
        ws.column_dimensions[chr(65 + i)].width = max(10, 2 * len(name) + 4, 14 if i else 10)
    notes = wb.create_sheet("填写说明")
    append(notes, ["列", "怎么填"])
    for name in columns:
        append(notes, [name, help_text.get(name, "")])
    notes.append([])
    append(
        notes,
        [
            "提示",
            "第 2 行是示例，导入前请删去或改成真实数据。身份证号、手机号不需要填写，填了也不会保存。",
        ],
    )
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 90
    for cell in notes[1]:
        cell.font = Font(bold=True)
    a4(ws, landscape=len(columns) > 6, header_rows=1)
    a4(notes, header_rows=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
