"""A member's training record as an HTML page (to print) or an Excel sheet (to file)."""

from __future__ import annotations

import html
import io
from typing import Any

from exam_tools.records.record import MemberRecord
from exam_tools.reports.safe import append

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 18px;
       max-width: 860px; margin: 24px auto; line-height: 1.6; }
h1 { font-size: 26px; } table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid #999; padding: 4px 8px; text-align: left; } th { background: #f2f2f2; }
.sum { font-size: 20px; font-weight: bold; padding: 10px; border: 2px solid #b22222; }
"""


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{th}</tr>{body or '<tr><td colspan=9>无</td></tr>'}</table>"


def record_html(rec: MemberRecord) -> str:
    m = rec.member
    info = _table(
        ["姓名", "编号", "所在党组织", "人员类别", "职务"],
        [[m["name"], m["id"], m.get("org_path", m["org"]), m.get("category") or "—",
          "、".join(m.get("roles") or []) or "—"]],
    )  # fmt: skip
    sessions = _table(
        ["日期", "形式", "主题", "学时"],
        [[s["date"], s["kind"], s["title"], f"{s['hours']:g}"] for s in rec.sessions],
    )
    exams = _table(
        ["日期", "课程", "考核", "得分", "结果"],
        [
            [
                e["date"],
                e["course"],
                e["assessment"],
                f"{e['percent']:g}",
                "合格" if e["passed"] else "不合格",
            ]
            for e in rec.exams
        ],
    )
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(m["name"])} '
        f"{rec.year} 年度培训档案</title><style>{STYLE}</style></head><body>"
        f"<h1>党员教育培训档案（{rec.year} 年度）</h1>{info}"
        f"<h2>学时：{rec.hours:g} / 要求 {rec.required_hours:g}</h2>{sessions}"
        f"<h2>考试</h2>{exams}"
        f"<h2>练习</h2><p>{html.escape(rec.practice.line)}</p>{_points(rec)}"
        f"<h2>掌握的实用技术</h2><p>{html.escape('、'.join(rec.technologies) or '无')}</p>"
        f'<p class="sum">{html.escape(rec.summary)}</p></body></html>\n'
    )


def _points(rec: MemberRecord) -> str:
    """学习积分: the year's total, the streak, and a row per kind."""
    p = rec.points
    if p is None:
        return ""
    from exam_tools.records.points import KIND_NAMES

    rows = [[KIND_NAMES[k], f"{v:g}"] for k, v in p.by_kind.items()]
    return f"<h2>学习积分</h2><p>{html.escape(p.line)}</p>{_table(['类别', '积分'], rows)}"


#: Session and exam rows a record's first sheet lists before a year counts as long: the whole
#: record then still prints on one A4 page at a readable size. A longer year's first sheet sums
#: the sessions up by 形式 (and the exams, if there are many) and detail sheets follow.
ROWS_ON_PAGE = 34
#: Exams listed on the first sheet even in a long year.
EXAMS_ON_PAGE = 10
_COLUMNS = (("A", 12), ("B", 12), ("C", 44), ("D", 10), ("E", 8))


def record_workbook(rec: MemberRecord) -> bytes:
    """A member's record on one A4 page (the sheet 培训档案): who, the year's hours and summary,
    every session and exam. Organisers print hundreds for the files, one sheet each; only a long
    year (more than :data:`ROWS_ON_PAGE` sessions and exams) adds detail sheets after it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from exam_tools.reports.page import a4

    wb = Workbook()
    ws: Any = wb.active  # openpyxl types the active sheet loosely
    ws.title = "培训档案"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    m = rec.member
    append(ws, [f"党员教育培训档案（{rec.year} 年度）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    for row in (
        ("姓名", m["name"]), ("编号", m["id"]), ("所在党组织", m.get("org_path", m["org"])),
        ("人员类别", m.get("category") or ""), ("职务", "、".join(m.get("roles") or [])),
        ("年度", rec.year), ("学时", rec.hours), ("要求学时", rec.required_hours),
        ("学时达标", "是" if rec.hours_met else "否"), ("掌握的实用技术", "、".join(rec.technologies)),
        ("练习", rec.practice.line),
        *([("学习积分", rec.points.line)] if rec.points is not None else []),
        ("小结", rec.summary),
    ):  # fmt: skip
        append(ws, row)
        n = ws.max_row
        ws.merge_cells(f"B{n}:E{n}")
        ws[f"A{n}"].font = bold
        ws[f"B{n}"].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    long_year = len(rec.sessions) + len(rec.exams) > ROWS_ON_PAGE
    details: list[tuple[str, list[str], list[list[Any]]]] = []
    session_rows = [[s["date"], s["kind"], s["title"], s["hours"]] for s in rec.sessions]
    exam_rows = [
        [e["date"], e["course"], e["assessment"], e["percent"], "是" if e["passed"] else "否"]
        for e in rec.exams
    ]
    session_head = ["日期", "形式", "主题", "学时"]
    exam_head = ["日期", "课程", "考核", "得分（百分制）", "合格"]

    def section(title: str, head: list[str], rows: list[list[Any]]) -> None:
        ws.append([])
        append(ws, [title])
        ws[f"A{ws.max_row}"].font = bold
        ws.merge_cells(f"A{ws.max_row}:E{ws.max_row}")
        append(ws, head)
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in rows or [["无"]]:
            append(ws, row)
            for cell in ws[ws.max_row]:
                cell.alignment = wrap

    total = f"{len(rec.sessions)} 次，共 {rec.hours:g} 学时"
    if not long_year:
        section(f"培训记录（{total}）", session_head, session_rows)
    else:
        counts: dict[str, int] = {}
        for s in rec.sessions:
            counts[s["kind"]] = counts.get(s["kind"], 0) + 1
        by_kind = [
            ["", kind, n, rec.hours_by_kind.get(kind, _hours(rec, kind))]
            for kind, n in counts.items()
        ]
        section(
            f"培训记录（{total}；按形式汇总，每次培训的明细见“培训明细”工作表）",
            ["", "形式", "次数", "学时"],
            by_kind,
        )
        details.append(("培训明细", session_head, session_rows))
    if long_year and len(exam_rows) > EXAMS_ON_PAGE:
        passed = sum(1 for e in rec.exams if e["passed"])
        section(
            f"考试记录（{len(exam_rows)} 次，合格 {passed} 次；明细见“考试明细”工作表）",
            exam_head,
            exam_rows[-EXAMS_ON_PAGE:],
        )
        details.append(("考试明细", exam_head, exam_rows))
    else:
        section(f"考试记录（{len(exam_rows)} 次）", exam_head, exam_rows)
    for letter, width in _COLUMNS:
        ws.column_dimensions[letter].width = width
    a4(ws)
    ws.page_setup.fitToHeight = 1  # the whole record on one page
    for name, head, rows in details:
        sheet = wb.create_sheet(name)
        append(sheet, head)
        for cell in sheet[1]:
            cell.font = bold
        for detail in rows:
            append(sheet, detail)
        sheet.freeze_panes = "A2"
        for letter, width in _COLUMNS:
            sheet.column_dimensions[letter].width = width
        a4(sheet, header_rows=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _hours(rec: MemberRecord, kind: str) -> float:
    return sum(float(s["hours"]) for s in rec.sessions if s["kind"] == kind)
