"""The quiz's responses store when an exam service is there: the service decides, files only cache.

:class:`ServiceResponseStore` is a :class:`~exam_tools.quiz.store.ResponseStore` (the quiz needs
nothing else) whose attempts, deadlines and hand-ins come from the service. Each answer is written
to the local responses file and the queue, then sent; if the service is away the member sees
:data:`~exam_tools.service.client.AWAY_NOTICE` and a background thread keeps trying. A hand-in
while the service is away is queued after the answers and sent with them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.course.paper import Paper
from exam_tools.errors import QuizError
from exam_tools.quiz.store import Attempt, Clock, ResponseStore
from exam_tools.service.client import (
    AWAY_NOTICE,
    BUSY_NOTICE,
    AnswerQueue,
    ServiceAway,
    ServiceBusy,
    ServiceClient,
    ServiceRefused,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from exam_tools.quiz.app import QuizApp


class ServiceQuizError(QuizError):
    """A refused answer: the message is shown, the paper stays open."""

    keeps_attempt = True


class ServiceResponseStore(ResponseStore):
    def __init__(
        self,
        path: str | Path,
        paper: Paper,
        client: ServiceClient,
        exam: str,
        *,
        clock: Clock = time.time,
        state: dict[str, Any] | None = None,
        retry_every: float = 3.0,
    ) -> None:
        super().__init__(path, paper, member=client.member, clock=clock)
        self.client = client
        self.exam = exam
        self.notice = ""
        self.allowed: int | None = paper.attempts
        self.skew = 0.0  # service clock minus ours, so the countdown shows the service's
        self.queue = AnswerQueue(Path(path).with_name(Path(path).stem + ".queue.jsonl"),
                                 client, exam, paper.id)  # fmt: skip
        self._submit_pending = False
        self._retry_every = retry_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.RLock()  # the retry thread and the quiz change the same attempts
        if state is not None:
            self._apply(state)
        self.sync()

    def _load(self) -> None:
        try:
            super()._load()
        except QuizError:  # only a cache: a damaged or edited file is replaced from the service
            self.attempts = []

    # ---- from the service ------------------------------------------------------------------------

    def _apply(self, state: dict[str, Any]) -> None:
        self.skew = float(state["now"]) - self.clock()
        self.allowed = state.get("attempts_allowed")
        local = {a.number: a for a in self.attempts}
        attempts = []
        for a in state["attempts"]:
            mine = local.get(a["number"])
            attempt = Attempt(
                number=a["number"],
                started_at=a["started_at"],
                deadline=a["deadline"],
                submitted_at=a["submitted_at"],
                submitted_by=a["submitted_by"],
                answers={int(n): v for n, v in a["answers"].items()},
                checked=mine.checked if mine else [],
                position=mine.position if mine else 1,
            )
            if a["over"] and attempt.submitted_at is None:
                attempt.submitted_at, attempt.submitted_by = attempt.deadline, "timeout"
            attempts.append(attempt)
        # answers still queued here are newer than what the service has
        for item in self.queue.pending:
            for attempt in attempts:
                if attempt.number == item.get("attempt") and "n" in item:
                    if item["value"] is None:
                        attempt.answers.pop(item["n"], None)
                    else:
                        attempt.answers[item["n"]] = item["value"]
        self.attempts = attempts
        self.save()

    def sync(self) -> bool:
        """Send what waits and read the service's state; False while the service is away."""
        with self._mutex:
            return self._sync()

    def _away(self) -> None:
        """What waits stays queued: the notice says why, the retry thread sends it later."""
        self.notice = BUSY_NOTICE if self.queue.busy else AWAY_NOTICE
        self._retry_later()

    def _sync(self) -> bool:
        if not self.queue.flush():
            self._away()
            return False
        try:
            if self._submit_pending and self.current is not None:
                self.client.submit(self.exam, self.paper.id, self.current.number)
                self._submit_pending = False
            self._apply(self.client.state(self.exam))
        except ServiceAway as exc:
            self.notice = BUSY_NOTICE if isinstance(exc, ServiceBusy) else AWAY_NOTICE
            self._retry_later()
            return False
        self.notice = ""
        return True

    def _retry_later(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return

        def run() -> None:
            while not self._stop.wait(self._retry_every):
                if self.sync():
                    return

        self._thread = threading.Thread(target=run, daemon=True, name="exam-service-retry")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    # ---- what the quiz asks ----------------------------------------------------------------------

    @property
    def attempts_left(self) -> int | None:
        if self.allowed is None:
            return None
        return max(0, self.allowed - len(self.attempts))

    def remaining(self) -> float | None:
        cur = self.current
        if cur is None or cur.deadline is None:
            return None
        end = cur.submitted_at if cur.submitted_at is not None else self.clock() + self.skew
        return max(0.0, cur.deadline - end)

    def start(self) -> Attempt:
        if not self.can_start():
            raise QuizError("已经没有剩余的作答次数了" if self.current else "无法开始作答")
        try:
            self._apply(self.client.start(self.exam, self.paper.id))
        except ServiceBusy as exc:
            raise QuizError(str(exc)) from None
        except ServiceAway:
            raise QuizError("暂时连不上考试服务，无法开始作答，请稍后再试。") from None
        assert self.current is not None
        return self.current

    def set_answer(self, n: int, value: Any) -> None:
        with self._mutex:
            self._set_answer(n, value)

    def _set_answer(self, n: int, value: Any) -> None:
        if not 1 <= n <= len(self.paper):
            raise QuizError(f"试卷没有第 {n} 题")
        cur = self._open_attempt()
        if value is None:
            cur.answers.pop(n, None)
        else:
            cur.answers[n] = value
        self.save()
        self.queue.put(cur.number, n, value)
        refused_before = len(self.queue.refused)
        if not self.queue.flush():
            self._away()
            return
        self.notice = ""
        if len(self.queue.refused) > refused_before:
            exc = self.queue.refused[-1]
            if exc.code in ("late", "submitted", "wrong-attempt", "closed"):
                self.sync()
                raise QuizError(str(exc))
            raise ServiceQuizError(str(exc))

    def submit(self, by: str = "member") -> Attempt:
        with self._mutex:
            return self._submit(by)

    def _submit(self, by: str) -> Attempt:
        cur = self.current
        if cur is None or cur.submitted:
            raise QuizError("本次作答已经交卷")
        if by == "member":
            self._submit_pending = True
        if not self.sync() or self._submit_pending:
            # away: shown as handed in here; the service judges it by its clock when it arrives
            self.notice = self.notice or AWAY_NOTICE
            cur.submitted_at = self.clock() + self.skew
            if cur.deadline is not None:
                cur.submitted_at = min(cur.submitted_at, cur.deadline)
            cur.submitted_by = by
            self.save()
        cur = self.current
        assert cur is not None
        if not cur.submitted:  # the service had not yet seen the time run out
            cur.submitted_at, cur.submitted_by = (cur.deadline or self.clock()), by
        return cur


def exam_name(spec_path: str | Path) -> str:
    """The exam's name at the service: the nbgrader assignment, i.e. the spec's folder."""
    return Path(spec_path).resolve().parent.name


def open_service_exam(
    client: ServiceClient,
    spec_path: str | Path,
    *,
    clock: Clock = time.time,
    timer: bool = True,
    on_submitted: Callable[[QuizApp], None] | None = None,
    intro: bool = False,
) -> QuizApp | None:
    """The quiz for this member's paper as the service drew it (the released exam.json is not
    read: what it says about time or attempts changes nothing); None if the service does not
    hold this exam (an assignment the instructors did not ``exam open``)."""
    from exam_tools.fileio import write_atomic
    from exam_tools.quiz import responses_path
    from exam_tools.quiz.app import QuizApp
    from exam_tools.quiz.exam import paper_path

    exam = exam_name(spec_path)
    try:
        state = client.state(exam)
    except ServiceAway:
        raise QuizError("暂时连不上考试服务，请稍后刷新页面再打开考试。") from None
    except ServiceRefused as exc:
        if exc.code == "no-such-exam":
            return None  # not handed to the service: the files decide, as without a hub
        raise
    paper = Paper.from_dict(state["paper_json"], "考试服务")
    target = paper_path(spec_path)
    write_atomic(target, paper.to_json())  # a copy for the member to look at; never read back
    store = ServiceResponseStore(responses_path(target), paper, client, exam, clock=clock,
                                 state=state)  # fmt: skip
    return QuizApp(paper, store, clock=clock, timer=timer, on_submitted=on_submitted,
                   intro=intro)  # fmt: skip
