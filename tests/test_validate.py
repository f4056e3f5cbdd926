"""The question format's rules, as `bank check` reports them: path:line: id: field: message."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exam_tools.bank.load import check_questions, parse_bank_text
from exam_tools.bank.model import QType
from exam_tools.bank.validate import parse_question
from exam_tools.errors import Location

GOOD = """\
- id: q1
  type: single
  domain: 党章党规
  difficulty: 简单
  source: 党章 第七条
  stem: 预备党员的预备期为（ ）。
  options: [半年, 一年, 两年, 三年]
  answer: B
  explanation: 党章第七条规定，预备期为一年。
"""


def problems_of(text: str) -> list[str]:
    _, problems = parse_bank_text(textwrap.dedent(text), "b.yaml")
    return [str(p) for p in problems]


def edit(**changes: str) -> str:
    """GOOD with some lines replaced: edit(answer="  answer: E")."""
    lines = GOOD.splitlines()
    for key, new in changes.items():
        idx = next(
            i for i, line in enumerate(lines) if line.strip().lstrip("- ").startswith(f"{key}:")
        )
        lines[idx] = new
    return "\n".join(lines) + "\n"


def test_good_question_parses_to_the_model() -> None:
    questions, problems = parse_bank_text(GOOD, "b.yaml")
    assert problems == []
    (q,) = questions
    assert (q.id, q.type, q.answer, q.points) == ("q1", QType.SINGLE, "B", 2)
    assert q.options == ("半年", "一年", "两年", "三年")
    assert str(q.origin) == "b.yaml:1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            edit(answer="  answer: E"),
            "b.yaml:8: q1: answer: 答案“E”不对应任何选项（本题选项为 A、B、C、D）",
        ),
        (
            edit(options="  options: [半年, 一年, 一年, 三年]"),
            "b.yaml:7: q1: options: 选项 C 与选项 B 重复：“一年”",
        ),
        (
            edit(options="  options: [半年, '', 两年]"),
            "b.yaml:7: q1: options: 选项 B 为空或不是文字",
        ),
        (edit(stem="  stem: '  '"), "b.yaml:6: q1: stem: 不能为空"),
        (
            edit(source="  # no source"),
            # a warning: an instructor's own bank without 出处 still loads (strict fails on it)
            "b.yaml:1: q1: source: 警告：党章党规题必须注明出处（如“党章 第七条”）",
        ),
        (edit(explanation="  explanation: ''"), "b.yaml:9: q1: explanation: 不能为空"),
        (
            edit(explanation="  explaination: 拼错了"),
            "b.yaml:9: q1: explaination: 未知字段“explaination”；是不是想写“explanation”？",
        ),
        (
            edit(difficulty="  difficulty: 难"),
            "b.yaml:4: q1: difficulty: 未知难度“难”，应为 简单、中等、困难 之一；是不是想写“困难”？",
        ),
        (edit(type="  type: 单选"), "b.yaml:2: q1: type: 未知题型“单选”"),
        (edit(id="- id: 第一题"), "b.yaml:1: 第一题: id: 编号只能由字母、数字、-、_、. 组成"),
        (
            edit(answer="  answer: [A, B]"),
            "b.yaml:8: q1: answer: 单选题只能有一个正确答案，实际给了 2 个",
        ),
    ],
)
def test_each_rule_reports_line_id_and_field(text: str, expected: str) -> None:
    found = problems_of(text)
    assert any(p.startswith(expected) for p in found), found


def test_multiple_needs_two_correct_options() -> None:
    text = edit(type="  type: multiple", answer="  answer: [B]")
    assert (
        "b.yaml:8: q1: answer: 多选题至少要有两个正确选项；只有一个正确选项请改为单选题"
        in problems_of(text)
    )


def test_multiple_accepts_letter_strings() -> None:
    questions, _ = parse_bank_text(edit(type="  type: multiple", answer="  answer: BD"), "b.yaml")
    assert questions[0].answer == ("B", "D")


@pytest.mark.parametrize("answer", ["正确", "'true'", "1", "[true]"])
def test_judge_answer_must_be_true_or_false(answer: str) -> None:
    text = f"""\
    - id: j
      type: judge
      domain: 实用技术
      technology: 水稻种植
      difficulty: 简单
      stem: 晒种能提高发芽势。
      answer: {answer}
      explanation: 晒种促进后熟。
    """
    assert any(
        "j: answer: 判断题答案应为 true（正确）或 false（错误）" in p for p in problems_of(text)
    )


FILL = """\
- id: f
  type: fill
  domain: 实用技术
  technology: 水稻种植
  difficulty: 简单
  stem: {stem}
  answer: [壮秧]
  explanation: 说明。
"""


def test_fill_blank_count_must_match_answers() -> None:
    text = FILL.format(stem="水稻育秧要做到____、____。")
    assert "b.yaml:7: f: answer: 题干有 2 个空，答案却给了 1 项（每个空一项）" in problems_of(text)


def test_fill_without_blank_in_stem() -> None:
    text = FILL.format(stem="水稻育秧要做到什么。")
    assert any("f: stem: 填空题的题干中没有空" in p for p in problems_of(text))


def test_fill_blanks_are_normalised_and_alternatives_kept() -> None:
    text = """\
    - id: f
      type: fill
      domain: 党章党规
      source: 党章 第五条
      difficulty: 简单
      stem: 要有（ ）名正式党员作介绍人，经过______批准。
      answer: [[两, 2], 上级党组织]
      explanation: 党章第五条。
    """
    (q,), problems = parse_bank_text(textwrap.dedent(text), "b.yaml")
    assert problems == []
    assert q.stem == "要有____名正式党员作介绍人，经过____批准。"
    assert q.blanks == (("两", "2"), ("上级党组织",))


def test_technology_rules_by_domain() -> None:
    tech_missing = edit(domain="  domain: 实用技术", source="  difficulty: 简单")
    assert any("q1: technology: 实用技术题必须填写所属技术" in p for p in problems_of(tech_missing))
    stray = GOOD + "  technology: 水稻种植\n"
    assert any("q1: technology: 只有实用技术题填写 technology" in p for p in problems_of(stray))


def test_options_on_a_judge_question_are_reported() -> None:
    text = edit(type="  type: judge", answer="  answer: true")
    assert "b.yaml:7: q1: options: 判断题不需要选项" in problems_of(text)


def test_yaml_syntax_error_names_the_line() -> None:
    found = problems_of("- id: a\n  stem: [unclosed\n  type: single\n")
    assert len(found) == 1 and found[0].startswith("b.yaml:3: -: -: YAML 格式错误")


def test_top_level_must_be_a_list() -> None:
    assert problems_of("id: a\ntype: single\n") == [
        "b.yaml:1: -: -: 题库文件的顶层应是题目列表（每道题以“- id: …”开头）"
    ]


def test_duplicate_key_in_one_question() -> None:
    text = GOOD + "  answer: C\n"
    assert "b.yaml:10: q1: answer: 字段 answer 在本题中写了两次" in problems_of(text)


def test_all_problems_of_a_question_are_reported_at_once() -> None:
    text = edit(answer="  answer: E", difficulty="  difficulty: x", source="  sorce: 党章")
    found = problems_of(text)
    assert {p.split(": ")[2] for p in found} >= {"answer", "difficulty", "sorce", "source"}


def test_duplicate_ids_name_both_places() -> None:
    q1, _ = parse_bank_text(GOOD, "a.yaml")
    q2, _ = parse_bank_text(GOOD.replace("预备期为", "预备期是"), "b.yaml")
    unique, problems = check_questions(q1 + q2)
    assert len(unique) == 1
    assert [str(p) for p in problems if p.severity == "error"] == [
        "b.yaml:1: q1: id: 编号重复：a.yaml:1 已经使用了这个编号"
    ]


def test_near_duplicate_stems_warn_but_do_not_fail() -> None:
    q1, _ = parse_bank_text(GOOD, "a.yaml")
    changed = GOOD.replace("id: q1", "id: q2").replace("预备党员的预备期为", "预备党员的预备期是")
    q2, _ = parse_bank_text(changed, "b.yaml")
    different = GOOD.replace("id: q1", "id: q3").replace("预备党员的预备期为", "入党介绍人应有几名")
    q3, _ = parse_bank_text(different, "c.yaml")
    _, problems = check_questions(q1 + q2 + q3)
    assert [p.severity for p in problems] == ["warning"]
    assert str(problems[0]).startswith("b.yaml:1: q2: stem: 警告：与 a.yaml:1（q1）的题目几乎相同")


def test_canonical_dict_parses_back_to_the_same_question(sample_questions) -> None:  # type: ignore[no-untyped-def]
    from exam_tools.bank.yamlio import dump_questions

    text = dump_questions([q.to_dict() for q in sample_questions])
    again, problems = parse_bank_text(text, "again.yaml")
    assert problems == []
    assert again == sample_questions


# ---- answers typed with a Chinese input method --------------------------------------------------


def full_width(text: str) -> str:
    """ASCII as a Chinese input method in full-width mode types it: A -> Ａ, ',' -> '，'."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# full-width Chinese punctuation in the stem and options is right and must stay as typed
STEM = "下列属于党员义务的有（　）。"
OPTIONS = ["认真学习马克思列宁主义、毛泽东思想，学习党的路线、方针、政策", "密切联系群众",
           "参加党的有关会议（含党小组会）", "对党的工作提出建议：１条以上"]  # fmt: skip


@st.composite
def typed_letters(draw: st.DrawFn, letters: list[str]) -> str:
    """The letters as an instructor may type them: either width, either case, any separator."""
    seps = st.sampled_from(["", ",", "，", "、", ";", "；", " ", "\u3000", full_width(",")])
    out = []
    for i, letter in enumerate(letters):
        if i:
            out.append(draw(seps))
        case = draw(st.sampled_from([letter, letter.lower()]))
        out.append(draw(st.sampled_from([case, full_width(case)])))
    padding = st.sampled_from(["", " ", "\u3000"])
    return draw(padding) + "".join(out) + draw(padding)


@given(data=st.data(), letters=st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4,
                                        unique=True))  # fmt: skip
def test_full_width_answer_letters_are_the_letters(data: st.DataObject, letters: list[str]) -> None:
    qtype = "single" if len(letters) == 1 else "multiple"
    typed = data.draw(typed_letters(letters))
    as_list = data.draw(st.booleans())
    answer: object = [data.draw(typed_letters([x])) for x in letters] if as_list else typed
    raw = {"id": "q1", "type": qtype, "domain": "党章党规", "difficulty": "简单",
           "source": "党章 第三条", "stem": STEM, "options": OPTIONS, "answer": answer,
           "explanation": "党章第三条规定了党员的八项义务。"}  # fmt: skip
    q, problems = parse_question(raw, lambda fld: Location("t.yaml"))
    assert problems == []
    assert q is not None
    assert q.answer == (letters[0] if qtype == "single" else tuple(sorted(letters)))
    assert (q.stem, list(q.options)) == (STEM, OPTIONS)


@pytest.mark.parametrize("answer", ["Ｅ", "Ａ，Ｅ", "Ｂ．"])
def test_full_width_letters_outside_the_options_are_still_errors(answer: str) -> None:
    raw = {"id": "q1", "type": "multiple", "domain": "党章党规", "difficulty": "简单",
           "source": "党章 第三条", "stem": STEM, "options": OPTIONS, "answer": answer,
           "explanation": "略"}  # fmt: skip
    q, problems = parse_question(raw, lambda fld: Location("t.yaml"))
    assert q is None and [p.field for p in problems] == ["answer"]
