"""Keeping cited facts current: source warnings, review dates, and 案例 questions in draws."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from exam_tools.bank.load import check_bank, parse_bank_text
from exam_tools.bank.model import Bank, Question
from exam_tools.course.load import parse_course
from exam_tools.course.model import Assessment, Course, DrawRule, Mode
from exam_tools.course.paper import draw_questions
from exam_tools.course.pool import ExamSpec, exam_spec

TODAY = date(2026, 11, 30)


def question(qid: str, domain: str, source: str, extra: str = "") -> str:
    return f"""\
- id: {qid}
  type: judge
  domain: {domain}
  difficulty: 简单
  source: "{source}"
  stem: 题干{qid}，判断对错。
  answer: true
  explanation: 解析写明依据。
{extra}"""


def warnings_of(tmp_path: Path, text: str, today: date = TODAY) -> list[str]:
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    result = check_bank(tmp_path, similar=False, today=today)
    assert result.errors == []
    return [f"{p.qid}:{p.field}" for p in result.warnings]


# ---- sources without an article ------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "source"),
    [
        ("党章党规", "党章"),
        ("党章党规", "《中国共产党支部工作条例（试行）》第六章"),
        ("政策理论", "《中国共产党农村基层组织工作条例》（2019年）"),
        ("政策理论", "《中华人民共和国村民委员会组织法》"),
        ("政策理论", "《中国共产党发展党员工作细则》第二章"),
    ],
)
def test_a_source_without_its_article_is_warned(tmp_path: Path, domain: str, source: str) -> None:
    assert warnings_of(tmp_path, question("q1", domain, source)) == ["q1:source"]


@pytest.mark.parametrize(
    ("domain", "source"),
    [
        ("党章党规", "党章 第七条"),
        ("党章党规", "党章 总纲"),
        ("政策理论", "《中华人民共和国村民委员会组织法》第二条"),
        ("政策理论", "《中华人民共和国乡村振兴促进法》题注"),
        ("政策理论", "《浅谈新形势下如何做好基层党建工作》（云竹镇）"),  # a report: no articles
        ("政策理论", "《关于加强和改进乡村治理的指导意见》（2019年）"),  # an 意见: no articles
        ("政策理论", "党的十九大报告 第五部分（三）实施乡村振兴战略"),
    ],
)
def test_a_precise_source_or_one_without_articles_is_not_warned(
    tmp_path: Path, domain: str, source: str
) -> None:
    assert warnings_of(tmp_path, question("q1", domain, source)) == []


def test_a_reviewer_note_on_an_unconfirmable_article_silences_the_warning(tmp_path: Path) -> None:
    noted = "  reviewed: 2026-11-30\n  note: 现行文本未能取得，条文号待核对。\n"
    source = "《中国共产党农村基层组织工作条例》（2019年）"
    assert warnings_of(tmp_path, question("q1", "政策理论", source, noted)) == []
    # a note without the review date is not enough
    only_note = "  note: 条文号待核对。\n"
    assert warnings_of(tmp_path, question("q1", "政策理论", source, only_note)) == ["q1:source"]


# ---- review dates --------------------------------------------------------------------------


def test_review_every_warns_on_missing_and_overdue_reviews_only(tmp_path: Path) -> None:
    text = "# 专题\n# review_every: 12\n\n" + "".join(
        [
            question("fresh", "党章党规", "党章 第七条", "  reviewed: 2026-01-15\n"),
            question("old", "党章党规", "党章 第七条", "  reviewed: 2025-11-29\n"),
            question("never", "党章党规", "党章 第七条"),
        ]
    )
    assert warnings_of(tmp_path, text) == ["old:reviewed", "never:reviewed"]
    # a year later the fresh one is due too
    assert "fresh:reviewed" in warnings_of(tmp_path, text, date(2027, 1, 16))


def test_without_review_every_no_review_is_required(tmp_path: Path) -> None:
    text = question("q1", "党章党规", "党章 第七条", "  reviewed: 2000-01-01\n")
    assert warnings_of(tmp_path, "# 专题\n" + text) == []


def test_review_every_counts_only_in_the_header(tmp_path: Path) -> None:
    text = question("q1", "党章党规", "党章 第七条") + "# review_every: 12\n"
    assert warnings_of(tmp_path, text) == []


@pytest.mark.parametrize("bad", ["2026-13-01", "2026/11/30", "去年"])
def test_a_malformed_review_date_is_an_error_naming_the_field(bad: str) -> None:
    text = question("q1", "党章党规", "党章 第七条", f'  reviewed: "{bad}"\n')
    questions, problems = parse_bank_text(text, "b.yaml")
    assert questions == []
    assert [(p.qid, p.field, p.severity) for p in problems] == [("q1", "reviewed", "error")]
    assert "2026-11-30" in problems[0].message


def test_review_fields_survive_the_canonical_form() -> None:
    text = question("q1", "党章党规", "党章 第七条", "  reviewed: 2026-11-30\n  note: 已核对。\n")
    [q], _ = parse_bank_text(text, "b.yaml")
    assert (q.reviewed, q.note) == ("2026-11-30", "已核对。")
    d = q.to_dict()
    assert (d["reviewed"], d["note"]) == ("2026-11-30", "已核对。")


# ---- 案例 questions in draws ----------------------------------------------------------------


def bank_with_cases() -> list[Question]:
    text = "".join(
        question(f"n{i}", "政策理论", "《某报告》", "  tags: [四议两公开]\n") for i in range(3)
    ) + "".join(
        question(f"c{i}", "政策理论", "《某报告》", "  tags: [四议两公开, 案例]\n")
        for i in range(2)
    )
    questions, problems = parse_bank_text(text, "b.yaml")
    assert not problems
    return questions


COURSE = Course(id="c", title="课", category="政策法规", lessons=(), assessments=())


def drawn(rule: DrawRule) -> set[str]:
    a = Assessment(id="a", title="考", mode=Mode.EXAM, rules=(rule,))
    return {q.id for q, _ in draw_questions(bank_with_cases(), COURSE, a, member=None, seed=1)}


def test_a_rule_leaves_case_questions_out_by_default() -> None:
    rule = DrawRule(count=3, tags=("四议两公开",))
    assert drawn(rule) == {"n0", "n1", "n2"}
    assert [q.id for q in rule.select(bank_with_cases())] == ["n0", "n1", "n2"]


def test_a_rule_draws_case_questions_only_when_it_asks() -> None:
    assert drawn(DrawRule(count=5, tags=("四议两公开",), case="include")) == {
        "n0", "n1", "n2", "c0", "c1",
    }  # fmt: skip
    assert drawn(DrawRule(count=2, case="only")) == {"c0", "c1"}
    for rule in (
        DrawRule(count=1, case="only"),
        DrawRule(count=1),
        DrawRule(count=1, case="include"),
    ):
        assert rule.select(bank_with_cases()) == [q for q in bank_with_cases() if rule.matches(q)]


def test_course_yaml_rules_take_a_case_filter_and_reject_unknown_values() -> None:
    text = """\
title: 课
category: 政策法规
audience: [全体党员]
lessons:
  - {notebook: 01.ipynb, title: 第一课, hours: 1}
assessments:
  - id: practice
    title: 练习
    mode: practice
    rules:
      - {tags: [四议两公开], case: include, count: 5}
  - id: exam
    title: 考试
    mode: exam
    rules:
      - {tags: [四议两公开], count: 3}
"""
    course, problems = parse_course(text, "c/course.yaml", "c")
    assert course is not None, [str(p) for p in problems]
    assert [r.case for a in course.assessments for r in a.rules] == ["include", "exclude"]
    _, problems = parse_course(text.replace("case: include", "case: 全部"), "c/course.yaml", "c")
    assert [p.field for p in problems if p.severity == "error"] == ["case"]


def test_the_keyless_exam_spec_keeps_the_case_filter_for_member_side_draws() -> None:
    rules = (DrawRule(count=2, case="only"), DrawRule(count=3))
    a = Assessment(id="a", title="考", mode=Mode.EXAM, rules=rules)
    import json

    spec = ExamSpec.from_dict(json.loads(exam_spec(bank_with_cases(), COURSE, a, seed=1)))
    assert [r.case for r in spec.assessment.rules] == ["only", "exclude"]
    member_side = draw_questions(spec.questions, COURSE, spec.assessment, member=None, seed=1)
    assert sorted(q.id for q, _ in member_side) == ["c0", "c1", "n0", "n1", "n2"]


def test_topic_practice_includes_case_questions(bank: Bank) -> None:
    """Practice by knowledge point is practice: a topic asked only by 案例 questions still opens."""
    from exam_tools.quiz.exercises import open_topic_practice

    app = open_topic_practice(tags=["风险评估"], member="m001", seed=1, bank=bank)
    qids = [item.qid for item in app.paper.items]
    assert qids and all(bank[qid].case for qid in qids)


def test_the_json_schema_knows_the_review_fields() -> None:
    import jsonschema

    from exam_tools.bank.schema import schema

    validator = jsonschema.Draft202012Validator(schema())
    base = {"id": "q1", "type": "judge", "domain": "党章党规", "difficulty": "简单",
            "source": "党章 第七条", "stem": "题干。", "answer": True, "explanation": "解析。"}  # fmt: skip
    assert validator.is_valid([{**base, "reviewed": "2026-11-30", "note": "已核对。"}])
    assert not validator.is_valid([{**base, "reviewed": "2026/11/30"}])
    assert not validator.is_valid([{**base, "note": ""}])
    assert not validator.is_valid([{**base, "reviewd": "2026-11-30"}])  # a typo is flagged


def test_a_rule_asking_for_the_case_tag_draws_case_questions() -> None:
    assert drawn(DrawRule(count=2, tags=("案例",))) == {"c0", "c1"}


def test_a_short_rule_says_case_questions_were_left_out() -> None:
    from exam_tools.errors import PaperError

    a = Assessment(
        id="a", title="考", mode=Mode.EXAM, rules=(DrawRule(count=4, tags=("四议两公开",)),)
    )
    with pytest.raises(PaperError) as info:
        draw_questions(bank_with_cases(), COURSE, a, member=None, seed=1)
    message = info.value.problems[0].message
    assert (
        "只有 3 道符合" in message and "另有 2 道案例题" in message and "case: include" in message
    )
