"""Item statistics as text for the terminal and as an Excel workbook for the instructor."""

from __future__ import annotations

import io
from typing import Any

from exam_tools.grading.itemstats import ItemStats, PaperStats
from exam_tools.reports.safe import append

TYPE_LABELS = {
    "single": "单选",
    "multiple": "多选",
    "judge": "判断",
    "fill": "填空",
    "short": "简答",
}


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def items_text(name: str, items: list[ItemStats], paper: PaperStats) -> str:
    alpha = _num(paper.alpha, 3) if paper.alpha is not None else f"—（{paper.alpha_note}）"
    lines = [
        f"作业 {name}：{paper.members} 人，平均 {paper.mean:.1f}%，标准差 {paper.sd:.1f}，α 系数 {alpha}",
        "题号        题型  人数  难度P  区分度D  点二列r  选项（A/B/C…/未答）  提示",
    ]
    for s in items:
        opts = "/".join(str(c) for c in s.options.values())
        opts = f"{opts}/{s.blank}" if s.options else "—"
        lines.append(
            f"{s.qid:<11} {TYPE_LABELS.get(s.type, s.type):<4} {s.n:>4}  {s.facility:5.2f}  "
            f"{_num(s.discrimination):>7}  {_num(s.point_biserial):>7}  {opts:<18}  {'；'.join(s.flags)}"
        )
    return "\n".join(lines)


def items_workbook(name: str, items: list[ItemStats], paper: PaperStats) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from exam_tools.reports.page import a4

    wb = Workbook()
    ws: Any = wb.active  # openpyxl types the active sheet loosely
    ws.title = "题目分析"
    append(ws, ["题号", "题型", "作答人数", "难度（P）", "区分度（D）", "点二列相关", "提示"])
    for s in items:
        append(
            ws,
            [s.qid, TYPE_LABELS.get(s.type, s.type), s.n, s.facility, s.discrimination,
             s.point_biserial, "；".join(s.flags)]
        )  # fmt: skip
    width = max((len(s.options) for s in items), default=0)
    opt = wb.create_sheet("选项分析")
    append(opt, ["题号", *[f"选项{chr(65 + i)}" for i in range(width)], "未答"])
    for s in items:
        if s.options:
            counts = list(s.options.values()) + [None] * (width - len(s.options))
            append(opt, [s.qid, *counts, s.blank])
    summary = wb.create_sheet("试卷概况")
    for row in (
        ("作业", name),
        ("人数", paper.members),
        ("平均（百分制）", paper.mean),
        ("标准差", paper.sd),
        ("α 系数", paper.alpha if paper.alpha is not None else paper.alpha_note),
    ):
        append(summary, row)
    for sheet in (ws, opt):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2, min_col=4, max_col=6):
        for cell in row:
            cell.number_format = "0.00"
    for letter, w in zip("ABCDEFG", (12, 6, 9, 10, 11, 11, 40), strict=True):
        ws.column_dimensions[letter].width = w
    a4(ws, landscape=True, header_rows=1)
    a4(opt, header_rows=1)
    a4(summary)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
