"""Issue 17 item 6: a slow exam service never freezes the member's page.

A tap on an answer returns while the service still holds the save: the page says 正在保存 at once
and ✓ 已保存 when the service has it; trouble is shown in the warning colour (not a right answer's
green); 核对答案 and 交卷 say they are working before they wait; an answer the service refuses
because time is up still ends the paper, though it is refused after the tap returned. The slow
service is the real service store behind a client whose saves wait until the test lets them
through, so nothing here depends on timing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from exam_tools.quiz.app import QuizApp
from exam_tools.quiz.online.client import ServiceAway

from .conftest import FakeClock
from .test_integrity import StoreClient, _store, course_dir  # noqa: F401  # course_dir: fixture
from .test_quiz import answer


class SlowClient(StoreClient):
    """Saves wait at ``gate`` until the test opens it (a service answering slowly)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.gate = threading.Event()
        self.waiting = threading.Event()  # a save is on its way and held

    def save(self, exam: str, paper: str, attempt: int, n: int, value: Any) -> dict[str, Any]:
        self.waiting.set()
        if not self.gate.wait(30):
            raise ServiceAway("test: gate never opened")
        return super().save(exam, paper, attempt, n, value)


class AwayClient(StoreClient):
    def save(self, exam: str, paper: str, attempt: int, n: int, value: Any) -> dict[str, Any]:
        raise ServiceAway("away")


def _quiz(client: StoreClient, tmp_path: Path, clock: FakeClock) -> QuizApp:
    from exam_tools.quiz.online.exam import open_service_exam

    app = open_service_exam(client, "cert", tmp_path / "member" / "exam.paper.json",  # type: ignore[arg-type]
                            clock=clock, timer=False)  # fmt: skip
    assert isinstance(app, QuizApp)
    return app


def _settled(app: QuizApp, what: str, timeout: float = 10.0) -> None:
    """Wait (bounded) for the sender thread to report back and the page to show ``what``."""
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if what in app.progress.value + app.message.value + app.result.value:
            return
        done.wait(0.05)
    raise AssertionError(f"the page never showed {what!r}: {app.progress.value}{app.message.value}")


def test_an_answer_tap_returns_while_the_service_holds_the_save(
    course_dir: Path,  # noqa: F811  # the fixture imported above
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=None)
    client = SlowClient(s, "dy1")
    app = _quiz(client, tmp_path, clock)
    answer(app, 1)  # returns although the service has not answered
    assert client.waiting.wait(10)  # the save is on its way, held by the slow service
    assert "正在保存" in app.progress.value and "已答 1 题" in app.progress.value
    answer(app, 2)  # the next tap does not wait for the first save either
    assert "已答 2 题" in app.progress.value
    assert s.answers("cert", "dy1", 1) == {}
    client.gate.set()
    _settled(app, "已保存")
    app.store.drain()  # type: ignore[attr-defined]
    assert set(s.answers("cert", "dy1", 1)) == {1, 2}
    assert app.message.value == ""
    app.store.stop()  # type: ignore[attr-defined]


def test_trouble_is_a_warning_not_a_green_message_and_answers_stay(
    course_dir: Path,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=None)
    app = _quiz(AwayClient(s, "dy1"), tmp_path, clock)
    answer(app, 1)
    _settled(app, "网络暂时不通")
    assert 'class="et-warn"' in app.message.value and "et-right" not in app.message.value
    assert "正在保存" in app.progress.value  # kept here, not yet at the service
    assert app.answers.get(1) is not None
    app.store.stop()  # type: ignore[attr-defined]


def test_time_up_refused_after_the_tap_still_hands_the_paper_in(
    course_dir: Path,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=None)
    client = SlowClient(s, "dy1")
    app = _quiz(client, tmp_path, clock)
    handed_in: list[QuizApp] = []
    app.on_submitted = handed_in.append
    limit = app.paper.time_limit
    assert limit
    answer(app, 1)
    assert client.waiting.wait(10)
    clock.advance(limit * 60 + 120)  # the service's clock passes the deadline meanwhile
    client.gate.set()
    _settled(app, "已交卷")
    assert app.submitted and handed_in == [app]
    assert all(v.disabled for v in app.view(1).inputs)
    app.store.stop()  # type: ignore[attr-defined]


def test_hand_in_says_it_is_working_before_it_waits(
    course_dir: Path,  # noqa: F811
    tmp_path: Path,
    clock: FakeClock,
) -> None:
    s = _store(course_dir, tmp_path, clock, opens=None)
    client = SlowClient(s, "dy1")
    app = _quiz(client, tmp_path, clock)
    answer(app, 1)
    assert client.waiting.wait(10)
    shown: list[str] = []
    app.message.observe(lambda change: shown.append(change["new"]), "value")
    threading.Timer(0.5, client.gate.set).start()
    app.confirm_submit()
    assert any("正在交卷" in v for v in shown)  # said before the hand-in waited for the service
    assert app.submitted and s.answers("cert", "dy1", 1).get(1) is not None
    assert s.attempts("cert", "dy1")[0].submitted_at is not None
    app.store.stop()  # type: ignore[attr-defined]
