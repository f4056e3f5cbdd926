"""Random and malformed input to every importer ends in a clear error or a valid bank, never a crash.

"Clear error" means an ExamToolsError (which the CLI prints as a message); anything else escaping
would be a traceback in front of an instructor.
"""

from __future__ import annotations

import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_tools.bank.formats import ImportDefaults, import_bytes
from exam_tools.bank.load import parse_bank_text
from exam_tools.bank.validate import parse_question
from exam_tools.errors import ExamToolsError, Location

DEFAULTS = ImportDefaults(domain="实用技术", difficulty="中等", technology="水稻种植")
FORMATS = ["gift", "aiken", "moodle-xml", "jupyterquiz", "xlsx"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made mostly of each format's own syntax, so the parsers' edges are reached.
GIFT_ALPHABET = st.sampled_from(
    [*"{}=~#%:\\-> \n", "::", "####", "T", "FALSE", "题", "A", "//", "$CATEGORY:"]
)
AIKEN_ALPHABET = st.sampled_from(
    ["A. ", "B) ", "C．", "ANSWER: ", "answer:B", "\n", "题干", "A", " "]
)
XML_ALPHABET = st.sampled_from(['<quiz>', '</quiz>', '<question type="multichoice">', '<question type="cloze">',
                                '</question>', '<questiontext format="html"><text>', '</text></questiontext>',
                                '<answer fraction="100"><text>', '<answer fraction="-5">', '</text></answer>',
                                '{1:SA:=a~=b}', '<single>false</single>', '<tags><tag><text>领域:x</text></tag></tags>',
                                "&amp;", "&lt;p&gt;", "题"])  # fmt: skip


def import_any(data: bytes, fmt: str) -> None:
    try:
        result = import_bytes(data, fmt, "fuzz", DEFAULTS, skip_invalid=True)
    except ExamToolsError as exc:
        assert str(exc)
        return
    for q in result.questions:  # whatever came through is a valid (possibly draft) question
        again, problems = parse_question(q.to_dict(), lambda f: Location("x", 1), draft=True)
        assert again == q, problems


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(FORMATS))
def test_random_bytes(data: bytes, fmt: str) -> None:
    import_any(data, fmt)


@FUZZ
@given(st.lists(GIFT_ALPHABET, max_size=60).map("".join))
def test_gift_like_text(text: str) -> None:
    import_any(text.encode(), "gift")


@FUZZ
@given(st.lists(AIKEN_ALPHABET, max_size=40).map("".join))
def test_aiken_like_text(text: str) -> None:
    import_any(text.encode(), "aiken")


@FUZZ
@given(st.lists(XML_ALPHABET, max_size=30).map("".join))
def test_moodle_like_xml(text: str) -> None:
    import_any(text.encode(), "moodle-xml")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["question", "type", "answers", "answer", "correct", "feedback", "code"]),
        inner, max_size=5),
    max_leaves=20,
)  # fmt: skip


@FUZZ
@given(json_values)
def test_jupyterquiz_like_json(value: object) -> None:
    import json

    import_any(json.dumps(value).encode(), "jupyterquiz")


cell = st.none() | st.integers(-3, 300) | st.sampled_from(
    ["单选", "多选", "判断", "填空", "简答", "连线", "A", "ABD", "A、E", "√", "×", "正确", "____", "（ ）", "", " ",
     "简单", "困难", "实用技术", "党章党规", "=1+1", "a;b|c", "x" * 40])  # fmt: skip


@FUZZ
@given(st.lists(st.lists(cell, min_size=0, max_size=14), max_size=6), st.booleans())
def test_excel_rows(rows: list[list[object]], title: bool) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.append(["题库"])
    ws.append(["序号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "正确答案", "解析", "难度", "知识点",
               "领域", "实用技术", "分值"])  # fmt: skip
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    import_any(buf.getvalue(), "xlsx")


yaml_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
)
raw_question = st.dictionaries(
    st.sampled_from(["id", "type", "domain", "difficulty", "stem", "options", "answer", "explanation", "source",
                     "technology", "tags", "points", "keywords", "extra"]),
    yaml_scalars | st.lists(yaml_scalars | st.lists(yaml_scalars, max_size=3), max_size=5),
    max_size=14,
)  # fmt: skip


@FUZZ
@given(raw_question)
def test_validator_never_crashes(raw: dict[str, object]) -> None:
    q, problems = parse_question(raw, lambda f: Location("x.yaml", 1))
    assert (q is None) == any(p.severity == "error" for p in problems)
    if q is not None:
        assert parse_question(q.to_dict(), lambda f: Location("x.yaml", 1))[0] == q


@FUZZ
@given(st.text(max_size=200))
def test_yaml_text_never_crashes(text: str) -> None:
    parse_bank_text(text, "f.yaml")


# ---- GIFT: an unclosed "{" is an error at its line and swallows nothing -------------------------

GIFT_WORDS = st.text(alphabet="党员预备期一年两年组织生活会学习", min_size=1, max_size=8)


@st.composite
def gift_questions(draw: st.DrawFn) -> list[tuple[str, list[str], bool]]:
    """Questions as (stem, options with the right one first, answers on separate lines)."""
    n = draw(st.integers(1, 6))
    return [
        (
            draw(GIFT_WORDS),
            draw(st.lists(GIFT_WORDS, min_size=2, max_size=4, unique=True)),
            draw(st.booleans()),
        )
        for _ in range(n)
    ]


def gift_text(questions: list[tuple[str, list[str], bool]], broken: int | None) -> tuple[str, int]:
    """The file, and the line of question ``broken``'s "{" (its "}" left out)."""
    lines: list[str] = []
    brace_line = 0
    for k, (stem, options, multiline) in enumerate(questions):
        lines.append(f"// [id:q{k}]")
        answers = [f"={options[0]}", *(f"~{o}" for o in options[1:])]
        close = "" if k == broken else "}"
        if k == broken:
            brace_line = len(lines) + 1
        if multiline:
            lines += [f"{stem} {{", *(f"\t{a}" for a in answers)] + ([close] if close else [])
        else:
            lines.append(f"{stem} {{{' '.join(answers)}{close}")
        lines.append("")
    return "\n".join(lines), brace_line


@FUZZ
@given(gift_questions(), st.data())
def test_an_unclosed_gift_brace_is_located_and_swallows_no_other_question(
    questions: list[tuple[str, list[str], bool]], data: st.DataObject
) -> None:
    from exam_tools.bank.formats.gift import read

    broken = data.draw(st.integers(0, len(questions) - 1))
    text, brace_line = gift_text(questions, broken)
    raws, problems = read(text.encode(), "q.gift")
    assert [(p.location.line, p.qid, p.message) for p in problems] == [
        (brace_line, f"q{broken}",
         f"GIFT 格式错误：第 {brace_line} 行的“{{”没有对应的“}}”（答案部分缺少右括号）"),
    ]  # fmt: skip
    kept = [(q, k) for k, q in enumerate(questions) if k != broken]
    assert [r.data["id"] for r in raws] == [f"q{k}" for _, k in kept]
    for raw, ((stem, options, _), _) in zip(raws, kept, strict=True):
        assert raw.data["stem"] == stem  # nothing of another question in it
        assert raw.data["options"] == options
    whole, no_problems = read(gift_text(questions, None)[0].encode(), "q.gift")
    assert no_problems == [] and len(whole) == len(questions)


def test_an_unclosed_gift_brace_fails_the_import_with_its_line() -> None:
    text = (
        "// [id:q1]\n党的最高领导机关是 {\n=党的全国代表大会\n~中央委员会\n\n"
        "// [id:q2]\n预备期为 {\n=一年\n~两年\n}\n\n"
        "// [id:q3]\n入党誓词要宣读 {T}\n\n// [id:q4]\n党费 {=按月交纳 ~按年交纳}\n"
    )
    try:
        import_bytes(text.encode(), "gift", "u.gift", DEFAULTS)
    except ExamToolsError as exc:
        assert "u.gift:2: q1: -: GIFT 格式错误：第 2 行的“{”没有对应的“}”" in str(exc)
    else:
        raise AssertionError("an unclosed brace was imported")
    result = import_bytes(text.encode(), "gift", "u.gift", DEFAULTS, skip_invalid=True)
    assert [q.id for q in result.questions] == ["q2", "q3", "q4"]
