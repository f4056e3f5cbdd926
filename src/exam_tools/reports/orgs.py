"""Organisation statistics as a terminal table, CSV, an Excel workbook with charts, and a PNG."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from exam_tools.records.orgstats import GroupStats, TargetProgress
from exam_tools.reports.safe import append, csv_writer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

RATES = (
    "参训率", "平均学时", "学时达标率", "参考率", "合格率", "平均分", "实用技术掌握率",
    "练习人数", "练习题次", "练习正确率", "平均积分", "近7天活跃人数", "近30天活跃人数",
)  # fmt: skip
PERCENT = {"参训率", "学时达标率", "参考率", "合格率", "实用技术掌握率", "练习正确率"}
COUNTS = {
    "练习人数",
    "练习题次",
    "近7天活跃人数",
    "近30天活跃人数",
}  # whole numbers among the RATES


def header(by_category: bool) -> list[str]:
    return ["党组织", *(["人员类别"] if by_category else []), "党员数", *RATES]


def rows(groups: Sequence[GroupStats], by_category: bool) -> list[list[Any]]:
    out = []
    for g in groups:
        rates = g.rates
        out.append(
            [
                g.org,
                *([g.category or "—"] if by_category else []),
                g.members,
                *(rates[r] for r in RATES),
            ]
        )
    return out


def total(groups: Sequence[GroupStats]) -> GroupStats:
    t = GroupStats("合计", "", None, 0, 0, 0.0, 0, 0, 0)
    for g in groups:
        t.members += g.members
        t.trained += g.trained
        t.hours_total += g.hours_total
        t.hours_met += g.hours_met
        t.examined += g.examined
        t.passed += g.passed
        t.percents.extend(g.percents)
        t.with_technology += g.with_technology
        t.practiced += g.practiced
        t.practice_items += g.practice_items
        t.practice_graded += g.practice_graded
        t.practice_correct += g.practice_correct
        t.points_total += g.points_total
        t.active_7 += g.active_7
        t.active_30 += g.active_30
    return t


def _fmt(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in PERCENT:
        return f"{100 * value:.1f}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def text_table(
    groups: Sequence[GroupStats], by_category: bool, targets: Sequence[TargetProgress]
) -> str:
    head = header(by_category)
    lines = ["  ".join(head)]
    for row in [
        *rows(groups, by_category),
        *rows([total(groups)], False),
    ]:
        names = head if len(row) == len(head) else header(False)
        lines.append("  ".join(_fmt(n, v) for n, v in zip(names, row, strict=True)))
    for p in targets:
        share = "—" if p.share is None else f"{100 * p.share:.1f}%"
        lines.append(
            f"目标“{p.target.name}”：{p.achieved}/{p.eligible} 人，当前 {share}，"
            f"目标 {100 * p.target.share:.0f}%，还差 {p.gap} 人"
        )
    return "\n".join(lines)


def csv_text(groups: Sequence[GroupStats], by_category: bool) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(header(by_category))
    for row in rows(groups, by_category):
        writer.writerow(["" if v is None else v for v in row])
    return "\ufeff" + out.getvalue()  # a BOM so Excel on Chinese Windows reads UTF-8


def workbook(
    views: Mapping[str, tuple[Sequence[GroupStats], bool]],
    targets: Sequence[TargetProgress],
    year: int,
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font
    from openpyxl.worksheet.pagebreak import Break

    from exam_tools.reports.page import a4

    wb = Workbook()
    overview: Any = wb.active  # openpyxl types the active sheet loosely
    overview.title = "总览"
    first = next(iter(views.values()))[0]
    t = total(first).rates
    append(overview, [f"{year} 年度党员教育培训统计", None])
    append(overview, ["党员数", total(first).members])
    for name in RATES:
        append(overview, [name, t[name]])
        if name in PERCENT:
            overview.cell(overview.max_row, 2).number_format = "0.0%"
        elif name in COUNTS:
            overview.cell(overview.max_row, 2).number_format = "0"
        else:
            overview.cell(overview.max_row, 2).number_format = "0.0"
    overview["A1"].font = Font(bold=True, size=14)
    overview.column_dimensions["A"].width = 18
    overview.column_dimensions["B"].width = 14
    for title, (groups, by_category) in views.items():
        ws = wb.create_sheet(title)
        head = header(by_category)
        append(ws, head)
        for row in rows(groups, by_category):
            append(ws, row)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B2"
        for col, name in enumerate(head, 1):
            width = 30 if name == "党组织" else 14
            ws.column_dimensions[ws.cell(1, col).column_letter].width = width
            if name in PERCENT or name in ("平均学时", "平均分", "平均积分"):
                for r in range(2, ws.max_row + 1):
                    ws.cell(r, col).number_format = "0.0%" if name in PERCENT else "0.0"
        if not by_category and ws.max_row > 1:
            chart = BarChart()
            chart.title = "学时达标率与实用技术掌握率"
            chart.y_axis.number_format = "0%"
            for name in ("学时达标率", "实用技术掌握率"):
                col = head.index(name) + 1
                chart.add_data(
                    Reference(ws, min_col=col, min_row=1, max_row=ws.max_row), titles_from_data=True
                )
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=ws.max_row))
            chart.width, chart.height = 24, 10
            # the chart starts a page of its own: below a long table it would be cut at the edge
            # of whichever page the table happens to end on
            ws.row_breaks.append(Break(id=ws.max_row + 1))
            ws.add_chart(chart, f"A{ws.max_row + 3}")
        a4(ws, landscape=True, header_rows=1)
    goal = wb.create_sheet("目标")
    append(goal, ["目标", "对象人数", "已达到", "当前比例", "目标比例", "还差（人）"])
    for p in targets:
        append(goal, [p.target.name, p.eligible, p.achieved, p.share, p.target.share, p.gap])
        for c in (4, 5):
            goal.cell(goal.max_row, c).number_format = "0.0%"
    for cell in goal[1]:
        cell.font = Font(bold=True)
    goal.freeze_panes = "A2"
    goal.column_dimensions["A"].width = 36
    a4(overview)
    a4(goal, landscape=True, header_rows=1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def png_chart(groups: Sequence[GroupStats], title: str) -> bytes:
    """The chart as PNG; raises :class:`~exam_tools.reports.charts.ChartError` if it cannot be drawn."""
    from exam_tools.reports.charts import chart_png

    return chart_png(lambda: _figure(groups, title))


def _figure(groups: Sequence[GroupStats], title: str) -> Figure:
    from matplotlib.figure import Figure

    from exam_tools.reports.charts import cjk_font

    cjk_font()
    names = [g.org.split("/")[-1] for g in groups]
    met = [100 * (g.rates["学时达标率"] or 0) for g in groups]
    tech = [100 * (g.rates["实用技术掌握率"] or 0) for g in groups]
    fig = Figure(figsize=(max(8, 0.6 * len(groups) + 3), 5.5), dpi=110)
    ax = fig.subplots()
    xs = range(len(groups))
    ax.bar([x - 0.2 for x in xs], met, width=0.4, label="学时达标率", color="#b22222")
    ax.bar([x + 0.2 for x in xs], tech, width=0.4, label="实用技术掌握率", color="#e0a030")
    ax.set_xticks(
        list(xs),
        names,
        rotation=45 if len(groups) > 6 else 0,
        ha="right" if len(groups) > 6 else "center",
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel("百分比（%）")
    ax.set_title(title)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig
