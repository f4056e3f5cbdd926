"""Pool warnings: an exam pool under 3 times its paper, a practice that is mostly the exam; and
questions awaiting review (review: pending) left out of exams as 案例 questions are."""

from __future__ import annotations

from typing import Any

import pytest

from exam_tools.bank.model import Question
from exam_tools.bank.validate import parse_question
from exam_tools.course.coverage import coverage_problems, rule_pools
from exam_tools.course.load import parse_course
from exam_tools.course.model import Course
from exam_tools.course.paper import build_paper
from exam_tools.errors import Location, PaperError


def question(qid: str, qtype: str = "judge", **extra: Any) -> Question:
    raw: dict[str, Any] = {
        "id": qid,
        "type": qtype,
        "domain": "实用技术",
        "technology": "水稻种植",
        "difficulty": "简单",
        "stem": f"第 {qid} 题的说法正确。",
        "answer": True,
        "explanation": "测试用题目的解析。",
        **extra,
    }
    if qtype == "single":
        raw.update(options=["甲", "乙"], answer="A")
    q, problems = parse_question(raw, lambda f: Location("t.yaml", 1))
    assert q is not None, problems
    return q


def course(rules: str, practice: str = "") -> Course:
    text = f"""\
title: 测试课程
category: 党章党规
lessons:
  - {{notebook: 01.ipynb, title: 第一课, hours: 1}}
assessments:
  - id: exam
    title: 认证考试
    mode: exam
    rules:
{rules}"""
    if practice:
        text += f"""\
  - id: practice
    title: 课后练习
    mode: practice
    rules:
{practice}"""
    c, problems = parse_course(text, "c/course.yaml", "c")
    assert c is not None, [str(p) for p in problems]
    return c


def judges(n: int, prefix: str = "j", **extra: Any) -> list[Question]:
    return [question(f"{prefix}{i:02d}", **extra) for i in range(n)]


def test_a_pool_three_times_the_paper_is_enough_one_less_warns() -> None:
    c = course("      - {type: judge, count: 4}\n")
    assert coverage_problems(c, judges(12)) == []
    [warning] = coverage_problems(c, judges(11))
    assert warning.severity == "warning"
    assert str(warning).startswith("c/course.yaml:10: exam 第1条规则: pool: 警告：")
    assert "每卷抽 4 道，可抽的题只有 11 道" in warning.message and "至少 12 道" in warning.message


def test_earlier_rules_take_their_questions_first() -> None:
    """Rule 2 draws from all 14 judges, but rule 1 may already have taken 4 of them."""
    c = course("      - {type: judge, count: 4}\n      - {count: 4}\n")
    bank = judges(14)
    assert rule_pools(c.assessment("exam"), bank) == [(14, 0), (10, 4)]
    [warning] = coverage_problems(c, bank)
    assert warning.qid == "exam 第2条规则"
    assert "已除去前面规则可能抽走的 4 道" in warning.message
    assert coverage_problems(c, judges(16)) == []


def test_case_questions_do_not_count_in_an_exam_pool_unless_the_rule_includes_them() -> None:
    bank = judges(6) + judges(6, "k", tags=["案例"])
    assert len(coverage_problems(course("      - {type: judge, count: 4}\n"), bank)) == 1
    included = course("      - {type: judge, count: 4, case: include}\n")
    assert coverage_problems(included, bank) == []


def test_a_practice_mostly_made_of_the_exam_pool_warns() -> None:
    # exam: the judges; practice: the judges and the single-choice questions
    singles = [question(f"s{i:02d}", "single") for i in range(10)]
    c = course("      - {type: judge, count: 3}\n", "      - {count: 5}\n")
    [warning] = coverage_problems(c, judges(11) + singles)  # 11 of 21 shared: more than half
    assert warning.qid == "practice"
    assert "可抽的 21 道题中有 11 道也是考试“认证考试”可抽的题" in warning.message
    assert coverage_problems(c, judges(10) + singles) == []  # 10 of 20: half is allowed


def test_pending_questions_stay_out_of_exams_and_in_practice() -> None:
    note = {"review": "pending", "note": "所依据的细则已修订，待对照新文本复核"}
    bank = judges(3) + judges(5, "p", **note)
    c = course("      - {type: judge, count: 3}\n", "      - {count: 8}\n")
    exam, practice = c.assessment("exam"), c.assessment("practice")
    for seed in range(5):
        drawn = {i.qid for i in build_paper(bank, c, exam, seed=seed).items}
        assert drawn == {"j00", "j01", "j02"}
    assert len(build_paper(bank, c, practice).items) == 8  # practice draws them
    four = course("      - {type: judge, count: 4}\n")
    with pytest.raises(PaperError) as exc:
        build_paper(bank, four, four.assessment("exam"))
    assert "另有 5 道待复核题考试默认不抽" in str(exc.value)
    asked = course("      - {type: judge, count: 8, review: include}\n")
    assert len(build_paper(bank, asked, asked.assessment("exam")).items) == 8


def test_unknown_review_filter_is_reported() -> None:
    text = "title: t\ncategory: 党章党规\nlessons: []\nassessments:\n  - id: e\n    title: e\n"
    text += "    mode: exam\n    rules:\n      - {count: 1, review: maybe}\n"
    _c, problems = parse_course(text, "c/course.yaml", "c")
    assert any("未知的待复核题选项“maybe”" in str(p) for p in problems)


def test_a_keyless_spec_keeps_pending_questions_only_where_the_rules_include_them() -> None:
    """A member's kernel draws its own paper from the spec: the rules and flags travel with it."""
    import json

    from exam_tools.course.pool import ExamSpec, exam_spec

    note = {"review": "pending", "note": "所依据的细则已修订，待对照新文本复核"}
    bank = judges(3) + judges(2, "p", **note)
    c = course("      - {type: judge, count: 3}\n", "      - {count: 5}\n")
    for aid, expected in (("exam", {"j00", "j01", "j02"}), ("practice", {q.id for q in bank})):
        spec = ExamSpec.from_dict(json.loads(exam_spec(bank, c, c.assessment(aid), seed=1)))
        assert {q.id for q in spec.questions} == expected
        drawn = build_paper(spec.questions, spec.course, spec.assessment, seed=1)
        assert {i.qid for i in drawn.items} == expected
