"""Courses, draw rules, papers and keys: what instructors write and what members receive."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exam_tools.bank.model import LETTERS, Bank, QType, Question
from exam_tools.course.key import MultipleRule, answer_key, score_item
from exam_tools.course.load import (
    check_against_bank,
    check_courses,
    load_course,
    parse_course,
    read_course,
)
from exam_tools.course.model import DrawRule
from exam_tools.course.paper import Paper, build_paper
from exam_tools.errors import CourseError, PaperError

from .conftest import DATA

COURSES = DATA / "courses"

GOOD = """\
title: 课程
category: 党章党规
audience: [全体党员]
lessons:
  - {notebook: 01.ipynb, title: 第一课, hours: 1.5}
assessments:
  - id: quiz
    title: 小测
    mode: exam
    rules:
      - {domain: 党章党规, count: 3}
"""


def problems_of(text: str) -> list[str]:
    _course, problems = parse_course(text, "c/course.yaml", "c")
    return [str(p) for p in problems]


def test_a_good_course_parses_with_its_hours_and_defaults() -> None:
    course, problems = parse_course(GOOD, "c/course.yaml", "c")
    assert problems == []
    assert course is not None
    assert course.hours == 1.5
    quiz = course.assessment("quiz")
    assert (quiz.pass_percent, quiz.attempts, quiz.time_limit) == (60.0, 1, None)
    assert quiz.shuffle_questions and quiz.shuffle_options and not quiz.variants


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("hours: 1.5", "hours: 0"), "c/course.yaml:5: 第1课: hours: 应为正数，现在是“0”"),
        (("hours: 1.5", "hours: -2"), "hours: 应为正数"),
        (
            ("category: 党章党规", "category: 党章党纪"),
            "未知类别“党章党纪”，应为 政治理论、党章党规",
        ),
        (("[全体党员]", "[老党员]"), "audience: 未知党员类别“老党员”"),
        (("mode: exam", "mode: test"), "quiz: mode: 未知方式“test”"),
        (("count: 3", "count: 2.5"), "quiz 第1条规则: count: 应为正整数"),
        (("domain: 党章党规, count", "domain: 党规, count"), "domain: 未知领域“党规”"),
        (("title: 小测", "titel: 小测"), "quiz: titel: 未知字段“titel”，是不是“title”？"),
        (("category: 党章党规", "category: 实用技术"), "technology: 实用技术课程要写明认证的技术"),
    ],
)
def test_course_errors_name_line_place_and_field(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    found = problems_of(text)
    assert any(expected in p for p in found), found


def test_a_yaml_syntax_error_names_its_line() -> None:
    found = problems_of(GOOD.replace("lessons:", "lessons: [", 1))
    assert len(found) == 1 and found[0].startswith("c/course.yaml:") and "YAML" in found[0]


def test_missing_notebooks_and_unlisted_notebooks_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "course.yaml").write_text(GOOD, encoding="utf-8")
    (folder / "extra.ipynb").write_text("{}", encoding="utf-8")
    course, problems = read_course(folder)
    assert course is None
    texts = [str(p) for p in problems]
    assert any("找不到第“第一课”课的笔记本 01.ipynb" in t for t in texts), texts
    assert any("extra.ipynb" in t and "警告" in t for t in texts), texts


def test_unknown_technology_and_tag_are_checked_against_the_bank(bank: Bank) -> None:
    text = GOOD.replace(
        "{domain: 党章党规, count: 3}", "{technology: 水稻种值, tags: [浸种催芽, 育苗期], count: 1}"
    )
    course, problems = parse_course(text, "c/course.yaml", "c")
    assert course is not None and not problems
    found = [str(p) for p in check_against_bank(course, bank)]
    assert any("题库中没有技术“水稻种值”，是不是“水稻种植”？" in t for t in found), found
    assert any("题库中没有知识点“育苗期”" in t for t in found), found
    assert not any("浸种催芽" in t for t in found)


def test_an_unsatisfiable_rule_names_rule_needed_and_matching(bank: Bank) -> None:
    matching = sum(1 for q in bank if q.technology == "水稻种植" and q.type is QType.FILL)
    text = GOOD.replace(
        "{domain: 党章党规, count: 3}", "{technology: 水稻种植, type: fill, count: 9}"
    )
    course, _ = parse_course(text, "c/course.yaml", "c")
    assert course is not None
    with pytest.raises(PaperError) as info:
        build_paper(bank, course, course.assessment("quiz"))
    message = str(info.value)
    assert "c/course.yaml:11: c/quiz 第1条规则: count: " in message and "quiz 第1条规则" in message
    assert f"需要 9 道题，题库中只有 {matching} 道符合" in message
    assert "技术=水稻种植，题型=填空" in message


def test_questions_taken_by_an_earlier_rule_are_explained(bank: Bank) -> None:
    n = sum(1 for q in bank if q.technology == "水稻种植")
    rules = f"{{technology: 水稻种植, count: 10}}\n      - {{technology: 水稻种植, count: {n - 5}}}"
    text = GOOD.replace("{domain: 党章党规, count: 3}", rules)
    course, _ = parse_course(text, "c/course.yaml", "c")
    assert course is not None
    with pytest.raises(PaperError, match="其中 10 道已被前面的规则抽走"):
        build_paper(bank, course, course.assessment("quiz"))


@pytest.mark.parametrize(
    "rule",
    [
        DrawRule(count=1, domain="党章党规", difficulty=("简单", "困难")),
        DrawRule(count=1, technology="水稻种植", type=QType.JUDGE),
        DrawRule(count=1, tags=("四议两公开", "预备党员")),
        DrawRule(count=1, source=("党章", "支部工作条例"), type=QType.FILL),
        DrawRule(count=1),
    ],
    ids=lambda r: r.describe(),
)
def test_fast_selection_agrees_with_matching(bank: Bank, rule: DrawRule) -> None:
    questions = list(bank)
    selected = rule.select(questions)
    assert selected == [q for q in questions if rule.matches(q)]
    assert selected


def test_the_test_course_checks_clean(bank: Bank) -> None:
    result = check_courses(COURSES, bank)
    assert [str(p) for p in result.problems] == []
    assert [c.id for c in result.courses] == ["rice"]


def test_load_course_by_id_suggests_known_ids() -> None:
    assert load_course("rice", COURSES).technology == "水稻种植"
    with pytest.raises(CourseError, match=r"找不到课程“ricee”.*是不是“rice”"):
        load_course("ricee", COURSES)


# ---- papers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rice() -> object:
    return load_course("rice", COURSES)


def test_same_inputs_give_the_same_paper(bank: Bank, rice) -> None:
    cert = rice.assessment("cert")
    a = build_paper(bank, rice, cert, member="m001", seed=3)
    b = build_paper(Bank.of(list(reversed(list(bank)))), rice, cert, member="m001", seed=3)
    assert a == b
    assert a.to_json() == b.to_json()
    assert len(a) == cert.size == 10
    assert a.total_points == 4 * 5 + 2 * 2 + 2 * 1 + 2 + 5


def test_variants_differ_between_members_and_seeds(bank: Bank, rice) -> None:
    cert = rice.assessment("cert")
    papers = [build_paper(bank, rice, cert, member=f"m{i:03d}") for i in range(8)]
    assert len({p.id for p in papers}) == 8
    assert len({tuple(i.qid for i in p.items) for p in papers}) > 1  # different draws
    orders = {tuple(i.order for i in p.items if i.type is QType.SINGLE) for p in papers}
    assert len(orders) > 1  # different option orders
    assert build_paper(bank, rice, cert, member="m001", seed=1) != papers[1]


def test_without_variants_every_member_gets_the_same_paper(bank: Bank, rice) -> None:
    fixed = rice.assessment("fixed")
    a = build_paper(bank, rice, fixed, member="m001")
    b = build_paper(bank, rice, fixed, member="m002")
    assert [i.to_dict() for i in a.items] == [i.to_dict() for i in b.items]
    assert all(i.order == tuple(range(len(i.options))) for i in a.items)  # not shuffled
    assert [i.qid for i in a.items] == sorted(i.qid for i in a.items)  # rule order kept
    for item in a.items:
        q = bank[item.qid]
        assert q.domain == "党章党规" and q.difficulty == "简单" and "党章" in (q.source or "")


def test_the_paper_file_holds_no_answer_key(bank: Bank, rice) -> None:
    paper = build_paper(bank, rice, rice.assessment("cert"), member="m001")
    text = paper.to_json()
    data = json.loads(text)
    fields = {k for item in data["items"] for k in item}
    assert fields <= {
        "n",
        "qid",
        "type",
        "stem",
        "options",
        "order",
        "blanks",
        "points",
        "fingerprint",
    }
    for item in paper.items:
        q = bank[item.qid]
        assert q.explanation not in text
        if q.type is QType.FILL:
            assert not any(f'"{alt}"' in text for alts in q.blanks for alt in alts)
        if q.type is QType.SHORT:
            assert q.reference not in text
    assert Paper.from_dict(data) == paper


def test_the_key_maps_shuffled_letters_back_to_the_bank_answer(bank: Bank, rice) -> None:
    for member in ("m001", "m002", "m003"):
        paper = build_paper(bank, rice, rice.assessment("cert"), member=member)
        key = answer_key(paper, bank)
        for item in paper.items:
            q = bank[item.qid]
            k = key[item.n]
            if q.type is QType.SINGLE:
                shown = item.options[LETTERS.index(k.answer)]
                assert shown == q.options[q.correct_indices[0]]
            elif q.type is QType.MULTIPLE:
                shown_set = {item.options[LETTERS.index(x)] for x in k.answer}
                assert shown_set == {q.options[i] for i in q.correct_indices}
            assert key.check(item.n, answer_response(k)).score == item.points


def answer_response(k):  # the right response, in paper terms
    if k.type is QType.FILL:
        return [alts[0] for alts in k.answer]
    if k.type is QType.MULTIPLE:
        return list(k.answer)
    if k.type is QType.SHORT:
        return "；".join(group[0] for group in k.keywords)
    return k.answer


def test_a_key_refuses_a_paper_whose_question_was_edited(bank: Bank, rice) -> None:
    paper = build_paper(bank, rice, rice.assessment("cert"), member="m001")
    first = bank[paper.items[0].qid]
    edited = Question(
        **{**{f: getattr(first, f) for f in first.__slots__}, "stem": first.stem + "？"}
    )
    changed = Bank.of([edited if q.id == first.id else q for q in bank])
    with pytest.raises(PaperError, match=f"{first.id} 的题干或选项在组卷后被修改过"):
        answer_key(paper, changed)
    gone = Bank.of([q for q in bank if q.id != first.id])
    with pytest.raises(PaperError, match=f"题库中已没有这道题（{first.id}）"):
        answer_key(paper, gone)


# ---- scoring ----------------------------------------------------------------------------------


def key_item(qtype: QType, answer: object, points: float = 2, keywords=()):
    from exam_tools.course.key import KeyItem

    return KeyItem(1, "q", qtype, points, answer, "解析", None, tuple(keywords))


def test_single_and_judge_are_all_or_nothing() -> None:
    assert score_item(key_item(QType.SINGLE, "B"), "B").score == 2
    assert score_item(key_item(QType.SINGLE, "B"), " b ").score == 2
    assert score_item(key_item(QType.SINGLE, "B"), "C").score == 0
    assert score_item(key_item(QType.JUDGE, False, 1), False).score == 1
    assert score_item(key_item(QType.JUDGE, False, 1), True).score == 0
    assert score_item(key_item(QType.JUDGE, False, 1), "false").score == 0  # not a boolean


def test_multiple_all_or_nothing_by_default_and_partial_on_request() -> None:
    k = key_item(QType.MULTIPLE, ("A", "C", "D"), 3)
    assert score_item(k, ["D", "A", "C"]).score == 3
    assert score_item(k, ["A", "C"]).score == 0
    assert score_item(k, ["A", "C"], MultipleRule.PARTIAL).score == 2
    assert score_item(k, ["A", "B"], MultipleRule.PARTIAL).score == 0  # a wrong option: zero
    assert score_item(k, [], MultipleRule.PARTIAL).answered is False


def test_fill_scores_each_blank_ignoring_width_and_spaces() -> None:
    k = key_item(QType.FILL, (("一年", "1年"), ("三人", "3人")), 4)
    assert score_item(k, ["１年", " 三人 "]).score == 4  # full-width digit, spaces
    assert score_item(k, ["一年", "两人"]).score == 2
    assert score_item(k, ["", ""]).answered is False
    assert score_item(k, "一年").score == 0  # malformed: not a list of blanks


def test_short_answers_get_a_keyword_suggestion_for_manual_grading() -> None:
    k = key_item(QType.SHORT, "参考", 5, keywords=[("浅水",), ("晒田", "搁田")])
    v = score_item(k, "分蘖期浅水勤灌，够苗后搁田")
    assert (v.score, v.manual, v.correct) == (5, True, None)
    assert score_item(k, "浅水").score == 2.5


# ---- parsers never crash ----------------------------------------------------------------------

yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 200), st.text(max_size=8))
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "title",
                "category",
                "lessons",
                "assessments",
                "technology",
                "audience",
                "certification",
                "x",
            ]
        ),
        yaml_values,
        max_size=6,
    )
)
def test_course_parser_reports_problems_and_never_crashes(data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False)  # JSON is YAML
    course, problems = parse_course(text, "c/course.yaml", "c")
    assert course is not None or problems


@settings(max_examples=150)
@given(yaml_values)
def test_paper_reader_raises_paper_error_or_reads(data: object) -> None:
    with contextlib.suppress(PaperError):
        Paper.from_dict({"format": "exam-tools/paper", "version": 1, "items": data})


def test_shipped_exams_leave_case_questions_out_and_practice_keeps_them(bank: Bank) -> None:
    """The 基层治理 exam draws only rules that hold everywhere; its practice may use 案例 questions."""
    from exam_tools.course.load import load_course

    from .conftest import ROOT

    course = load_course("jiceng_zhili", ROOT / "courses")
    exam = course.assessment("exam")
    for member in ("m001", "m002", "m003"):
        paper = build_paper(bank, course, exam, member=member, seed=7)
        assert len(paper.items) == exam.size
        assert not [item.qid for item in paper.items if bank[item.qid].case]
    practice_pool = {
        q.id for r in course.assessment("practice").rules for q in r.select(list(bank))
    }
    assert any(bank[qid].case for qid in practice_pool)
