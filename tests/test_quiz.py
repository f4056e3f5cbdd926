"""The widget quiz driven from Python as a member would: answer, move, submit, come back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exam_tools.bank.model import LETTERS, Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.load import load_course
from exam_tools.course.paper import Paper, build_paper
from exam_tools.errors import QuizError
from exam_tools.quiz import open_quiz, responses_path
from exam_tools.quiz.app import QuizApp, clock_text
from exam_tools.quiz.exercises import member_home, open_practice, open_review

from .conftest import DATA, FakeClock

COURSES = DATA / "courses"


@pytest.fixture
def exam_file(bank: Bank, tmp_path: Path) -> Path:
    course = load_course("rice", COURSES)
    paper = build_paper(bank, course, course.assessment("cert"), member="m001")
    path = tmp_path / "考试.json"
    path.write_text(paper.to_json(), encoding="utf-8")
    return path


def open_exam(path: Path, clock: FakeClock) -> QuizApp:
    return open_quiz(path, clock=clock, timer=False)


def answer(app: QuizApp, n: int, how: str = "first") -> None:
    """Answer question n through its widgets: the first option, or every option, etc."""
    app.goto(n)
    view = app.view(n)
    t = view.item.type
    if t is QType.SINGLE:
        view.inputs[0].value = view.inputs[0].options[0 if how == "first" else 1]
    elif t is QType.MULTIPLE:
        for box in view.inputs[:2]:
            box.value = True
    elif t is QType.JUDGE:
        view.inputs[0 if how == "first" else 1].click()
    elif t is QType.FILL:
        for text in view.inputs:
            text.value = "我的答案"
    else:
        view.inputs[0].value = "我的简答"


def saved(path: Path) -> dict:
    return json.loads(responses_path(path).read_text(encoding="utf-8"))


def test_every_type_shows_its_own_widgets_in_large_type(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    kinds = {}
    for item in app.paper.items:
        kinds[item.type] = [type(w).__name__ for w in app.view(item.n).inputs]
    assert kinds[QType.SINGLE] == ["RadioButtons"]
    assert set(kinds[QType.MULTIPLE]) == {"Checkbox"}
    assert kinds[QType.JUDGE] == ["Button", "Button"]
    assert set(kinds[QType.FILL]) == {"Text"}
    assert kinds[QType.SHORT] == ["Textarea"]
    judge = next(i for i in app.paper.items if i.type is QType.JUDGE)
    assert [b.description for b in app.view(judge.n).inputs] == ["✔ 正确", "✘ 错误"]
    assert "font-size: 20px" in app.widget.children[0].value
    assert "exam-tools-quiz" in app.widget._dom_classes
    assert "第 1 题 / 共 10 题" in app.progress.value


def test_a_chosen_judge_button_is_marked_without_a_contradicting_tick(
    exam_file: Path, clock: FakeClock
) -> None:
    app = open_exam(exam_file, clock)
    judge = next(i for i in app.paper.items if i.type is QType.JUDGE)
    right, wrong = app.view(judge.n).inputs
    wrong.click()  # "✘ 错误" chosen: no check-circle beside it, only the 已选 mark
    assert app.answers[judge.n] is False
    assert (wrong.icon, wrong.button_style, wrong._dom_classes[-1]) == ("", "primary", "et-chosen")
    assert (right.icon, right.button_style, "et-chosen" in right._dom_classes) == ("", "", False)
    right.click()
    assert "et-chosen" in right._dom_classes and "et-chosen" not in wrong._dom_classes
    assert right.icon == "" and "（已选）" in app.widget.children[0].value


def test_each_answer_is_saved_at_once_in_paper_terms(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    for item in app.paper.items:
        answer(app, item.n)
        on_disk = saved(exam_file)["attempts"][0]["answers"]
        assert str(item.n) in on_disk  # saved before the next question is touched
    answers = saved(exam_file)["attempts"][0]["answers"]
    for item in app.paper.items:
        value = answers[str(item.n)]
        expected = {
            QType.SINGLE: "A",
            QType.MULTIPLE: ["A", "B"],
            QType.JUDGE: True,
            QType.FILL: ["我的答案"] * item.blanks,
            QType.SHORT: "我的简答",
        }[item.type]
        assert value == expected
    assert saved(exam_file)["member"] == "m001"


def test_navigation_progress_and_answer_card(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    assert app.prev_button.disabled and not app.next_button.disabled
    app.next_button.click()
    assert "第 2 题 / 共 10 题" in app.progress.value
    app.card_buttons[9].click()  # jump to the last question from the card
    assert app.current == 10 and app.next_button.disabled
    answer(app, 10)
    assert "已答 1 题" in app.progress.value
    assert app.card_buttons[9].button_style == "primary"  # current
    app.goto(1)
    assert app.card_buttons[9].button_style == "success"  # answered
    assert app.card_buttons[4].button_style == ""  # not answered


def test_submit_asks_for_confirmation_listing_unanswered(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    for n in (1, 2, 4):
        answer(app, n)
    app.submit_button.click()
    assert app.confirm.layout.display == "flex"
    assert "还有 7 道题没有作答：第 3、5、6、7、8、9、10 题" in app.confirm_text.value
    app.cancel_button.click()
    assert not app.submitted and app.confirm.layout.display == "none"
    app.submit_button.click()
    app.confirm_button.click()
    assert app.submitted
    attempt = saved(exam_file)["attempts"][0]
    assert attempt["submitted_by"] == "member" and attempt["submitted_at"]
    assert "成绩和答案将在老师发布后查看" in app.result.value
    assert "正确" not in app.result.value and app.feedback.value == ""  # no correctness in exams


def test_a_submitted_attempt_is_final(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    answer(app, 1)
    before = saved(exam_file)
    app.submit_button.click()
    app.confirm_button.click()
    after_submit = saved(exam_file)
    view = app.view(1)
    assert all(w.disabled for w in view.inputs)
    answer(app, 1, how="second")  # clicks on a disabled widget from code still change nothing saved
    answer(app, 2)
    assert saved(exam_file) == after_submit
    assert after_submit["attempts"][0]["answers"] == before["attempts"][0]["answers"]


def buttons(widget: object) -> list[object]:
    """Every button shown in ``widget`` (hidden ones left out), depth first."""
    out: list[object] = []
    layout = getattr(widget, "layout", None)
    if layout is not None and layout.display == "none":
        return out
    if type(widget).__name__ == "Button":
        out.append(widget)
    for child in getattr(widget, "children", ()):
        out.extend(buttons(child))
    return out


def test_after_hand_in_no_tap_starts_a_second_attempt(exam_file: Path, clock: FakeClock) -> None:
    """Issue 17 item 1: 交卷 shows 已交卷 and when; no button starts attempt 2 (a second tap on
    the spot, or any button there, leaves one attempt); the next one starts from the rules page,
    which says how attempts are graded and how many are left."""
    app = open_exam(exam_file, clock)  # the assessment allows 2 attempts, graded highest
    answer(app, 1)
    app.submit_button.click()
    app.confirm_button.click()
    app.confirm_button.click()  # the second tap of a double tap
    assert "已交卷" in app.result.value and "还可以作答 1 次（按最高分计）" in app.result.value
    shown = buttons(app.widget)
    assert app.rules_button in shown and app.begin_button not in shown
    for b in shown:
        assert "开始" not in b.description and "再" not in b.description, b.description
        if b is not app.rules_button:
            b.click()
    assert len(saved(exam_file)["attempts"]) == 1 and app.submitted
    app.rules_button.click()
    assert not app.started
    assert "已作答 1 次，还可以作答 1 次" in app.intro.value
    assert (
        "多次作答按最高分计" in app.intro.value and "没有作答任何题的一次不计分" in app.intro.value
    )
    assert app.begin_button.description == "开始第 2 次作答"
    app.back_button.click()  # back: still handed in, nothing started
    assert app.started and app.submitted and len(saved(exam_file)["attempts"]) == 1
    app.rules_button.click()
    app.begin_button.click()
    assert app.started and not app.submitted and app.answers == {}
    assert app.result.value == "" and app.current == 1
    answer(app, 1)
    app.submit_button.click()
    app.confirm_button.click()
    assert app.rules_button.layout.display == "none"  # no tries left: no rules button either
    assert "还可以" not in app.result.value
    app.show_rules()
    assert app.started
    data = saved(exam_file)
    assert [a["number"] for a in data["attempts"]] == [1, 2]
    assert data["attempts"][1]["answers"] == {"1": app.answers[1]}


def test_a_reopened_handed_in_exam_shows_its_result_not_a_new_attempt(
    exam_file: Path, clock: FakeClock
) -> None:
    app = open_exam(exam_file, clock)
    app.submit_button.click()
    app.confirm_button.click()
    again = open_quiz(exam_file, clock=clock, timer=False, intro=True)
    assert again.started and again.submitted and "已交卷" in again.result.value
    assert again.rules_button.layout.display == "flex"
    assert len(saved(exam_file)["attempts"]) == 1


def test_resume_after_restart_keeps_answers_and_remaining_time(
    exam_file: Path, clock: FakeClock
) -> None:
    app = open_exam(exam_file, clock)
    answer(app, 1)
    answer(app, 2)
    clock.advance(5 * 60)
    del app  # the kernel restarts: nothing in memory survives
    clock.advance(3 * 60)  # ... and the member comes back three minutes later
    again = open_exam(exam_file, clock)
    assert set(again.answers) == {1, 2}
    assert again.view(1).get() == again.answers[1]
    assert "剩余时间 12:00" in again.clock_label.value  # 20 minutes - 8 minutes
    assert len(saved(exam_file)["attempts"]) == 1  # the same attempt, not a new one


def test_time_out_submits_the_paper_as_it_stands(exam_file: Path, clock: FakeClock) -> None:
    app = open_exam(exam_file, clock)
    answer(app, 1)
    clock.advance(19 * 60 + 58)
    assert app.tick() is False and "00:02" in app.clock_label.value
    clock.advance(3)
    assert app.tick() is True
    attempt = saved(exam_file)["attempts"][0]
    assert attempt["submitted_by"] == "timeout"
    assert attempt["answers"] == {"1": app.answers[1]}
    assert "考试时间到" in app.message.value
    answer(app, 2)
    assert saved(exam_file)["attempts"][0]["answers"] == {"1": app.answers[1]}


def test_an_answer_after_the_deadline_is_refused_and_submits(
    exam_file: Path, clock: FakeClock
) -> None:
    app = open_exam(exam_file, clock)
    clock.advance(21 * 60)  # the countdown thread did not run (closed laptop lid)
    answer(app, 1)
    attempt = saved(exam_file)["attempts"][0]
    assert attempt["answers"] == {} and attempt["submitted_by"] == "timeout"
    assert app.submitted


def test_reopening_after_the_deadline_submits_at_the_deadline(
    exam_file: Path, clock: FakeClock
) -> None:
    app = open_exam(exam_file, clock)
    answer(app, 1)
    start = clock.now
    del app
    clock.advance(3600)
    again = open_exam(exam_file, clock)
    assert again.submitted
    attempt = again.store.current
    assert attempt.submitted_by == "timeout" and attempt.submitted_at == start + 20 * 60


def test_exam_mode_refuses_a_key_and_practice_needs_one(bank: Bank, exam_file: Path) -> None:
    paper = Paper.from_dict(json.loads(exam_file.read_text("utf-8")))
    with pytest.raises(QuizError, match="考试模式不能带答案"):
        open_quiz(exam_file, key=answer_key(paper, bank), timer=False)
    course = load_course("rice", COURSES)
    practice_paper = build_paper(bank, course, course.assessment("practice"))
    with pytest.raises(QuizError, match="练习模式需要答案"):
        open_quiz(practice_paper, responses=exam_file.with_name("p.json"))


def test_a_corrupt_or_foreign_responses_file_is_reported(exam_file: Path, clock: FakeClock) -> None:
    responses_path(exam_file).write_text("{not json", encoding="utf-8")
    with pytest.raises(QuizError, match="已损坏"):
        open_exam(exam_file, clock)
    responses_path(exam_file).write_text(
        json.dumps({"format": "exam-tools/responses", "paper": "other", "attempts": []}), "utf-8"
    )
    with pytest.raises(QuizError, match="属于另一份试卷"):
        open_exam(exam_file, clock)


def test_clock_text() -> None:
    assert clock_text(0) == "00:00"
    assert clock_text(59.2) == "01:00"
    assert clock_text(3725) == "1:02:05"


# ---- practice ---------------------------------------------------------------------------------


def right_and_wrong(app: QuizApp, n: int, right: bool) -> None:
    """Answer practice question n right or wrong, using the key the practice holds."""
    key = app.key[n]
    view = app.view(n)
    app.goto(n)
    if key.type is QType.SINGLE:
        i = LETTERS.index(key.answer)
        view.inputs[0].index = i if right else (i + 1) % len(view.item.options)
    elif key.type is QType.MULTIPLE:
        for letter, box in zip(LETTERS, view.inputs, strict=False):
            box.value = (letter in key.answer) == right
    elif key.type is QType.JUDGE:
        view.inputs[0 if key.answer == right else 1].click()
    elif key.type is QType.FILL:
        for alts, text in zip(key.answer, view.inputs, strict=True):
            text.value = alts[0] if right else "不知道"
    else:
        view.inputs[0].value = "参考答案"


def test_practice_explains_each_answer_and_keeps_a_mistake_book(bank: Bank) -> None:
    course = load_course("rice", COURSES)
    app = open_practice(course, member="m001", seed=1, bank=bank)
    objective = [i.n for i in app.paper.items if i.type is not QType.SHORT]
    first, second = objective[:2]
    app.goto(first)
    app.check_button.click()
    assert "请先作答" in app.message.value
    right_and_wrong(app, first, right=True)
    app.check_button.click()
    assert "✔ 回答正确" in app.feedback.value and "解析：" in app.feedback.value
    assert all(w.disabled for w in app.view(first).inputs)  # checked answers are locked
    right_and_wrong(app, second, right=False)
    app.check_button.click()
    assert "✘ 回答错误" in app.feedback.value and "正确答案：" in app.feedback.value
    book = json.loads((member_home("m001") / "错题本.json").read_text("utf-8"))
    wrong_qid = app.paper.item(second).qid
    assert [q["qid"] for q in book["questions"]] == [wrong_qid]
    app.submit_button.click()
    app.confirm_button.click()
    assert "本次练习得分" in app.result.value and "答对 1 题" in app.result.value
    assert app.rules_button.description == "查看练习说明"
    app.rules_button.click()
    assert app.begin_button.description == "开始第 2 次作答"

    review = open_review(member="m001", bank=bank)
    assert review is not None and [i.qid for i in review.paper.items] == [wrong_qid]
    right_and_wrong(review, 1, right=True)
    review.check_button.click()
    book = json.loads((member_home("m001") / "错题本.json").read_text("utf-8"))
    assert book["questions"] == []


def test_practice_feedback_cites_the_source(bank: Bank) -> None:
    course = load_course("rice", COURSES)
    fixed = course.assessment("fixed")  # 党章 questions, practised
    app = open_practice(course, fixed.id, seed=2, bank=bank)
    assert app.paper.mode.value == "practice" and app.store.paper.time_limit is None
    right_and_wrong(app, 1, right=True)
    app.check_button.click()
    assert "出处：党章" in app.feedback.value


def test_an_exam_starts_its_clock_on_the_begin_tap_not_on_opening(
    exam_file: Path, clock: FakeClock
) -> None:
    """The rules first (how many questions, how long, how many tries); time spent reading them,
    or a page opened and left, uses no time and no attempt."""
    app = open_quiz(exam_file, clock=clock, timer=False, intro=True)
    limit = app.paper.time_limit
    assert limit and not app.started and app.attempt is None
    assert not responses_path(exam_file).exists()  # nothing started, nothing written
    shown = app.intro.value
    assert f"共 {len(app.paper)} 题" in shown and f"限时 {limit} 分钟" in shown
    assert f"可以作答 {app.paper.attempts} 次" in shown
    assert app.begin_button in app.widget.children and app.question not in app.widget.children
    clock.advance(600)  # ten minutes on the rules
    again = open_quiz(exam_file, clock=clock, timer=False, intro=True)  # a reload: rules again
    assert not again.started
    again.begin_button.click()
    assert again.started and again.question in again.widget.children
    assert again.store.remaining() == limit * 60  # the full time, from the tap
    again.begin_button.click()  # a second tap starts nothing more
    assert [a["number"] for a in saved(exam_file)["attempts"]] == [1]
    clock.advance(60)
    resumed = open_quiz(exam_file, clock=clock, timer=False, intro=True)
    assert resumed.started and resumed.store.remaining() == limit * 60 - 60  # begun: no rules
