"""Several attempts, one score (issue 17 item 1): each assessment names its grading method
(highest, last, first, average, as Moodle's quiz), both graders apply it alike, and an attempt that
answers nothing never lowers a score."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_tools.bank.model import Bank
from exam_tools.course.key import MultipleRule, answer_key, compact_key
from exam_tools.course.load import load_course, parse_course
from exam_tools.course.model import Grading
from exam_tools.course.paper import Paper, build_paper
from exam_tools.course.pool import ExamSpec, exam_spec
from exam_tools.grading.cell import choose, counted_attempts, score_saved
from exam_tools.grading.grade import AssignmentKey, grade_submission

from .conftest import DATA, FakeClock
from .test_course import GOOD, problems_of
from .test_grade import right, wrong

METHODS = list(Grading)
COURSES = DATA / "courses"

# ---- the rule, on any set of attempts ------------------------------------------------------------

# an attempt: handed in or not, and per question the points it earned (None: not answered)
attempt_st = st.tuples(st.booleans(), st.lists(st.none() | st.integers(0, 5), max_size=6))


def as_responses(raw: list[tuple[bool, list[int | None]]]) -> dict[str, Any]:
    return {
        "attempts": [
            {
                "number": i,
                "submitted_at": "2026-12-06T09:00:00+08:00" if done else None,
                "answers": {str(n): v for n, v in enumerate(points, 1) if v is not None},
            }
            for i, (done, points) in enumerate(raw, 1)
        ]
    }


def points(attempt: Any) -> float:
    return float(sum(attempt["answers"].values()))


def score(raw: list[tuple[bool, list[int | None]]], method: Grading) -> float:
    counted = counted_attempts(as_responses(raw))
    return choose([points(a) for a in counted], method)[1] if counted else 0.0


@settings(max_examples=300, deadline=None)
@given(st.lists(attempt_st, min_size=1, max_size=5))
def test_highest_is_at_least_every_counted_attempt_and_every_method_stays_in_range(
    raw: list[tuple[bool, list[int | None]]],
) -> None:
    counted = [points(a) for a in counted_attempts(as_responses(raw))]
    assert counted
    best = score(raw, Grading.HIGHEST)
    assert all(best >= s for s in counted)
    assert best in counted and score(raw, Grading.FIRST) == counted[0]
    assert score(raw, Grading.LAST) == counted[-1]
    assert min(counted) - 1e-9 <= score(raw, Grading.AVERAGE) <= best + 1e-9


@settings(max_examples=300, deadline=None)
@given(
    st.lists(attempt_st, min_size=1, max_size=4),
    st.integers(0, 4),
    st.booleans(),
    st.sampled_from(METHODS),
)
def test_an_empty_attempt_never_lowers_a_score(
    raw: list[tuple[bool, list[int | None]]], where: int, handed_in: bool, method: Grading
) -> None:
    empty: tuple[bool, list[int | None]] = (handed_in, [None, None])
    more = [*raw[:where], empty, *raw[where:]]
    assert score(more, method) >= score(raw, method)


def test_the_reported_case_full_marks_then_an_empty_second_try() -> None:
    """15/15 answered in attempt 1, attempt 2 opened by a second tap and handed in blank."""
    raw = [(True, [1] * 15), (True, [])]
    assert {m: score(raw, m) for m in METHODS} == dict.fromkeys(METHODS, 15.0)
    # every attempt empty: they still count (as 0), so there is a result to show
    assert score([(True, []), (True, [])], Grading.LAST) == 0.0


def test_attempts_handed_in_count_before_an_unfinished_one() -> None:
    raw = [(True, [2]), (False, [5, 5])]
    assert score(raw, Grading.HIGHEST) == 2.0 and score(raw, Grading.LAST) == 2.0
    assert score([(False, [1]), (False, [3])], Grading.LAST) == 3.0  # none handed in: all count


# ---- course.yaml -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "method"),
    [
        (None, Grading.HIGHEST),
        ("highest", Grading.HIGHEST),
        ("last", Grading.LAST),
        ("first", Grading.FIRST),
        ("average", Grading.AVERAGE),
        ("最高分", Grading.HIGHEST),
        ("最后一次", Grading.LAST),
        ("第一次", Grading.FIRST),
        ("平均分", Grading.AVERAGE),
    ],
)
def test_course_yaml_names_the_grading_method(written: str | None, method: Grading) -> None:
    text = (
        GOOD
        if written is None
        else GOOD.replace("mode: exam", f"mode: exam\n    grading: {written}")
    )
    course, problems = parse_course(text, "c/course.yaml", "c")
    assert problems == [] and course is not None
    assert course.assessment("quiz").grading is method


def test_an_unknown_grading_method_names_file_line_and_field() -> None:
    found = problems_of(GOOD.replace("mode: exam", "mode: exam\n    grading: best"))
    assert any(
        p.startswith("c/course.yaml:")
        and "quiz: grading: 未知的计分方式“best”" in p
        and "highest（按最高分计）" in p
        and "平均分" in p
        for p in found
    ), found
    assert problems_of(GOOD.replace("mode: exam", "mode: exam\n    grading: [1]"))


def test_practice_defaults_to_highest_too() -> None:
    course = load_course("rice", DATA / "courses")
    assert {a.grading for a in course.assessments} == {Grading.HIGHEST}


# ---- both graders, on real papers ----------------------------------------------------------------


def assignment(bank: Bank, method: Grading) -> tuple[AssignmentKey, ExamSpec]:
    course = load_course("rice", DATA / "courses")
    cert = replace(course.assessment("cert"), grading=method, attempts=3)
    spec = ExamSpec.from_dict(json.loads(exam_spec(bank, course, cert, seed=0)))
    pool = {q.id for q in spec.questions}
    key = compact_key(q for q in bank if q.id in pool)
    paper = build_paper(spec.questions, spec.course, spec.assessment, member="m001")
    ak = AssignmentKey(
        course="rice", assessment="cert", pass_percent=cert.pass_percent,
        multiple=MultipleRule.PARTIAL, total_points=paper.total_points, key=key, spec=spec,
    )  # fmt: skip
    return ak, spec


def submit(folder: Path, paper: Paper, attempts: list[dict[int, Any] | None]) -> None:
    """A submission folder as show_exam leaves it: the paper and its responses, attempt by
    attempt (None: started and handed in blank)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
    doc = {
        "format": "exam-tools/responses", "version": 1, "paper": paper.id, "course": paper.course,
        "assessment": paper.assessment, "member": paper.member, "mode": paper.mode.value,
        "attempts": [
            {"number": i, "started_at": f"2026-12-06T09:0{i}:00+08:00", "deadline": None,
             "submitted_at": f"2026-12-06T09:0{i}:30+08:00", "submitted_by": "member",
             "answers": {str(n): v for n, v in (a or {}).items()}, "checked": [], "position": 1}
            for i, a in enumerate(attempts, 1)
        ],
    }  # fmt: skip
    (folder / "exam.paper.responses.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


@pytest.mark.parametrize("method", METHODS)
def test_grade_and_the_hidden_test_agree_for_every_method(
    bank: Bank, tmp_path: Path, method: Grading
) -> None:
    ak, spec = assignment(bank, method)
    paper = build_paper(spec.questions, spec.course, spec.assessment, member="m001")
    assert paper.grading is method
    key = answer_key(paper, bank)
    full = {k.n: right(k) for k in key.items}
    half = {k.n: right(k) if k.n % 2 else wrong(k, paper) for k in key.items}

    def alone(name: str, answers: dict[int, Any]) -> float:
        submit(tmp_path / name, paper, [answers])
        return grade_submission(tmp_path / name, "m001", "cert", ak).score

    top, low = alone("full", full), alone("half", half)  # short answers wait for a teacher
    assert 0 < low < top
    expected = {
        Grading.HIGHEST: top, Grading.FIRST: top, Grading.LAST: low,
        Grading.AVERAGE: round((top + low) / 2, 4),
    }  # fmt: skip
    cases: dict[str, tuple[list[dict[int, Any] | None], float]] = {
        "full-then-empty": ([full, None], top),
        "empty-then-full": ([None, full], top),
        "all-empty": ([None, None], 0.0),
        "full-empty-half": ([full, None, half], expected[method]),
    }
    for name, (attempts, want) in cases.items():
        folder = tmp_path / name
        submit(folder, paper, attempts)
        result = grade_submission(folder, "m001", "cert", ak)
        cell = score_saved(str(folder / "exam.paper.json"), ak.key, "partial", method.value)
        assert result.score == pytest.approx(want), (method, name)
        assert cell == pytest.approx(result.score), (method, name)
        # the items are one attempt's: for average the best one's, with the mean as the score
        items = round(sum(i.score for i in result.items), 4)
        one = {"all-empty": 0.0, "full-empty-half": low if method is Grading.LAST else top}
        assert items == pytest.approx(one.get(name, top)), (method, name)
    last = grade_submission(tmp_path / "full-empty-half", "m001", "cert", ak)
    assert last.attempt == {Grading.LAST: 3}.get(method, 1)


def test_files_from_before_the_field_are_read_as_highest(bank: Bank, tmp_path: Path) -> None:
    ak, spec = assignment(bank, Grading.HIGHEST)
    paper = build_paper(spec.questions, spec.course, spec.assessment, member="m001")
    data = paper.to_dict()
    del data["grading"]
    assert Paper.from_dict(data).grading is Grading.HIGHEST
    raw = json.loads(exam_spec(bank, load_course("rice", DATA / "courses"),
                               load_course("rice", DATA / "courses").assessment("cert"), seed=0))  # fmt: skip
    del raw["assessment"]["grading"]
    assert ExamSpec.from_dict(raw).assessment.grading is Grading.HIGHEST
    # an old hidden cell (no grading argument) takes the paper's method: highest
    key = answer_key(paper, bank)
    full = {k.n: right(k) for k in key.items}
    folder = tmp_path / "old"
    submit(folder, paper, [full, None])
    (folder / "exam.paper.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    submit(tmp_path / "one", paper, [full])
    top = grade_submission(tmp_path / "one", "m001", "cert", ak).score
    assert top > 0
    assert score_saved(str(folder / "exam.paper.json"), ak.key, "partial") == top
    result = grade_submission(folder, "m001", "cert", ak)
    assert result.score == top and not any("不一致" in p for p in result.problems)


# ---- a service exam: the same flow, the service keeps the attempts --------------------------------


def cert_at_service(tmp_path: Path, clock: FakeClock) -> tuple[Any, Any]:
    """The test course's certification exam held by an exam service, open now; (store, the
    client member dy1's page uses)."""
    from .test_integrity import StoreClient, _store
    from .test_service import cli

    course_dir = tmp_path / "course"
    cli("assign", "rice", "cert", "--course-dir", str(course_dir), "--courses", str(COURSES))
    s = _store(course_dir, tmp_path, clock, opens=None)
    return s, StoreClient(s, "dy1")


def test_a_service_exam_starts_attempt_two_only_from_its_rules_page(
    tmp_path: Path, clock: FakeClock
) -> None:
    from exam_tools.quiz.app import QuizApp
    from exam_tools.quiz.online.exam import ServiceExamLauncher, open_service_exam

    s, client = cert_at_service(tmp_path, clock)
    paper_file = tmp_path / "member" / "exam.paper.json"

    def reopen() -> QuizApp | ServiceExamLauncher | None:
        return open_service_exam(client, "cert", paper_file, clock=clock, intro=True, timer=False)  # type: ignore[arg-type]

    launcher = reopen()
    assert isinstance(launcher, ServiceExamLauncher)
    assert "多次作答按最高分计" in launcher.intro.value  # before the first attempt too
    launcher.begin_button.click()
    app = launcher.app
    assert app is not None
    app.submit_button.click()
    app.confirm_button.click()
    app.confirm_button.click()  # a double tap
    assert len(s.attempts("cert", "dy1")) == 1 and app.submitted
    assert "已交卷" in app.result.value and app.rules_button.layout.display == "flex"
    again = reopen()  # the page reloaded: still handed in, nothing started
    assert isinstance(again, QuizApp) and again.submitted and again.started
    assert len(s.attempts("cert", "dy1")) == 1
    again.rules_button.click()
    assert "已作答 1 次，还可以作答 1 次" in again.intro.value
    assert "多次作答按最高分计" in again.intro.value
    again.begin_button.click()
    assert len(s.attempts("cert", "dy1")) == 2 and not again.submitted
