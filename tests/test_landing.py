"""我的学习 against a real nbgrader exchange (no browser): the released exam is listed by its
Chinese title, one tap fetches and opens it, a reload comes back to the same question, 交卷 hands it
in through nbgrader, and released feedback opens inside the page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import ipywidgets as w
import pytest

from exam_tools.bank.model import QType
from exam_tools.quiz.app import QuizApp
from exam_tools.quiz.landing import Landing
from exam_tools.quiz.record_client import PLACEHOLDER, ExamResult, PublishedRecord

from .classroom import ASSIGNMENT, COURSE_ID, grade_and_release_feedback, make_classroom
from .conftest import DATA

TITLE = "水稻种植认证考试（水稻种植（测试课程））"


def buttons(page: Landing) -> dict[str, w.Button]:
    return {b.description: b for b in page.body.children if isinstance(b, w.Button)}


def tap(page: Landing, text: str) -> None:
    found = [b for d, b in buttons(page).items() if text in d]
    assert len(found) == 1, (text, list(buttons(page)))
    found[0].click()


def shown_text(page: Landing) -> str:
    return "\n".join(c.value for c in page.body.children if isinstance(c, w.HTML))


def answer(app: QuizApp, n: int) -> Any:
    """Answer question n through its widgets, as a tap would; return the saved response."""
    view = app.view(n)
    t = view.item.type
    if t is QType.SINGLE:
        view.inputs[0].index = 1
    elif t is QType.MULTIPLE:
        view.inputs[0].value = True
    elif t is QType.JUDGE:
        view.inputs[1].click()
    elif t is QType.FILL:
        view.inputs[0].value = "答案"
    else:
        view.inputs[0].value = "先浅水后晒田"
    return app.answers[n]


@pytest.fixture
def classroom(tmp_path: Path) -> Any:
    return make_classroom(tmp_path / "classroom")


def open_page(classroom: Any, **options: Any) -> Landing:
    page = Landing(
        member="m007", root=classroom.member_root, courses_dir=DATA / "courses", **options
    )
    page.heartbeat.stop()
    return page


def test_exam_from_release_to_feedback(classroom: Any) -> None:
    page = open_page(classroom)
    assert "待考" in shown_text(page) and PLACEHOLDER in shown_text(page)
    assert any(TITLE in d and "点这里开始考试" in d for d in buttons(page))
    tap(page, TITLE)
    app = page.app
    assert app is not None and (classroom.member_root / ASSIGNMENT / "exam.json").exists()
    # the exam's rules first: nothing starts (no attempt, no clock) until 开始考试 is tapped
    assert not app.started and app.attempt is None and "限时" in app.intro.value
    page.app.close()
    page = open_page(classroom)  # a reload before starting: the rules again, still not started
    app = page.app
    assert app is not None and not app.started and app.attempt is None
    app.begin_button.click()
    assert app.started and app.attempt.number == 1 and app.store.remaining() is not None
    given = {n: answer(app, n) for n in (1, 2, 3)}
    app.goto(3)
    page.app.close()

    again = open_page(classroom)  # a reload: a new kernel runs the page again
    assert again.app is not None and again.app.current == 3
    assert {n: again.app.answers[n] for n in given} == given
    again.app.confirm_submit()
    inbound = list((classroom.exchange / COURSE_ID / "inbound").iterdir())
    assert [p.name.split("+")[:2] for p in inbound] == [["m007", ASSIGNMENT]]
    assert "试卷已交给老师" in again.status.value

    after = open_page(classroom)
    assert after.app is None  # handed in: the home page again
    assert any(TITLE in d and "已交卷" in d for d in buttons(after))
    grade_and_release_feedback(classroom)
    page = open_page(classroom)
    tap(page, f"查看成绩反馈：{TITLE}")
    frame = shown_text(page)
    assert 'iframe class="et-feedback"' in frame and "srcdoc=" in frame
    assert list((classroom.member_root / ASSIGNMENT / "feedback").glob("*/exam.html"))


def test_practice_reopens_after_a_reload_and_the_profile_comes_from_the_client(
    classroom: Any,
) -> None:
    page = open_page(classroom)
    tap(page, "水稻种植（测试课程） · 模拟考试：水稻种植认证考试")
    app = page.app
    assert app is not None and app.practice and len(app.paper) == 10
    first = answer(app, 1)
    app.goto(2)
    again = open_page(classroom)
    assert again.app is not None and again.app.paper.id == app.paper.id
    assert again.app.current == 2 and again.app.answers[1] == first
    tap(again, "返回我的学习")
    assert again.app is None and "我的档案" in shown_text(again)

    class Published:
        def published_record(self, member: str) -> PublishedRecord | None:
            assert member == "m007"
            return PublishedRecord(
                2026, 20, 32, (ExamResult("水稻认证", 90, 100, True),), ("水稻种植",)
            )

    text = shown_text(open_page(classroom, records=Published()))
    assert "2026 年学时" in text and "20 / 32 学时" in text and "水稻认证 90/100 分（合格）" in text
    assert PLACEHOLDER not in text


def test_without_an_exchange_or_courses_the_page_says_so_in_chinese(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        f'c = get_config()  # noqa: F821\nc.Exchange.root = "{tmp_path / "none"}"\n', "utf-8"
    )
    page = Landing(member="m007", root=tmp_path, courses_dir=tmp_path / "no-courses")
    page.heartbeat.stop()
    text = shown_text(page)
    assert "考试系统暂时无法列出考试，请稍后再试，或联系组织委员。" in text
    assert "课程暂时打不开，请联系老师。" in text
    assert "Error" not in text and "exchange" not in text
    out, err = capfd.readouterr()  # nbgrader's English warnings would show up on the page
    assert out == "" and err == ""


SHOW_EXAM = """
import json, sys
from exam_tools.quiz.landing import Landing
page = Landing(member="m007", root=sys.argv[1], courses_dir=sys.argv[2])
tile = next(b for b in page.body.children if getattr(b, "description", "").startswith(sys.argv[3]))
tile.click()
assert page.app is not None and not page.app.practice
import gc
held = sorted({type(o).__name__ for o in gc.get_objects()} & {"Bank", "Question", "AnswerKey"})
print(json.dumps([held, sorted(m for m in sys.modules if m.startswith("exam_tools"))]))
"""


def test_the_page_with_an_exam_open_loads_no_key_grading_or_records_code(classroom: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SHOW_EXAM, str(classroom.member_root), str(DATA / "courses"), TITLE],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    held, modules = json.loads(result.stdout.splitlines()[-1])
    assert "exam_tools.quiz.landing" in modules and "exam_tools.quiz.exchange" in modules
    forbidden = ("exam_tools.grading", "exam_tools.records", "exam_tools.course.key",
                 "exam_tools.quiz.exercises")  # fmt: skip
    # course loading checks lesson hours against records.hours' pure limit: no database, no key
    allowed = {"exam_tools.records", "exam_tools.records.hours"}
    assert not [m for m in modules if m.startswith(forbidden) and m not in allowed]
    assert held == []  # no bank, question or key object in the kernel


def test_on_the_hub_with_the_service_away_the_page_says_so_in_chinese(classroom: Any) -> None:
    """An unreachable exam service (restarting, network down) leaves 练习 and 错题本 with a plain
    Chinese notice; the page still opens and the exams are still listed."""
    import socket

    from exam_tools.quiz.online.client import ServiceClient

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    away = ServiceClient(f"http://127.0.0.1:{port}/services/exam", "token", "m007", timeout=2)
    page = open_page(classroom, service=away)
    text = shown_text(page)
    assert "错题本稍后再看" in text and "练错题本" not in "".join(buttons(page))
    assert any(TITLE in d for d in buttons(page))


class TwoPractices:
    """What the exam service lists when one assessment was handed to it twice (``exam open``)."""

    member = "m007"

    def exams(self) -> list[dict[str, Any]]:
        return []  # no exam handed to the service

    def practice_list(self) -> list[dict[str, str]]:
        return [{"exam": e, "title": "课后练习", "course": "水稻种植"} for e in ("drill", "lesson")]

    def progress(self) -> dict[str, Any]:
        return {"count": 3, "practice": {"items": 12, "correct": 9, "graded": 11}}

    def record(self) -> dict[str, Any]:
        return {"member": self.member, "record": None}


def test_two_practices_of_one_assessment_get_tiles_told_apart(classroom: Any) -> None:
    page = open_page(classroom, service=TwoPractices())
    tiles = [d for d in buttons(page) if "练习：课后练习" in d]
    assert tiles == ["水稻种植 · 练习：课后练习", "水稻种植 · 练习：课后练习（2）"]
    assert "练错题本（3 题）" in buttons(page)
    # 我的档案 on the hub: the service's count of this year's practice, current to the last check
    assert "本年度练习 12 题次，答对 9 题次（另有 1 题次需人工评阅，不计对错）" in shown_text(page)
