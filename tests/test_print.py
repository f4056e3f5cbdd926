"""The workbooks print on A4 as organisers print them: LibreOffice (headless) turns them into PDF.

Before the page setup a member's record put its labels on page 1 and the values on page 2, and the
statistics chart was cut at the page edge. Here each workbook is converted with
``soffice --headless --convert-to pdf`` (Debian's libreoffice-calc, installed by .ci/run) and the
PDF's pages are read back with pypdf.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from exam_tools.grading.itemstats import Row, item_statistics
from exam_tools.records.orgstats import GroupStats, TargetProgress
from exam_tools.records.points import PointsSummary
from exam_tools.records.record import build_record, exam_titles
from exam_tools.records.roster import roster_template
from exam_tools.records.standards import load_standards
from exam_tools.reports import orgs as report
from exam_tools.reports.items import items_workbook
from exam_tools.reports.page import printable_width_cm
from exam_tools.reports.record import record_workbook

A4 = {(595, 842), (842, 595)}  # points, portrait and landscape
STD = load_standards()
MEMBER = {"id": "D00001", "name": "张秀英", "org": "o1", "org_path": "示范县委/城关镇党委/花王村党支部",
          "category": "种养业大户党员", "roles": ["书记", "班子成员"]}  # fmt: skip
TITLE = "水稻绿色高效种植：病虫害绿色防控与安全用药"


def pdf_pages(
    folder: Path, files: dict[str, bytes]
) -> dict[str, list[tuple[tuple[int, int], str]]]:
    """Write the workbooks, print them to PDF with LibreOffice, and give each one's pages
    (size in points, text without white space)."""
    from pypdf import PdfReader

    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing: apt-get install libreoffice-calc (see .ci/run)"
    for name, data in files.items():
        (folder / f"{name}.xlsx").write_bytes(data)
    profile = folder / "lo-profile"  # its own profile: another soffice may be running
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *(str(folder / f"{n}.xlsx") for n in files)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    out = {}
    for name in files:
        reader = PdfReader(folder / f"{name}.pdf")
        out[name] = [
            (
                (round(float(p.mediabox.width)), round(float(p.mediabox.height))),
                "".join(p.extract_text().split()),  # without line breaks and spaces
            )
            for p in reader.pages
        ]
    return out


def towns(n: int, kind: str = "乡镇") -> list[GroupStats]:
    return [
        GroupStats(f"示范县委/第{i}{kind}党委", kind, None, 600, 560, 18000.0, 400, 300, 250,
                   [70.0, 80.0], 200)
        for i in range(1, n + 1)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def printed(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[tuple[tuple[int, int], str]]]:
    from exam_tools.course.load import check_courses

    from .conftest import ROOT

    sessions = [
        {"date": f"2026-{i % 12 + 1:02d}-10", "kind": "集中培训", "title": TITLE, "hours": 4}
        for i in range(24)
    ]
    exams = [{"course": "shuidao", "assessment": "cert", "score": 90, "max_score": 100,
              "percent": 90, "passed": 1, "submitted_at": "2026-05-01T10:00:00"}]  # fmt: skip
    titles = exam_titles(check_courses(ROOT / "courses", None).courses)
    rec = build_record(MEMBER, 2026, sessions, exams, STD, [], titles)
    rec.points = points_summary(2026, date(2026, 12, 6))  # 学习积分: one more row (issue 20)
    long_sessions = [
        {"date": f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}", "kind": ("党课", "集中培训")[i % 2],
         "title": f"{TITLE}（第{i + 1}讲）", "hours": 1}
        for i in range(60)
    ]  # fmt: skip
    long_year = build_record(MEMBER, 2026, long_sessions, exams, STD, [], titles)
    villages = [
        GroupStats(f"示范县委/第{i // 14 + 1}乡镇党委/第{i}村党支部", "村", None, 40, 30, 1200.0,
                   20, 10, 8, [75.0], 10)
        for i in range(1, 282)
    ]  # fmt: skip
    views = {"按乡镇": (towns(20), False), "按村": (villages, False)}
    targets = [TargetProgress(STD.targets[0], 300, 200)]
    rows = [
        Row(f"m{m}", f"q{q}", "single", float((m + q) % 3 > 0), 1.0, "A", (0, 1, 2, 3))
        for m in range(30)
        for q in range(12)
    ]
    items, paper = item_statistics(rows)
    files = {
        "record": record_workbook(rec),
        "record_long": record_workbook(long_year),
        "stats": report.workbook(views, targets, 2026),
        "items": items_workbook("水稻种植技术认证考试", items, paper),
        "roster": roster_template(),
    }
    return pdf_pages(tmp_path_factory.mktemp("print"), files)


def points_summary(year: int, today: date) -> PointsSummary:
    from exam_tools.records.points import Activity, load_points_rules, summary, tally

    acts = [Activity(today, "practice", 5), Activity(today - timedelta(days=1), "daily", 1)]
    return summary(tally(load_points_rules(), acts), year, today)


def test_every_page_is_a4(printed) -> None:  # type: ignore[no-untyped-def]
    for name, pages in printed.items():
        assert {size for size, _ in pages} <= A4, name


def test_a_record_prints_on_one_page(printed) -> None:  # type: ignore[no-untyped-def]
    """Organisers print hundreds of records for the files: one A4 page each, everything on it."""
    pages = printed["record"]
    assert len(pages) == 1
    page = pages[0][1]  # (merged cells' text comes last in the PDF's text)
    assert "党员教育培训档案（2026年度）" in page
    for label, value in (("姓名", "张秀英"), ("所在党组织", "示范县委/城关镇党委/花王村党支部"),
                         ("要求学时", "56"), ("小结", "学时96/56达标"),
                         ("学习积分", "本年度学习积分10分")):  # fmt: skip
        assert label in page and value in page, (label, value)
    assert page.count(TITLE) == 24  # every session, its title not cut
    assert "培训记录（24次，共96学时）" in page
    assert "水稻种植技术认证考试" in page and "shuidao" not in page


def test_a_long_year_sums_up_on_the_first_page_and_details_follow(printed) -> None:  # type: ignore[no-untyped-def]
    pages = [text for _, text in printed["record_long"]]
    first = pages[0]
    assert "学时60/56达标" in first and "水稻种植技术认证考试" in first
    assert "党课3030" in first and "集中培训3030" in first  # per 形式: sessions, hours
    assert "明细见“培训明细”工作表" in first and f"{TITLE}（第1讲）" not in first
    rest = "".join(pages[1:])
    assert 2 <= len(pages) <= 3
    assert all(f"（第{i}讲）" in rest for i in range(1, 61))  # every session on the detail pages


def test_statistics_charts_print_whole_and_headers_repeat(printed) -> None:  # type: ignore[no-untyped-def]
    pages = [text for _, text in printed["stats"]]
    assert "2026年度党员教育培训统计" in pages[0] and "实用技术掌握率" in pages[0]
    chart_pages = [t for t in pages if "学时达标率与实用技术掌握率" in t]
    assert len(chart_pages) == 2  # one chart per level
    # a chart printed whole has its last category and its legend on the page
    assert "第20乡镇党委" in chart_pages[0] and chart_pages[0].endswith("学时达标率实用技术掌握率")
    # the village chart (281 categories, its axis labels thinned out) starts a page of its own,
    # right after the table's last row, so a long table cannot push it over a page edge
    assert "第1村党支部" in chart_pages[1] and chart_pages[1].endswith("学时达标率实用技术掌握率")
    assert pages[pages.index(chart_pages[1]) - 1].endswith("第281村党支部")
    village_pages = pages[2:-1]
    assert 3 <= len(village_pages) <= 12  # 281 rows over several landscape pages, one page wide
    assert all(t.startswith("党组织党员数参训率") for t in village_pages)  # header on each page
    assert sum(t.count("村党支部") for t in village_pages) >= 281


def test_item_analysis_and_templates_fit_the_width(printed) -> None:  # type: ignore[no-untyped-def]
    items = printed["items"]
    assert len(items) == 3
    assert "题号" in items[0][1] and "提示" in items[0][1]  # first and last column together
    roster = printed["roster"]
    assert len(roster) == 2
    assert "编号" in roster[0][1] and "是否流动" in roster[0][1]


def test_charts_are_narrowed_to_the_printable_width(tmp_path: Path) -> None:
    import io

    data = report.workbook({"按乡镇": (towns(40), False)}, [], 2026)
    sheet = load_workbook(io.BytesIO(data))["按乡镇"]
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$1:$1"
    (chart,) = sheet._charts
    assert chart.width <= printable_width_cm(landscape=True)
