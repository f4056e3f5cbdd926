"""The Chinese Excel template: files as Excel/WPS save them, errors by sheet/row/column, template."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from exam_tools.bank.formats import ImportDefaults, export_bytes, import_bytes
from exam_tools.bank.formats.xlsx import write_template
from exam_tools.bank.model import Question
from exam_tools.errors import BankError, FormatError

from .conftest import DATA

HEADER = ["序号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "正确答案", "解析", "难度",
          "知识点", "领域", "实用技术"]  # fmt: skip


def xlsx(rows: list[list[Any]], *, title: str | None = None, sheet: str = "题库") -> bytes:
    """A workbook written by openpyxl, as a script or another tool would write one."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ROW_OK = [1, "单选", "水稻浸种催芽时，正确的做法是（ ）。", "催芽温度越高越好", "保持种子湿润透气",
          "浸种后不必清洗", None, "B", "催芽需要适宜的温度、水分和氧气。", "简单", "育秧", "实用技术",
          "水稻种植"]  # fmt: skip


def test_file_saved_by_wps_with_shared_strings_and_merged_title() -> None:
    data = (DATA / "wps_style.xlsx").read_bytes()
    result = import_bytes(data, "xlsx", "wps_style.xlsx", ImportDefaults(domain="党章党规"))
    single, multiple, judge, fill, short = result.questions
    assert (single.stem, single.answer, single.difficulty) == (
        "预备党员的预备期为（ ）。",
        "B",
        "简单",
    )
    assert (multiple.answer, multiple.tags, multiple.difficulty) == (
        ("A", "B", "C"),
        ("预备党员", "党员权利"),
        "中等",
    )
    assert judge.answer is True
    assert (fill.stem, fill.blanks, fill.difficulty) == (
        "申请入党的人，要有____名正式党员作介绍人。",
        (("2",),),
        "困难",
    )
    assert short.reference == "按期转正；延长预备期；取消预备党员资格。"
    assert all(q.source for q in result.questions)
    assert result.warnings == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("ABD", ("A", "B", "D")), ("A,B,D", ("A", "B", "D")), ("A、B、D", ("A", "B", "D")),
     ("a b d", ("A", "B", "D")), ("A，B，D", ("A", "B", "D"))],
)  # fmt: skip
def test_multiple_choice_answer_spellings(answer: str, expected: tuple[str, ...]) -> None:
    row = [1, "多选题", "下列属于设施蔬菜病虫害绿色防控措施的有（ ）。", "黄板诱杀", "防虫网",
           "大量使用高毒农药", "释放天敌", answer, "绿色防控优先物理、生物措施。", "中等", "", "实用技术",
           "设施蔬菜"]  # fmt: skip
    (q,) = import_bytes(xlsx([row]), "xlsx", "t.xlsx").questions
    assert q.answer == expected


@pytest.mark.parametrize(("word", "truth"), [("正确", True), ("错误", False), ("对", True),
                                             ("错", False), ("√", True), ("×", False)])  # fmt: skip
def test_judge_answer_spellings(word: str, truth: bool) -> None:
    row = [1, "判断", "晒种能提高种子发芽势。", None, None, None, None, word, "晒种促进后熟。", "简单",
           "", "实用技术", "水稻种植"]  # fmt: skip
    (q,) = import_bytes(xlsx([row]), "xlsx", "t.xlsx").questions
    assert q.answer is truth


def test_fill_blanks_and_alternatives() -> None:
    row = [1, "填空", "水稻育秧要培育____，移栽时宜____。", None, None, None, None, "壮秧;健壮秧苗|浅插",
           "壮秧是高产的基础；浅插利于返青分蘖。", "简单", "", "实用技术", "水稻种植"]  # fmt: skip
    (q,) = import_bytes(xlsx([row]), "xlsx", "t.xlsx").questions
    assert q.blanks == (("壮秧", "健壮秧苗"), ("浅插",))


def test_invalid_rows_name_sheet_row_and_column() -> None:
    bad_answer = [*ROW_OK[:7], "E", *ROW_OK[8:]]
    bad_type = [2, "连线题", *ROW_OK[2:]]
    no_explanation = [*ROW_OK[:2], "水稻移栽时秧苗宜（ ）。", "深插", "浅插", "倒插", None, "B", None,
                      *ROW_OK[9:]]  # fmt: skip
    data = xlsx([ROW_OK, bad_answer, bad_type, no_explanation], title="2026年水稻题库")
    with pytest.raises(BankError) as exc:
        import_bytes(data, "xlsx", "rice.xlsx")
    lines = str(exc.value).splitlines()
    assert lines[0].startswith("导入失败：2 道题有错误，没有写出任何文件")
    assert any(line.startswith("rice.xlsx 工作表“题库” 第4行 H列: ") and "答案“E”不对应任何选项" in line
               for line in lines)  # fmt: skip
    assert any(line.startswith("rice.xlsx 工作表“题库” 第5行 B列: -: type: 未知题型“连线题”")
               for line in lines)  # fmt: skip
    # A missing 解析 is for the author to complete, not a reason to refuse the row.
    assert not any("第6行" in line for line in lines)


def test_skip_invalid_imports_the_rest_and_lists_skipped() -> None:
    bad_answer = [*ROW_OK[:7], "E", *ROW_OK[8:]]
    other = [*ROW_OK[:2], "水稻移栽时秧苗宜（ ）。", "深插", "浅插", "倒插", None, "B", "浅插利于返青分蘖。",
             *ROW_OK[9:]]  # fmt: skip
    result = import_bytes(xlsx([ROW_OK, bad_answer, other]), "xlsx", "r.xlsx", skip_invalid=True)
    assert [q.stem for q in result.questions] == [ROW_OK[2], "水稻移栽时秧苗宜（ ）。"]
    assert result.skipped_count == 1
    assert "第3行 H列" in str(result.skipped[0])


def test_trailing_and_pre_numbered_empty_rows_are_ignored() -> None:
    data = xlsx([ROW_OK, [2], [3], [None] * 13, []])
    assert len(import_bytes(data, "xlsx", "r.xlsx").questions) == 1


def test_header_not_found_says_how_to_fix() -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])  # type: ignore[union-attr]
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(FormatError, match=r"找不到表头.*exam-tools bank template"):
        import_bytes(buf.getvalue(), "xlsx", "roster.xlsx")


def test_export_then_import_gives_identical_questions(sample_questions: list[Question]) -> None:
    data, _ = export_bytes(sample_questions, "xlsx")
    assert import_bytes(data, "xlsx", "e.xlsx").questions == sample_questions
    again, _ = export_bytes(import_bytes(data, "xlsx", "e.xlsx").questions, "xlsx")
    assert import_bytes(again, "xlsx", "e.xlsx").questions == sample_questions


def test_text_that_looks_like_a_formula_stays_text(sample_questions: list[Question]) -> None:
    from dataclasses import replace

    q = replace(sample_questions[0], stem="=SUM(A1) 是公式吗？（ ）")
    data, _ = export_bytes([q], "xlsx")
    assert import_bytes(data, "xlsx", "e.xlsx").questions[0].stem == "=SUM(A1) 是公式吗？（ ）"


def test_exported_workbook_cells_golden(sample_questions: list[Question], golden) -> None:  # type: ignore[no-untyped-def]
    data, _ = export_bytes(sample_questions, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    lines = []
    for ws in wb.worksheets:
        lines.append(f"## {ws.title} (freeze {ws.freeze_panes})")
        for row in ws.iter_rows(values_only=True):
            lines.append(" | ".join("" if v is None else str(v) for v in row))
    golden("sample.xlsx.txt", "\n".join(lines) + "\n")


def test_template_has_example_per_type_and_explains_columns(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["题库", "填写说明"]
    help_rows = list(wb["填写说明"].iter_rows(values_only=True))
    explained = {row[0] for row in help_rows[1:] if row[0]}
    header = [c.value for c in wb["题库"][1]]
    assert {"题型", "题干", "正确答案", "解析", "难度", "知识点", "出处"} <= explained
    assert "选项A" in header and "选项F" in header
    result = import_bytes(path.read_bytes(), "xlsx", "模板.xlsx")
    assert sorted(q.type.value for q in result.questions) == sorted(
        ["single", "multiple", "judge", "fill", "short"]
    )
    assert result.warnings == []


def test_full_width_answers_and_option_headers_typed_with_a_chinese_input_method(
    tmp_path: Path,
) -> None:
    """Answers such as Ｂ and Ａ，Ｃ, true/false as Ｔ, option columns headed 选项Ａ…: the letters
    and words are read as ASCII; the Chinese text and its full-width punctuation stay as typed."""
    header = ["序号", "题型", "题干", "选项Ａ", "选项Ｂ", "选项Ｃ", "选项Ｄ", "正确答案", "解析",
              "难度", "知识点", "领域", "实用技术"]  # fmt: skip
    stem = "下列属于设施蔬菜病虫害绿色防控措施的有（　）。"
    options = ["黄板诱杀，每亩２５块", "防虫网（４０目）", "大量使用高毒农药", "释放天敌：丽蚜小蜂"]
    rows = [
        [1, "多选", stem, *options, "Ａ，Ｂ，Ｄ", "绿色防控优先物理、生物措施。", "中等", "",
         "实用技术", "设施蔬菜"],
        [2, "单选", "水稻浸种催芽时，正确的做法是（　）。", "催芽温度越高越好", "保持种子湿润透气",
         "浸种后不必清洗", None, "ｂ", "催芽需要适宜的温度、水分和氧气。", "简单", "", "实用技术",
         "水稻种植"],
        [3, "判断", "晒种能提高种子发芽势。", None, None, None, None, "Ｔ", "晒种促进后熟。",
         "简单", "", "实用技术", "水稻种植"],
        [4, "判断", "催芽温度越高越好。", None, None, None, None, "ＦＡＬＳＥ", "温度过高会烧芽。",
         "简单", "", "实用技术", "水稻种植"],
    ]  # fmt: skip
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    path = tmp_path / "题库（全角）.xlsx"
    wb.save(path)
    from exam_tools.bank.formats import import_file

    multiple, single, true, false = import_file(path).questions
    assert multiple.answer == ("A", "B", "D")
    assert (multiple.stem, list(multiple.options)) == (stem, options)
    assert single.answer == "B" and single.stem == "水稻浸种催芽时，正确的做法是（　）。"
    assert (true.answer, false.answer) == (True, False)
