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
        f"<h2>练习</h2><p>{html.escape(rec.practice.line)}</p>"
        f"<h2>掌握的实用技术</h2><p>{html.escape('、'.join(rec.technologies) or '无')}</p>"
        f'<p class="sum">{html.escape(rec.summary)}</p></body></html>\n'
    )


def record_workbook(rec: MemberRecord) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from exam_tools.reports.page import a4

    wb = Workbook()
    ws: Any = wb.active  # openpyxl types the active sheet loosely
    ws.title = "培训档案"
    m = rec.member
    for row in (
        ("姓名", m["name"]), ("编号", m["id"]), ("所在党组织", m.get("org_path", m["org"])),
        ("人员类别", m.get("category") or ""), ("职务", "、".join(m.get("roles") or [])),
        ("年度", rec.year), ("学时", rec.hours), ("要求学时", rec.required_hours),
        ("学时达标", "是" if rec.hours_met else "否"), ("掌握的实用技术", "、".join(rec.technologies)),
        ("练习", rec.practice.line),
        ("小结", rec.summary),
    ):  # fmt: skip
        append(ws, row)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 60
    sessions = wb.create_sheet("培训")
    append(sessions, ["日期", "形式", "主题", "学时"])
    for s in rec.sessions:
        append(sessions, [s["date"], s["kind"], s["title"], s["hours"]])
    exams = wb.create_sheet("考试")
    append(exams, ["日期", "课程", "考核", "得分（百分制）", "合格"])
    for e in rec.exams:
        append(
            exams,
            [e["date"], e["course"], e["assessment"], e["percent"], "是" if e["passed"] else "否"],
        )
    for sheet in (sessions, exams):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    a4(ws)
    a4(sessions, header_rows=1)
    a4(exams, header_rows=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
