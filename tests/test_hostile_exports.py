"""Every spreadsheet the tool writes keeps hostile text as text: no cell becomes a formula.

Names, titles and question texts are typed by members and organisers; a name such as
``=HYPERLINK("http://…","点此")`` must reach Excel as the words it is, never as a formula (OWASP,
CSV injection). The workbooks are opened with openpyxl and every cell's type is checked; CSV cells
must not start with a character a spreadsheet reads as the start of a formula.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from exam_tools.bank.formats import export_bytes, import_bytes
from exam_tools.bank.formats.xlsx import TAG_SEP, write_template
from exam_tools.bank.load import parse_bank_text
from exam_tools.bank.model import Question
from exam_tools.grading.itemstats import ItemStats, PaperStats
from exam_tools.records.orgstats import GroupStats, TargetProgress
from exam_tools.records.record import MemberRecord
from exam_tools.records.standards import Target
from exam_tools.reports import orgs as org_report
from exam_tools.reports.items import items_workbook
from exam_tools.reports.record import record_workbook
from exam_tools.reports.safe import FORMULA_START
from exam_tools.reports.safe import clean as _clean
from exam_tools.reports.templates import template_workbook

from .conftest import DATA

ATTACKS = ('=HYPERLINK("http://evil.example/","点此领取补贴")', "=1+2", "+1+2", "-2+3", "@SUM(A1:A9)",
           "=cmd|' /C calc'!A0", "\t=1+2", "\r=1+2", "=", "-", "+", "@")  # fmt: skip
# a formula-looking start, then anything (control characters included: they must not break it)
hostile = st.builds(lambda a, rest: a + rest, st.sampled_from(ATTACKS), st.text(max_size=20))


def clean(text: str) -> str:
    """``text`` as a workbook gives it back: no control characters, XML's line ends."""
    return _clean(text).replace("\r\n", "\n").replace("\r", "\n")


def cells(data: bytes) -> list[Any]:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def assert_no_formula(data: bytes) -> list[Any]:
    found = cells(data)
    formulas = [(c.coordinate, c.value) for c in found if c.data_type == "f"]
    assert formulas == []
    return [c.value for c in found]


def assert_csv_safe(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    for row in rows:
        for value in row:
            try:
                float(value)
            except ValueError:
                assert not value.startswith(FORMULA_START), value
    return rows


def group(org: str, category: str | None) -> GroupStats:
    return GroupStats(org, "村", category, 3, 2, 40.0, 1, 2, 1, [80.0, 55.0], 1)


@settings(max_examples=40, deadline=None)
@given(org=hostile, name=hostile, title=hostile, course=hostile, category=hostile, target=hostile)
def test_records_and_statistics_keep_hostile_text_as_text(
    org: str, name: str, title: str, course: str, category: str, target: str
) -> None:
    member = {"id": "m-1", "name": name, "org": "o-1", "org_path": org, "category": category,
              "roles": [name]}  # fmt: skip
    exam = {"date": "2026-06-01", "course": course, "assessment": title, "percent": 80.0,
            "passed": True}  # fmt: skip
    rec = MemberRecord(
        member=member,
        year=2026,
        hours=-1.5,  # a negative number stays a number
        required_hours=32.0,
        sessions=[{"date": "2026-03-10", "kind": "党课", "title": title, "hours": 4.0}],
        exams=[exam],
        technologies=[title],
    )
    values = assert_no_formula(record_workbook(rec))
    assert clean(name) in values and clean(title) in values and -1.5 in values

    groups = [group(org, None), group(org + "/" + name, None)]
    by_category = [group(org, category)]
    progress = [TargetProgress(Target(target, (), (), 1, 0.8), 5, 2)]
    views = {"按乡镇": (groups, False), "按类别": (by_category, True)}
    values = assert_no_formula(org_report.workbook(views, progress, 2026))
    assert clean(org) in values and clean(target) in values and clean(category) in values
    for by_cat, gs in ((False, groups), (True, by_category)):
        rows = assert_csv_safe(org_report.csv_text(gs, by_cat))
        assert rows[1][0] == "'" + org.replace(
            "\r\n", "\n"
        )  # OWASP: a leading apostrophe, the text otherwise intact


@settings(max_examples=25, deadline=None)
@given(qid=hostile, flag=hostile, name=hostile, note=hostile)
def test_item_analysis_keeps_hostile_text_as_text(
    qid: str, flag: str, name: str, note: str
) -> None:
    items = [ItemStats(qid, "single", 10, 0.5, -0.3, None, {"A": 3, "B": 7}, 0, [flag])]
    values = assert_no_formula(items_workbook(name, items, PaperStats(10, 60.0, 5.0, None, note)))
    assert clean(qid) in values and clean(name) in values and -0.3 in values


@settings(max_examples=25, deadline=None)
@given(
    columns=st.lists(hostile, min_size=1, max_size=4, unique=True), example=hostile, help_=hostile
)
def test_templates_keep_hostile_text_as_text(columns: list[str], example: str, help_: str) -> None:
    data = template_workbook("表", columns, [example, 3], {columns[0]: help_})
    assert clean(example) in assert_no_formula(data)


def _sample() -> list[Question]:
    questions, _ = parse_bank_text((DATA / "sample_bank.yaml").read_text("utf-8"), "s.yaml")
    return questions


SAMPLE = _sample()
# what a bank question may hold: no leading or trailing space (the importer trims cells)
bank_text = st.builds(
    lambda a, rest: a + rest,
    st.sampled_from([a for a in ATTACKS if not a[0].isspace()]),
    st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S")), max_size=12),
)


@settings(max_examples=30, deadline=None)
@given(stem=bank_text, option=bank_text, explanation=bank_text, source=bank_text, tag=bank_text)
def test_bank_export_keeps_hostile_text_and_imports_back_identically(
    stem: str, option: str, explanation: str, source: str, tag: str
) -> None:
    questions = [
        replace(
            q,
            stem=stem + q.stem,  # the fill-in-the-blank markers stay
            options=tuple(option + o for o in q.options),
            explanation=explanation + q.explanation,
            source=source if q.source else q.source,
            tags=(TAG_SEP.sub("", tag) + "x",) if q.tags else q.tags,  # one tag, no separators
        )
        for q in SAMPLE
    ]
    data, report = export_bytes(questions, "xlsx")
    assert report.written == len(questions)
    values = assert_no_formula(data)
    assert questions[0].stem in values
    assert import_bytes(data, "xlsx", "export.xlsx").questions == questions


def test_the_bank_template_has_no_formulas(tmp_path: Path) -> None:
    write_template(tmp_path / "t.xlsx")
    assert_no_formula((tmp_path / "t.xlsx").read_bytes())


def test_organiser_exports_from_the_cli_store_hostile_names_as_text(tmp_path: Path) -> None:
    """A roster and a session with formula-like names, through record and stats org exports."""
    org, name, title = "=1+2镇党委", '=HYPERLINK("http://evil.example/","点此")', "-2+3 学习党章"
    wb = Workbook()
    ws: Any = wb.active
    ws.title = "花名册"
    ws.append(["姓名", "所在党组织"])
    ws.append(["x", "y"])
    ws["A2"].value, ws["B2"].value = name, f"{org}/@村党支部"
    ws["A2"].data_type = ws["B2"].data_type = "s"  # the organiser typed it as text
    wb.save(tmp_path / "花名册.xlsx")
    db = str(tmp_path / "t.db")

    def cli(*args: str) -> None:
        result = subprocess.run([sys.executable, "-m", "exam_tools", *args, "--db", db],
                                capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr

    cli("roster", "import", "花名册.xlsx")
    cli("session", "add", "--date", "2026-03-10", "--org", f"{org}/@村党支部", "--kind", "党课",
        "--hours", "4", "--title", title, "--member", name)  # fmt: skip
    cli("record", name, "--year", "2026", "--format", "xlsx", "--output", "档案.xlsx")
    values = assert_no_formula((tmp_path / "档案.xlsx").read_bytes())
    assert name in values and title in values and f"{org}/@村党支部" in values
    cli("stats", "org", "--year", "2026", "--output", "统计.xlsx")
    assert org in assert_no_formula((tmp_path / "统计.xlsx").read_bytes())
    cli("stats", "org", "--year", "2026", "--output", "统计.csv")
    rows = assert_csv_safe((tmp_path / "统计.csv").read_text("utf-8"))
    assert rows[1][0] == "'" + org
