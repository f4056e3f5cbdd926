"""Instructors' own Excel banks as they circulate: one workbook, a sheet per type, no 题型, 出处 or
解析 column, a merged title row, WPS answer spellings. They import (with warnings), export, import
back with the same answers, build papers and pass `course check`."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_tools.bank.formats import ImportDefaults, import_bytes
from exam_tools.bank.formats.xlsx import TYPE_NAMES, sheet_type
from exam_tools.bank.model import QType
from exam_tools.errors import BankError

from .conftest import ROOT

TITLE = "城关镇党校 2026 年党章党规题库"

# Sheet name -> (header, rows). Facts from the Party Constitution (domain.md), no 出处 column.
SHEETS: dict[str, tuple[list[str], list[list[Any]]]] = {
    "单选题": (
        ["题号", "题目", "A", "B", "C", "D", "答案"],
        [
            [1, "预备党员的预备期为（ ）。", "半年", "一年", "两年", "三年", "B"],
            [2, "党的基层委员会每届任期（ ）。", "两年", "三年至五年", "五年", "六年", "b"],
            [3, "党的基础组织是（ ）。", "党小组", "党支部", "党总支", "党委", "Ｂ"],
        ],
    ),
    "多选题": (
        ["题号", "题目", "A", "B", "C", "D", "答案"],
        [
            [1, "预备党员没有下列哪些权利？（ ）", "表决权", "选举权", "被选举权", "知情权",
             "A、B、C"],
            [2, "党员连续六个月（ ），就被认为是自行脱党。", "不参加党的组织生活", "不交纳党费",
             "不做党所分配的工作", "不参加村民会议", "A,B,C"],
        ],
    ),
    "判断题": (
        ["题号", "题目", "答案"],
        [
            [1, "党员的党龄从预备期满转为正式党员之日算起。", "正确"],
            [2, "年满十六岁的中国工人、农民可以申请加入中国共产党。", "错误"],
            [3, "预备党员没有表决权。", "对"],
        ],
    ),
    "填空题": (
        ["题号", "题目", "答案"],
        [
            [1, "申请入党的人，要有（ ）名正式党员作介绍人。", "两;2"],
            [2, "企业、农村、机关等基层单位，凡是有正式党员____人以上的，都应当成立党的基层组织。",
             "三;3"],
        ],
    ),
    "简答题": (
        ["题号", "题目", "参考答案"],
        [[1, "预备党员预备期满后，党组织可以作出哪几种处理？",
          "按期转为正式党员；延长预备期（不超过一年）；取消预备党员资格。"]],
    ),
}  # fmt: skip


def workbook(sheets: dict[str, tuple[list[str], list[list[Any]]]] = SHEETS) -> bytes:
    """A bank as instructors pass it around: instructions first, a merged title row per sheet."""
    wb = openpyxl.Workbook()
    notes: Any = wb.active
    notes.title = "说明"
    notes.append(["本题库共五种题型，每种题型一个工作表。"])
    notes.append(["答案写在最后一列，多选题答案用顿号隔开。"])
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        ws.append([f"{TITLE}（{name}）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.create_sheet("Sheet3")  # the empty sheet WPS leaves behind
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DEFAULTS = ImportDefaults(domain="党章党规", difficulty="中等", id_prefix="czdx")


def answers_by_stem(questions: Any) -> dict[str, Any]:
    return {q.stem: (q.type, q.answer, q.options) for q in questions}


def test_every_sheet_is_read_and_the_type_comes_from_its_name() -> None:
    result = import_bytes(workbook(), "xlsx", "题库.xlsx", DEFAULTS)
    assert [(name, n) for name, n, _ in result.per_sheet()] == [
        ("单选题", 3), ("多选题", 2), ("判断题", 3), ("填空题", 2), ("简答题", 1),
    ]  # fmt: skip
    by_stem = {q.stem: q for q in result.questions}
    assert {q.type for q in result.questions} == set(QType)
    assert by_stem["党的基层委员会每届任期（ ）。"].answer == "B"
    assert by_stem["党的基础组织是（ ）。"].answer == "B"  # full-width Ｂ
    assert by_stem["预备党员没有下列哪些权利？（ ）"].answer == ("A", "B", "C")
    assert by_stem["预备党员没有表决权。"].answer is True
    assert by_stem["年满十六岁的中国工人、农民可以申请加入中国共产党。"].answer is False
    assert by_stem["申请入党的人，要有____名正式党员作介绍人。"].blanks == (("两", "2"),)
    # no 出处 and no 解析 column: two warnings per question, asking to complete them
    assert sorted({p.field for p in result.warnings}) == ["explanation", "source"]
    assert len(result.warnings) == 22
    assert all("导入后请补写" in p.message for p in result.warnings)
    # the instructions and the empty sheet are passed over with a note, not an error
    assert [p.message for p in result.notes] == [
        "工作表“说明”前 10 行中没有题目表头（题干、答案等列），可能是填写说明，已跳过",
        "工作表“Sheet3”是空表，已跳过",
    ]


def test_a_row_of_a_sheet_named_otherwise_still_needs_a_type() -> None:
    sheets = {"第一部分": SHEETS["判断题"]}
    with pytest.raises(BankError) as exc:
        import_bytes(workbook(sheets), "xlsx", "题库.xlsx", DEFAULTS)
    first = exc.value.problems[0]
    assert (first.location.sheet, first.location.row, first.field) == ("第一部分", 3, "type")
    assert "没有题型列时，工作表名要写明题型" in first.message


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env_src = str(ROOT / "src")
    return subprocess.run(
        [sys.executable, "-m", "exam_tools", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": env_src, "PATH": "/usr/bin:/bin", "HOME": str(cwd)},
        check=False,
    )


COURSE = """\
title: 党章学习（本校题库）
category: 党章党规
lessons:
  - {notebook: 01.ipynb, title: 党章, hours: 1}
assessments:
  - id: practice
    title: 课后练习
    mode: practice
    rules:
      - {count: 5}
  - id: exam
    title: 党章测试
    mode: exam
    rules:
      - {type: single, count: 2}
      - {type: multiple, count: 1}
      - {type: judge, count: 2}
      - {type: fill, count: 1}
"""


def test_import_export_import_keeps_the_answers_and_the_bank_is_usable(tmp_path: Path) -> None:
    (tmp_path / "题库.xlsx").write_bytes(workbook())
    imported = run(
        "bank", "import", "题库.xlsx", "-o", "bank/mine.yaml", "--domain", "党章党规",
        "--difficulty", "中等", cwd=(tmp_path / "bank").parent,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "工作表“多选题”：导入 2 道（多选2 道）" in imported.stdout
    assert "说明：工作表“说明”" in imported.stdout
    assert imported.stdout.count("导入后请补写") == 22
    # the bank without 出处 and 解析 checks with warnings, fails only --strict
    check = run("bank", "check", "bank", cwd=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 个错误，22 个警告" in check.stderr
    assert run("bank", "check", "--strict", "bank", cwd=tmp_path).returncode == 1
    # exports, and the export imports back with the same answers
    exported = run("bank", "export", "bank", "-f", "xlsx", "-o", "back.xlsx", cwd=tmp_path)
    assert exported.returncode == 0, exported.stdout + exported.stderr
    first = import_bytes((tmp_path / "题库.xlsx").read_bytes(), "xlsx", "a.xlsx", DEFAULTS)
    again = import_bytes((tmp_path / "back.xlsx").read_bytes(), "xlsx", "back.xlsx")
    assert answers_by_stem(again.questions) == answers_by_stem(first.questions)
    from exam_tools.bank.load import load_bank

    assert {q.id for q in again.questions} == {q.id for q in load_bank(tmp_path / "bank")}
    # a course over it passes course check (with warnings) and builds papers
    course = tmp_path / "courses" / "dangzhang_mine"
    course.mkdir(parents=True)
    (course / "course.yaml").write_text(COURSE, encoding="utf-8")
    (course / "01.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, '
                                     '"nbformat_minor": 5}', encoding="utf-8")  # fmt: skip
    checked = run("course", "check", "courses", "--bank", "bank", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 门有效" in checked.stderr and "抽题范围警告" in checked.stderr
    paper = run(
        "paper", "build", "dangzhang_mine", "exam", "--bank", "bank", "--courses", "courses",
        "-o", "paper.json", cwd=tmp_path,
    )  # fmt: skip
    assert paper.returncode == 0, paper.stdout + paper.stderr
    assert "6 题" in paper.stdout


# ---- the sheet-name parser ----------------------------------------------------------------

DECORATIONS = st.sampled_from(["", "一、", "第二部分 ", "（一）", "2026年", "党章"])
SUFFIXES = st.sampled_from(["", "（共20题）", " (30)", "部分", "汇总"])
CHINESE_NAMES = sorted(n for n in TYPE_NAMES if not n.isascii())


@settings(max_examples=200)
@given(st.sampled_from(CHINESE_NAMES), DECORATIONS, SUFFIXES)
def test_sheet_type_reads_decorated_sheet_names(name: str, before: str, after: str) -> None:
    assert sheet_type(f"{before}{name}{after}") is TYPE_NAMES[name]


@settings(max_examples=200)
@given(st.text(alphabet="党章题库第一二部分汇总练习Sheet0123 ()（）、", max_size=12))
def test_sheet_type_is_none_without_a_type_name(title: str) -> None:
    assert sheet_type(title) is None


LETTER_SETS = st.lists(st.sampled_from("ABCD"), min_size=2, max_size=4, unique=True)
SEPARATORS = st.sampled_from(["", "、", ",", "，", " ", ";"])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(LETTER_SETS, SEPARATORS, st.booleans()), min_size=1, max_size=4))
def test_wps_spelled_multiple_answers_round_trip(
    spelled: list[tuple[list[str], str, bool]],
) -> None:
    """Whatever the separator and width, a 多选题 sheet's answers import, export and import back
    as the same letters."""
    rows = []
    for n, (letters, sep, full_width) in enumerate(spelled, 1):
        text = sep.join(letters)
        if full_width:
            text = "".join(chr(ord(c) + 0xFEE0) if "A" <= c <= "D" else c for c in text)
        rows.append([n, f"第{n}题：下列说法正确的有（ ）。", "甲", "乙", "丙", "丁", text])
    sheets = {"多选题": (["题号", "题目", "A", "B", "C", "D", "答案"], rows)}
    first = import_bytes(workbook(sheets), "xlsx", "m.xlsx", DEFAULTS)
    assert [q.answer for q in first.questions] == [tuple(sorted(x[0])) for x in spelled]
    from exam_tools.bank.formats import export_bytes

    data, _ = export_bytes(first.questions, "xlsx")
    again = import_bytes(data, "xlsx", "back.xlsx")
    assert answers_by_stem(again.questions) == answers_by_stem(first.questions)
