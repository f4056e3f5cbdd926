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
tile = next(b for b in page.body.children if sys.argv[3] in getattr(b, "description", ""))
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


# what GET …/api/points answers (exam_tools.service.daily.points_for)
POINTS = {"today": 9, "total": 57, "streak": 4, "year": 2026,
          "by_kind": {"practice": 40, "daily": 15, "exam": 0, "hours": 2},
          "names": {"practice": "练习答对", "daily": "每日一练", "exam": "考试合格", "hours": "培训学时"},
          "daily": {"exam": "_review-daily-2026-12-01", "judged": 3, "size": 5}}  # fmt: skip


class TwoPractices:
    """What the exam service lists when one assessment was handed to it twice (``exam open``)."""

    member = "m007"

    def exams(self) -> list[dict[str, Any]]:
        return []  # no exam handed to the service

    def practice_list(self) -> list[dict[str, str]]:
        return [{"exam": e, "title": "课后练习", "course": "水稻种植"} for e in ("drill", "lesson")]

    def progress(self) -> dict[str, Any]:
        return {"count": 3, "practice": {"items": 12, "correct": 9, "graded": 11}}

    def points(self) -> dict[str, Any]:
        return POINTS

    def record(self) -> dict[str, Any]:
        return {"member": self.member, "record": None}

    def call(self, method: str, path: str, body: Any = None, patient: bool = True) -> Any:
        return {"contests": []}  # GET contests: no 知识竞赛 running


def test_two_practices_of_one_assessment_get_tiles_told_apart(classroom: Any) -> None:
    page = open_page(classroom, service=TwoPractices())
    tiles = [d.splitlines()[0] for d in buttons(page) if "练习：课后练习" in d]
    assert tiles == ["练习：课后练习（水稻种植）", "练习：课后练习（水稻种植） 第2套"]
    assert "练错题本（3 题）" in buttons(page)
    # 我的档案 on the hub: the service's count of this year's practice, current to the last check
    assert "本年度练习 12 题次，答对 9 题次（另有 1 题次需人工评阅，不计对错）" in shown_text(page)


def test_points_streak_and_the_daily_quiz_are_on_the_page_as_the_service_counts_them(
    classroom: Any,
) -> None:
    """学习积分 (today, this year, the streak) below 待考, the 每日一练 one tap away, and 我的档案
    listing the points by kind: all as the exam service answered, nothing counted here."""
    import re

    page = open_page(classroom, service=TwoPractices())
    text = re.sub(r"<[^>]+>", "", shown_text(page))
    assert "今日积分 9 分　本年 57 分连续学习 4 天" in text
    assert "本年 57 分（练习答对 40 分，每日一练 15 分，培训学时 2 分）" in text
    tiles = list(buttons(page))
    daily = "每日一练\n今天已答 3/5 题，点这里接着答"
    assert daily in tiles
    # before the practice tiles: the first thing to tap
    assert tiles.index(daily) < min(i for i, b in enumerate(tiles) if b.startswith("练习："))


# ---- names, tile states, taps that wait (issue 17 items 4-6) ------------------------------------

NOW = 1_796_086_800.0  # 2026-12-01 09:00 Beijing time (01:00 UTC)
SHANGHAI = "Asia/Shanghai"


class Service:
    """A fake exam service: three exams in different states, one practice, a published record
    with the member's name and a score; ``slow`` seconds before each exam opens."""

    member = "dy705925"

    def __init__(self, slow: float = 0.0, away: bool = False) -> None:
        self.slow = slow
        self.away = away
        self.asked: list[str] = []

    def exams(self) -> list[dict[str, Any]]:
        base = {"course": "水稻种植", "course_id": "shuidao", "time_limit": 30, "closes_at": None,
                "open": True, "attempts": 0, "submitted": False, "submitted_at": None,
                "deadline": None, "opens_at": None}  # fmt: skip
        return [
            {**base, "exam": "later", "title": "第二次测验", "assessment_id": "quiz2",
             "open": False, "opens_at": NOW + 86400},
            {**base, "exam": "going", "title": "第一次测验", "assessment_id": "quiz1",
             "attempts": 1, "deadline": NOW + 1200},
            {**base, "exam": "cert", "title": "水稻种植认证考试", "assessment_id": "cert",
             "attempts": 1, "submitted": True, "submitted_at": NOW - 3600},
        ]  # fmt: skip

    def practice_list(self) -> list[dict[str, str]]:
        return [{"exam": "drill", "title": "课后练习", "course": "水稻种植"}]

    def progress(self) -> dict[str, Any]:
        return {"count": 0, "practice": {"items": 0, "correct": 0, "graded": 0}}

    def points(self) -> dict[str, Any]:
        return {**POINTS, "today": 0, "streak": 0, "daily": {"exam": None, "judged": 0, "size": 5}}

    def call(self, method: str, path: str, body: Any = None, patient: bool = True) -> Any:
        return {"contests": []}  # GET contests: no 知识竞赛 running

    def record(self) -> dict[str, Any]:
        return {"member": self.member, "record": {
            "name": "张秀英", "year": 2026, "hours": 12, "required_hours": 32,
            "exams": [{"title": "水稻种植认证考试（水稻种植）", "score": 85, "total": 100,
                       "passed": True, "course_id": "shuidao", "assessment_id": "cert"}],
            "technologies": ["水稻种植"]}}  # fmt: skip

    def state(self, exam: str) -> dict[str, Any]:
        import time

        from exam_tools.quiz.online.client import AWAY_NOTICE, ServiceAway

        self.asked.append(exam)
        time.sleep(self.slow)
        if self.away:
            raise ServiceAway(AWAY_NOTICE)
        return {"exam": exam, "member": self.member, "paper": "p1", "mode": "exam", "now": NOW,
                "grace": 0, "attempts_allowed": 1, "attempts": [],
                "summary": {"title": "第二次测验", "course": "水稻种植", "questions": 10,
                            "total_points": 100, "time_limit": 30}}  # fmt: skip


def hub_page(tmp_path: Path, service: Any, monkeypatch: pytest.MonkeyPatch) -> Landing:
    from exam_tools.quiz.online.records import ServiceRecordClient

    monkeypatch.setenv("EXAM_TOOLS_TZ", SHANGHAI)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("exam_tools.quiz.landing_parts.time.time", lambda: NOW)
    page = Landing(member=service.member, root=tmp_path, service=service,
                   records=ServiceRecordClient(service))  # type: ignore[arg-type]  # fmt: skip
    page.heartbeat.stop()
    return page


def test_the_page_greets_by_name_and_names_exams_by_their_titles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = hub_page(tmp_path, Service(), monkeypatch)
    text = shown_text(page) + "".join(buttons(page))
    assert "您好，张秀英！" in text
    assert "dy705925" not in text and "shuidao" not in text and "cert" not in text
    assert "水稻种植认证考试（水稻种植） 85/100 分（合格）" in text


def test_the_published_record_carries_the_name_and_the_chinese_titles() -> None:
    from exam_tools.records.record import build_record
    from exam_tools.records.standards import load_standards
    from exam_tools.service.export import published

    attempt = {"course": "shuidao", "assessment": "cert", "score": 15, "max_score": 100,
               "percent": 15, "passed": False, "submitted_at": "2026-11-30T10:00:00+08:00"}  # fmt: skip
    titles = {("shuidao", "cert"): ("水稻种植", "水稻种植认证考试")}
    rec = build_record({"id": "m1", "name": "张秀英", "roles": []}, 2026, [], [attempt],
                       load_standards(None), [], titles)  # fmt: skip
    doc = published(rec)
    assert doc["name"] == "张秀英"
    assert doc["exams"][0]["title"] == "水稻种植认证考试（水稻种植）"
    assert (doc["exams"][0]["course_id"], doc["exams"][0]["assessment_id"]) == ("shuidao", "cert")


def test_each_tile_says_its_title_and_state_in_the_configured_zone() -> None:
    from exam_tools.quiz.landing_parts import service_exam_tile
    from exam_tools.quiz.record_client import ExamResult
    from exam_tools.timezone import zone

    tz = zone(SHANGHAI)
    exams = {e["exam"]: e for e in Service().exams()}

    def says(e: dict[str, Any], results: Any = None) -> tuple[str, str, str]:
        t = service_exam_tile(e, results, NOW, tz)
        return t.text, t.state, t.css

    assert says(exams["later"]) == (
        "考试：第二次测验（水稻种植）\n【未开始】12月2日 09:00 开考",
        "未开始",
        "et-later",
    )
    assert says(exams["going"]) == (
        "考试：第一次测验（水稻种植）\n【进行中】还剩约 20 分钟，点这里接着答",
        "进行中",
        "et-going",
    )
    assert says(exams["cert"]) == (
        "考试：水稻种植认证考试（水稻种植）\n【已交卷】12月1日 08:00 交卷",
        "已交卷",
        "et-done",
    )
    score = {("shuidao", "cert"): ExamResult("水稻种植认证考试", 85, 100, True, "shuidao", "cert")}
    assert says(exams["cert"], score)[0].endswith("【成绩已发布】85/100 分，合格")
    fresh = {**exams["later"], "open": True, "opens_at": NOW - 60, "closes_at": NOW + 7200}
    assert says(fresh) == (
        "考试：第二次测验（水稻种植）\n【可以开始】点这里开始考试，12月1日 11:00 截止",
        "可以开始", "et-new")  # fmt: skip
    assert says({**fresh, "open": False, "closes_at": NOW - 60})[1] == "已结束"
    assert service_exam_tile(exams["later"], None, NOW, zone("UTC")).detail == "12月2日 01:00 开考"


def test_tiles_tell_exams_and_practice_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = hub_page(tmp_path, Service(), monkeypatch)
    tiles = [b for b in page.body.children if isinstance(b, w.Button)]
    states = {b.description.splitlines()[0]: set(b._dom_classes) for b in tiles}
    assert {"et-exam", "et-later"} <= states["考试：第二次测验（水稻种植）"]
    assert {"et-exam", "et-going"} <= states["考试：第一次测验（水稻种植）"]
    assert {"et-exam", "et-done"} <= states["考试：水稻种植认证考试（水稻种植）"]
    assert "【成绩已发布】85/100 分，合格" in buttons(page).keys().__str__()
    assert {"et-practice"} <= states["练习：课后练习（水稻种植）"]
    assert "et-exam" not in states["练习：课后练习（水稻种植）"]


def test_a_slow_service_shows_it_is_working_at_once_and_the_page_stays_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    service = Service(slow=5.0)
    page = hub_page(tmp_path, service, monkeypatch)
    tile = next(b for d, b in buttons(page).items() if "第二次测验" in d)
    started = time.monotonic()
    tile.click()
    assert time.monotonic() - started < 0.3  # the tap returned: the kernel is free
    assert "正在打开" in tile.description and tile.disabled
    assert all(b.disabled for b in buttons(page).values())  # no second request meanwhile
    assert "正在打开，请稍候" in page.wait.value and "et-warn" in page.wait.value
    again = time.monotonic()
    tile.click()  # a second tap while waiting asks nothing more, and does not wait either
    assert time.monotonic() - again < 0.3
    assert page.working is not None
    page.working.join(10)
    assert time.monotonic() - started >= 5 and service.asked == ["later"]
    assert page.launcher is not None and page.wait.value == ""  # the exam's rules, in place
    assert "第二次测验" in page.launcher.header.value


def test_network_trouble_is_shown_in_the_warning_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = hub_page(tmp_path, Service(away=True), monkeypatch)
    tile = next(b for d, b in buttons(page).items() if "第二次测验" in d)
    tile.click()
    assert page.working is not None
    page.working.join(10)
    assert "暂时连不上考试服务" in page.wait.value and "et-warn" in page.wait.value
    assert "et-right" not in page.wait.value
    assert not tile.disabled and "正在打开" not in tile.description  # tap again when it is back


def test_start_exam_says_it_is_starting_before_the_service_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """开始考试 shows 正在开始… before its request goes out (the widget update leaves the kernel
    at once); a refusal brings the button back with the reason."""
    from exam_tools.quiz.online.client import AWAY_NOTICE, ServiceAway

    seen: list[tuple[bool, str, str]] = []
    service = Service()
    page = hub_page(tmp_path, service, monkeypatch)
    page.open_service_exam("later")
    launcher = page.launcher
    assert launcher is not None

    def start(exam: str, paper: str) -> dict[str, Any]:
        b = launcher.begin_button
        seen.append((b.disabled, b.description, launcher.message.value))
        raise ServiceAway(AWAY_NOTICE)

    service.start = start  # type: ignore[attr-defined]
    launcher.begin_button.click()
    assert seen == [(True, "正在开始……", '<div class="et-warn">正在开始考试，请稍候……</div>')]
    assert not launcher.begin_button.disabled and launcher.begin_button.description == "开始考试"
    assert "暂时连不上考试服务" in launcher.message.value


@pytest.mark.parametrize(
    ("last", "reopened"),
    [
        (None, True),  # not begun: its 开始考试 screen again
        ({"submitted_at": NOW - 60, "over": True}, False),  # handed in
        ({"submitted_at": None, "over": True}, False),  # its time ran out while away
        ({"submitted_at": None, "over": False}, True),  # under way: back into it
    ],
)
def test_the_next_login_reopens_an_exam_only_while_it_is_not_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last: dict[str, Any] | None, reopened: bool
) -> None:
    """The page remembers the exam that was open. Once the service says the member's attempt is
    over, the next login shows the home page straight away, without building that quiz first."""
    from exam_tools.quiz.landing import RESUME_FILE

    class Ended(Service):
        def state(self, exam: str) -> dict[str, Any]:
            got = super().state(exam)
            if last is not None:
                got["attempts"] = [{"number": 1, "started_at": NOW - 600, "deadline": NOW + 600,
                                    "answers": {}, "submitted_by": "member", **last}]  # fmt: skip
            return got

    built: list[Any] = []
    real_init = QuizApp.__init__

    def counted(self: QuizApp, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(QuizApp, "__init__", counted)
    monkeypatch.delenv("EXAM_TOOLS_HOME", raising=False)
    kept = tmp_path / ".exam-tools" / RESUME_FILE  # ~/.exam-tools, HOME being tmp_path
    kept.parent.mkdir()
    kept.write_text(json.dumps({"kind": "service-exam", "exam": "second"}), "utf-8")
    service = Ended()
    page = hub_page(tmp_path, service, monkeypatch)
    assert page.resume_path == kept
    if reopened:
        assert page.launcher is not None or page.app is not None
        assert kept.exists()
    else:
        assert built == [] and page.app is None and page.launcher is None
        assert not kept.exists()  # and the login after that asks nothing
        assert service.asked == ["second"]
