"""The Chinese Excel question template (题库导入模板): import, export and an empty template.

Reads files as Excel and WPS save them: a merged title row above the header, shared strings,
numbers where text was meant, trailing empty or pre-numbered rows, common column and answer
spellings. Export writes the same columns, so export -> import gives back identical questions.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from exam_tools.bank.formats import SHEET_NOTE, RawQuestion
from exam_tools.bank.model import DEFAULT_POINTS, LETTERS, QType, Question
from exam_tools.bank.validate import FIELDS, halfwidth
from exam_tools.errors import FormatError, Location, Problem

# Canonical columns (export/template order) and the header spellings accepted on import.
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "题号"),
    "id": ("编号", "试题编号", "题目编号", "ID"),
    "type": ("题型", "试题类型", "题目类型", "类型"),
    "domain": ("领域", "所属领域", "题库"),
    "technology": ("实用技术", "所属技术", "技术"),
    "difficulty": ("难度", "难易程度", "难易度", "难度等级"),
    "tags": ("知识点", "分类", "考点", "标签"),
    "source": ("出处", "依据", "来源"),
    "stem": ("题干", "题目", "试题内容", "题目内容", "试题", "题目名称"),
    "answer": ("正确答案", "答案", "标准答案", "参考答案"),
    "keywords": ("评分关键词", "关键词"),
    "points": ("分值", "分数"),
    "explanation": ("解析", "答案解析", "试题解析"),
}
HEADER = {key: names[0] for key, names in COLUMNS.items()}
OPTION_RE = re.compile(r"^(?:选项)?\s*([A-Ha-h])\s*(?:选项)?$")

TYPE_NAMES: dict[str, QType] = {}
for _qtype, _names in {
    QType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single"),
    QType.MULTIPLE: (
        "多选",
        "多选题",
        "多项选择",
        "多项选择题",
        "不定项选择",
        "不定项选择题",
        "multiple",
    ),
    QType.JUDGE: ("判断", "判断题", "是非题", "judge"),
    QType.FILL: ("填空", "填空题", "fill"),
    QType.SHORT: ("简答", "简答题", "问答", "问答题", "论述题", "short"),
}.items():
    for _n in _names:
        TYPE_NAMES[_n] = _qtype
DIFFICULTY_NAMES = {
    "简单": "简单", "容易": "简单", "易": "简单", "较易": "简单",
    "中等": "中等", "一般": "中等", "中": "中等", "适中": "中等",
    "困难": "困难", "难": "困难", "较难": "困难",
}  # fmt: skip
TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "是", "T", "TRUE", "Y", "YES"}
FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "X", "否", "F", "FALSE", "N", "NO"}
ALT_SEP = re.compile(r"[;；]")
BLANK_SEP = re.compile(r"[|｜]")
TAG_SEP = re.compile(r"[,，;；、\n]")
HEADER_SCAN_ROWS = 10


# ---- reading --------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "正确" if value else "错误"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _header_map(row: Sequence[Any]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Field -> column index and option letter -> column index, if ``row`` is a header row."""
    fields: dict[str, int] = {}
    options: dict[str, int] = {}
    for i, value in enumerate(row):
        name = halfwidth(_cell_text(value)).replace(" ", "")  # 选项Ａ is 选项A
        if not name:
            continue
        m = OPTION_RE.match(name)
        if m:
            options.setdefault(m.group(1).upper(), i)
            continue
        for key, names in COLUMNS.items():
            if name in names or name.upper() in names:
                fields.setdefault(key, i)
                break
    if "stem" in fields and ("type" in fields or "answer" in fields):
        return fields, options
    return None


def sheet_type(title: str) -> QType | None:
    """The question type a sheet's name gives (单选题, 二、多项选择题（20题）, 判断), if any.

    Many banks in circulation are one workbook with a sheet per type and no 题型 column.
    The longest type name found in the title wins, so 不定项选择题 is not read as 选择.
    """
    name = halfwidth(title).replace(" ", "")
    if name.lower() in TYPE_NAMES:
        return TYPE_NAMES[name.lower()]
    for word in sorted((w for w in TYPE_NAMES if not w.isascii()), key=len, reverse=True):
        if word in name:
            return TYPE_NAMES[word]
    return None


def read(data: bytes, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    """Every sheet with a header row; a sheet without one (empty, 填写说明) is skipped with a note.

    A sheet without a 题型 column takes the type from its name (单选题, 多选题 …).
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; they do not affect cell values.
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise FormatError(
            f"{source_name} 不是有效的 .xlsx 文件（{type(exc).__name__}）；"
            "如果是旧的 .xls 文件，请在 Excel/WPS 中另存为 .xlsx"
        ) from None
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    skipped: list[Problem] = []
    read_any = False
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            head: list[tuple[Any, ...]] = []
            found = None
            for _ in range(HEADER_SCAN_ROWS):
                row = next(rows, None)
                if row is None:
                    break
                head.append(row)
                found = _header_map(row)
                if found is not None:
                    break
            if found is None:
                empty = not any(_cell_text(v) for row in head for v in row)
                why = (
                    "是空表"
                    if empty
                    else "前 10 行中没有题目表头（题干、答案等列），可能是填写说明"
                )
                skipped.append(
                    Problem(
                        Location(source_name, sheet=ws.title),
                        None,
                        SHEET_NOTE,
                        f"工作表“{ws.title}”{why}，已跳过",
                        "warning",
                    )
                )
                continue
            fields, options = found
            read_any = True
            got, bad = _read_rows(
                rows,
                len(head),
                fields,
                options,
                source_name,
                ws.title,
                get_column_letter,
                None if "type" in fields else sheet_type(ws.title),
            )
            raws.extend(got)
            problems.extend(bad)
    finally:
        wb.close()
    if not read_any:
        names = "、".join(COLUMNS["stem"][:2] + COLUMNS["type"][:1] + COLUMNS["answer"][:1])
        raise FormatError(
            f"{source_name}：前 {HEADER_SCAN_ROWS} 行中找不到表头（需要“{names}”等列）；"
            "可用 exam-tools bank template 生成模板"
        )
    return raws, problems + skipped


def _read_rows(
    rows: Any,
    header_row: int,
    fields: dict[str, int],
    options: dict[str, int],
    source_name: str,
    sheet: str,
    col_letter: Any,
    qtype: QType | None = None,
) -> tuple[list[RawQuestion], list[Problem]]:
    """The questions below a sheet's header; ``qtype`` (from the sheet's name) when it has no
    题型 column."""
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    option_cols = [options[x] for x in LETTERS if x in options]
    content_cols = [i for k, i in fields.items() if k != "seq"] + option_cols
    for row_no, row in enumerate(rows, header_row + 1):
        cells = list(row)

        def get(i: int, cells: list[Any] = cells) -> str:
            return _cell_text(cells[i]) if i < len(cells) else ""

        if not any(get(i) for i in content_cols):
            continue  # empty or only pre-numbered (序号) row
        base = Location(path=source_name, sheet=sheet, row=row_no)

        def locate(fld: str | None, base: Location = base) -> Location:
            if fld == "options" and option_cols:
                return replace(base, column=col_letter(option_cols[0] + 1))
            if fld in fields:
                return replace(base, column=col_letter(fields[fld] + 1))
            return base

        values = {k: get(i) for k, i in fields.items()}
        if qtype is not None and not values.get("type"):
            values["type"] = qtype.label
        raw, found = _row_to_raw(values, [get(i) for i in option_cols], locate)
        problems.extend(found)
        if raw is not None:
            raws.append(RawQuestion(raw, locate))
    return raws, problems


def _row_to_raw(
    cells: dict[str, str], options: list[str], locate: Any
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """One sheet row in the YAML shape; spellings normalised, rules left to validation."""
    raw: dict[str, Any] = {}
    problems: list[Problem] = []

    def bad(fld: str, message: str) -> None:
        problems.append(Problem(locate(fld), cells.get("id") or None, fld, message))

    type_text = cells.get("type", "")
    qtype = TYPE_NAMES.get(type_text) or TYPE_NAMES.get(type_text.lower())
    if not type_text:
        bad(
            "type",
            "题型为空（应为 单选、多选、判断、填空、简答；"
            "没有题型列时，工作表名要写明题型，如“单选题”）",
        )
        return None, problems
    if qtype is None:
        bad("type", f"未知题型“{type_text}”（应为 单选、多选、判断、填空、简答）")
        return None, problems
    raw["type"] = qtype.value
    for key in ("id", "domain", "technology", "source", "stem", "explanation"):
        if cells.get(key):
            raw[key] = cells[key]
    if cells.get("difficulty"):
        raw["difficulty"] = DIFFICULTY_NAMES.get(cells["difficulty"], cells["difficulty"])
    if cells.get("tags"):
        raw["tags"] = [t.strip() for t in TAG_SEP.split(cells["tags"]) if t.strip()]
    if cells.get("points"):
        try:
            value = float(cells["points"])
            raw["points"] = int(value) if value.is_integer() else value
        except ValueError:
            bad("points", f"分值“{cells['points']}”不是数字")
            return None, problems
    if qtype.is_choice:
        while options and not options[-1]:
            options = options[:-1]
        raw["options"] = options
    answer = cells.get("answer", "")
    if answer:
        if qtype is QType.JUDGE:
            word = halfwidth(answer).upper()  # Ｔ, ＴＲＵＥ
            if word in TRUE_WORDS:
                raw["answer"] = True
            elif word in FALSE_WORDS:
                raw["answer"] = False
            else:
                bad("answer", f"判断题答案“{answer}”应为 正确/错误（或 对/错、√/×）")
                return None, problems
        elif qtype is QType.FILL:
            raw["answer"] = [_alts(b) for b in BLANK_SEP.split(answer)]
        else:
            raw["answer"] = answer
    if cells.get("keywords"):
        raw["keywords"] = [_alts(k) for k in BLANK_SEP.split(cells["keywords"]) if k.strip()]
    return raw, problems


def _alts(text: str) -> list[str]:
    return [a.strip() for a in ALT_SEP.split(text) if a.strip()]


# ---- writing --------------------------------------------------------------------------------


def unsupported(q: Question) -> str | None:
    if q.type is QType.FILL:
        for alts in q.blanks:
            for a in alts:
                if ALT_SEP.search(a) or BLANK_SEP.search(a):
                    return f"填空答案“{a}”含有分隔符 ; 或 |，Excel 模板无法区分"
    for alts in q.keywords:
        for a in alts:
            if ALT_SEP.search(a) or BLANK_SEP.search(a):
                return f"评分关键词“{a}”含有分隔符 ; 或 |，Excel 模板无法区分"
    return None


def _columns(n_options: int) -> list[str]:
    """序号, then the bank's fields in their canonical order with one column per option."""
    at = FIELDS.index("options")
    opts = [f"选项{LETTERS[i]}" for i in range(n_options)]
    return [
        HEADER["seq"],
        *(HEADER[f] for f in FIELDS[:at]),
        *opts,
        *(HEADER[f] for f in FIELDS[at + 1 :]),
    ]


def _row(seq: int, q: Question, n_options: int) -> list[Any]:
    if q.type is QType.JUDGE:
        answer = "正确" if q.truth else "错误"
    elif q.type is QType.FILL:
        answer = "|".join(";".join(alts) for alts in q.blanks)
    elif q.type.is_choice:
        answer = "".join(q.correct_letters)
    else:
        answer = q.reference
    opts = list(q.options) + [""] * (n_options - len(q.options))
    points: Any = int(q.points) if float(q.points).is_integer() else q.points
    return [
        seq, q.id, q.type.label, q.domain, q.technology or "", q.difficulty, "、".join(q.tags),
        q.source or "", q.stem, *opts, answer,
        "|".join(";".join(k) for k in q.keywords), points, q.explanation,
    ]  # fmt: skip


def dump(questions: Sequence[Question]) -> bytes:
    n_options = max([4, *(len(q.options) for q in questions)])
    wb = _workbook([_row(i, q, n_options) for i, q in enumerate(questions, 1)], n_options)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


COLUMN_HELP: list[tuple[str, str, str]] = [
    ("序号", "否", "行号，只为方便查看，导入时不使用。"),
    (
        "编号",
        "否",
        "题目的唯一编号（字母、数字、-、_）。不填时按题目内容自动生成，同一题每次导入编号相同。",
    ),
    ("题型", "是", "单选、多选、判断、填空、简答（也可写“单选题”“单项选择题”等）。"),
    ("领域", "是", "党章党规、政策理论、实用技术。也可导入时用 --domain 统一指定。"),
    ("实用技术", "实用技术题必填", "所属实用技术，如 水稻种植、生猪养殖。其他领域不填。"),
    ("难度", "是", "简单、中等、困难（也可写 容易/一般/较难）。"),
    ("知识点", "否", "一个或几个知识点，用顿号、逗号或分号隔开。"),
    (
        "出处",
        "党章党规、政策理论必填",
        "写到条，如“党章 第七条”“《中国共产党党员教育管理工作条例》第二十条”。",
    ),
    ("题干", "是", "题目内容。填空题用 ____（三个以上下划线）或（ ）标出每个空。"),
    ("选项A…选项H", "单选、多选必填", "每列一个选项，从 A 起连续填写；判断、填空、简答题不填。"),
    (
        "正确答案",
        "是",
        "单选：B；多选：ABD 或 A,B,D 或 A、B、D；判断：正确/错误（对/错、√/×）；"
        "填空：每空之间用 | 隔开，同一空的几种写法用 ; 隔开，如 一年|两名;2名；简答：参考答案。",
    ),
    ("评分关键词", "否", "仅简答题：关键词之间用 | 隔开，同义词用 ; 隔开。"),
    ("分值", "否", "不填时：单选 2、多选 2、判断 1、填空 2、简答 5。"),
    ("解析", "是", "为什么这个答案对。党章党规、政策理论题写出依据，实用技术题讲清道理。"),
]


def _workbook(rows: list[list[Any]], n_options: int) -> Any:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from exam_tools.reports.safe import append

    wb = openpyxl.Workbook()
    ws: Any = wb.active
    ws.title = "题库"
    columns = _columns(n_options)
    append(ws, columns)
    bold = Font(bold=True, size=12)
    fill = PatternFill("solid", fgColor="FDE9D9")
    for cell in ws[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row in rows:
        append(ws, row)  # text as text: a stem starting with "=" is not a formula
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    widths = {"序号": 6, "编号": 14, "题型": 8, "领域": 10, "实用技术": 12, "难度": 8,
              "知识点": 16, "出处": 24, "题干": 48, "正确答案": 16, "评分关键词": 20,
              "分值": 6, "解析": 48}  # fmt: skip
    for i, name in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 18)
    last = max(ws.max_row, 500)
    for name, choices in (
        ("题型", "单选,多选,判断,填空,简答"),
        ("领域", "党章党规,政策理论,实用技术"),
        ("难度", "简单,中等,困难"),
    ):
        col = get_column_letter(columns.index(name) + 1)
        dv = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        dv.error = f"请从下拉列表中选择：{choices}"
        dv.errorTitle = f"{name}填写有误"
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{last}")
    help_ws = wb.create_sheet("填写说明")
    append(help_ws, ["列名", "是否必填", "填写说明"])
    for cell in help_ws[1]:
        cell.font = bold
        cell.fill = fill
    for item in COLUMN_HELP:
        append(help_ws, item)
    help_ws.append([])
    append(
        help_ws,
        [
            "提示",
            "",
            "表头必须在前 10 行内；表头上方可以有合并的标题行。"
            "写好后运行：exam-tools bank import 本文件.xlsx --output 题库.yaml",
        ],
    )
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 22
    help_ws.column_dimensions["C"].width = 90
    for row in help_ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    from exam_tools.reports.page import a4

    a4(ws, landscape=True, header_rows=1)
    a4(help_ws, header_rows=1)
    return wb


TEMPLATE_EXAMPLES: list[dict[str, Any]] = [
    {"type": QType.SINGLE, "domain": "党章党规", "difficulty": "简单", "tags": ("预备党员",),
     "source": "党章 第七条", "stem": "预备党员的预备期为（ ）。",
     "options": ("半年", "一年", "两年", "三年"), "answer": "B",
     "explanation": "党章第七条规定：“预备党员的预备期为一年。”"},
    {"type": QType.MULTIPLE, "domain": "党章党规", "difficulty": "中等", "tags": ("预备党员",),
     "source": "党章 第七条", "stem": "预备党员没有以下哪些权利？（ ）",
     "options": ("表决权", "选举权", "被选举权", "参加党的有关会议"), "answer": ("A", "B", "C"),
     "explanation": "党章第七条规定，预备党员的权利，除了没有表决权、选举权和被选举权以外，"
                    "也同正式党员一样。"},
    {"type": QType.JUDGE, "domain": "党章党规", "difficulty": "简单", "tags": ("党龄",),
     "source": "党章 第七条", "stem": "党员的党龄从支部大会通过其为预备党员之日算起。",
     "answer": False,
     "explanation": "党章第七条规定，党员的党龄从预备期满转为正式党员之日算起。"},
    {"type": QType.FILL, "domain": "党章党规", "difficulty": "中等", "tags": ("入党介绍人",),
     "source": "党章 第五条", "stem": "申请入党的人，要有____名正式党员作介绍人。",
     "answer": (("两", "2"),),
     "explanation": "党章第五条规定，申请入党的人要有两名正式党员作介绍人。"},
    {"type": QType.SHORT, "domain": "党章党规", "difficulty": "困难", "tags": ("预备党员",),
     "source": "党章 第七条", "stem": "预备党员预备期满后，党组织可以作出哪几种处理？",
     "answer": "按期转为正式党员；延长预备期（不超过一年）；取消预备党员资格。",
     "keywords": (("转为正式党员", "转正"), ("延长预备期",), ("取消预备党员资格",)),
     "explanation": "党章第七条规定了按期转正、延长预备期、取消预备党员资格三种处理，"
                    "都应当经支部大会讨论通过和上级党组织批准。"},
]  # fmt: skip


def template_questions() -> list[Question]:
    out = []
    for i, ex in enumerate(TEMPLATE_EXAMPLES, 1):
        qtype = ex["type"]
        out.append(Question(id=f"example-{i}", points=DEFAULT_POINTS[qtype], **ex))
    return out


def write_template(path: Path) -> None:
    from exam_tools.fileio import write_atomic

    rows = [_row(i, q, 6) for i, q in enumerate(template_questions(), 1)]
    for row in rows:
        row[1] = ""  # leave 编号 empty: new questions get ids on import
    wb = _workbook(rows, 6)
    buf = io.BytesIO()
    wb.save(buf)
    write_atomic(path, buf.getvalue())
