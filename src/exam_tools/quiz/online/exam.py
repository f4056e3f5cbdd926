"""The quiz's responses store when an exam service is there: the service decides, files only cache.

:class:`ServiceResponseStore` is a :class:`~exam_tools.quiz.store.ResponseStore` (the quiz needs
nothing else) whose attempts, deadlines and hand-ins come from the service. Each answer is written
to the local responses file and the queue, then sent by a background thread, so a tap never
waits for the network (issue 17 item 6: a slow service froze the page for 10 s); the quiz hears
of each outcome through :attr:`ServiceResponseStore.on_change` and shows 正在保存/已保存. If the
service is away the member sees :data:`~exam_tools.quiz.online.client.AWAY_NOTICE` and the thread
keeps trying. A hand-in while the service is away is queued after the answers and sent with them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.course.paper import Paper
from exam_tools.errors import QuizError
from exam_tools.quiz.online.client import (
    AWAY_NOTICE,
    BUSY_NOTICE,
    AnswerQueue,
    ServiceAway,
    ServiceBusy,
    ServiceClient,
    ServiceRefused,
)
from exam_tools.quiz.store import Attempt, Clock, ResponseStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from exam_tools.quiz.app import QuizApp


#: The refusals of an answer that mean the attempt is over (the quiz shows it handed in).
ENDS_ATTEMPT = frozenset({"late", "submitted", "wrong-attempt", "closed"})


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
        self._mutex = threading.RLock()  # the attempts in memory; never held while sending
        self._syncing = threading.RLock()  # one exchange with the service at a time
        self._wake = threading.Event()
        self._sender: threading.Thread | None = None
        self._refusals: list[ServiceRefused] = []
        #: called (from a background thread) when what was sent, or refused, changes
        self.on_change: Callable[[], None] | None = None
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

    def sync(self, patience: float = 0.0) -> bool:
        """Send what waits and read the service's state; False while the service is away.
        The attempts are locked only to apply the reply, so taps meanwhile go on. With
        ``patience``: when the service only asked to wait (429: a burst of taps, a busy minute),
        wait as it asks and try again, up to that many seconds in all."""
        waited = 0.0
        while not self._sync_once():
            wait = max(0.2, self.queue.busy_until - time.monotonic())
            if not self.queue.busy or waited + wait > patience:
                return False
            time.sleep(wait)
            waited += wait
        return True

    def _sync_once(self) -> bool:
        with self._syncing:
            if not self.queue.flush():
                self._away()
                return False
            try:
                with self._mutex:
                    number = None if self.current is None else self.current.number
                    submit = self._submit_pending and number is not None
                if submit:
                    assert number is not None
                    self.client.submit(self.exam, self.paper.id, number)
                    self._submit_pending = False
                state = self.client.state(self.exam)
            except ServiceAway as exc:
                self.notice = BUSY_NOTICE if isinstance(exc, ServiceBusy) else AWAY_NOTICE
                self._retry_later()
                return False
            with self._mutex:
                self._apply(state)
                self.notice = ""
            return True

    def _away(self) -> None:
        """What waits stays queued: the notice says why, the retry thread sends it later."""
        self.notice = BUSY_NOTICE if self.queue.busy else AWAY_NOTICE
        self._retry_later()

    # ---- the sender: answers leave in the background ---------------------------------------------

    @property
    def sending(self) -> bool:
        """Answers are waiting to reach the service (the quiz shows 正在保存……)."""
        return bool(self.queue.pending)

    def _send_soon(self) -> None:
        self._wake.set()
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._send_loop, daemon=True,
                                            name="exam-service-sender")  # fmt: skip
            self._sender.start()

    def _send_loop(self) -> None:
        while self._wake.wait() and not self._stop.is_set():
            self._wake.clear()
            self.send()

    def send(self) -> bool:
        """Send the queued answers now (the sender thread does it after every answer); False
        while the service is away. A refusal is kept for the quiz (:meth:`take_refusal`); one
        that ends the attempt (time up, handed in, closed) reads the service's state first."""
        with self._syncing:
            ok = self.queue.flush()
            refused = self.queue.take_refused()
            if ok:
                self.notice = ""
            else:
                self._away()
        if any(exc.code in ENDS_ATTEMPT for exc in refused):
            self.sync()
        with self._mutex:
            self._refusals.extend(refused)
        if self.on_change is not None:
            self.on_change()
        return ok

    def take_refusal(self) -> QuizError | None:
        """The latest refusal of an answer since the last call, as the quiz shows it: a
        :class:`ServiceQuizError` when only that answer was refused, a plain
        :class:`~exam_tools.errors.QuizError` when the attempt is over."""
        with self._mutex:
            refused, self._refusals = self._refusals, []
        if not refused:
            return None
        exc = refused[-1]
        return QuizError(str(exc)) if exc.code in ENDS_ATTEMPT else ServiceQuizError(str(exc))

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is queued or the service is away (tests, and the page before a
        logout); True when everything was sent."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._syncing:
                if not self.queue.pending and not self._wake.is_set():
                    return True
                if self.notice:
                    return False
            time.sleep(0.02)
        return not self.queue.pending

    def _retry_later(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return

        def run() -> None:
            while not self._stop.wait(self._retry_every):
                if self.sync():
                    if self.on_change is not None:
                        self.on_change()  # the notice goes, 已保存 shows
                    return

        self._thread = threading.Thread(target=run, daemon=True, name="exam-service-retry")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

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
        self._send_soon()

    def submit(self, by: str = "member") -> Attempt:
        """Hand in: what waits is sent first, then the hand-in (the tap shows 正在交卷 before)."""
        with self._mutex:
            cur = self.current
            if cur is None or cur.submitted:
                raise QuizError("本次作答已经交卷")
            if by == "member":
                self._submit_pending = True
        sent = self.sync()
        with self._mutex:
            cur = self.current
            assert cur is not None
            if not sent or self._submit_pending:
                # away: shown as handed in here; the service judges it by its clock when it arrives
                self.notice = self.notice or AWAY_NOTICE
                cur.submitted_at = self.clock() + self.skew
                if cur.deadline is not None:
                    cur.submitted_at = min(cur.submitted_at, cur.deadline)
                cur.submitted_by = by
                self.save()
            if not cur.submitted:  # the service had not yet seen the time run out
                cur.submitted_at, cur.submitted_by = (cur.deadline or self.clock()), by
            return cur


def _grading_rule(name: Any) -> str:
    """How the service exam's attempts are graded, as the rules page says it (issue 17 item 1);
    a service from before the field: highest, as the graders then take it."""
    from exam_tools.course.model import GRADING_NAMES, Grading

    return GRADING_NAMES.get(str(name), Grading.HIGHEST).rule


def exam_name(spec_path: str | Path) -> str:
    """The exam's name at the service: the nbgrader assignment, i.e. the spec's folder."""
    return Path(spec_path).resolve().parent.name


def _quiz(
    client: ServiceClient, exam: str, state: dict[str, Any], paper_file: Path, *,
    clock: Clock, timer: bool, on_submitted: Callable[[QuizApp], None] | None, intro: bool,
) -> QuizApp:  # fmt: skip
    from exam_tools.fileio import write_atomic
    from exam_tools.quiz import responses_path
    from exam_tools.quiz.app import QuizApp

    paper = Paper.from_dict(state["paper_json"], "考试服务")
    write_atomic(paper_file, paper.to_json())  # a copy for the member to look at; never read back
    store = ServiceResponseStore(responses_path(paper_file), paper, client, exam, clock=clock,
                                 state=state)  # fmt: skip
    return QuizApp(paper, store, clock=clock, timer=timer, on_submitted=on_submitted,
                   intro=intro)  # fmt: skip


class ServiceExamLauncher:
    """An exam at the service before the member's 开始考试: its rules and the button, no paper.

    The service sends the paper only in its reply to 开始考试 (issue 16), so until the tap nothing
    of the questions is in this kernel or the member's folder; then :attr:`app` is the quiz and
    :attr:`widget` shows it. ``on_started`` hears of the quiz (the 我的学习 page shows it)."""

    def __init__(
        self, client: ServiceClient, exam: str, state: dict[str, Any], paper_file: Path, *,
        clock: Clock = time.time, timer: bool = True,
        on_submitted: Callable[[QuizApp], None] | None = None,
        on_started: Callable[[QuizApp], None] | None = None,
    ) -> None:  # fmt: skip
        import html

        import ipywidgets as w

        from exam_tools.quiz import shared
        from exam_tools.quiz.app import CSS

        self.client, self.exam, self.state, self.paper_file = client, exam, state, paper_file
        self.clock, self.timer, self.on_submitted = clock, timer, on_submitted
        self.on_started = on_started
        self.app: QuizApp | None = None
        self._lock = threading.Lock()
        s = state.get("summary") or {}
        limit = f"，限时 {s['time_limit']:g} 分钟" if s.get("time_limit") else ""
        self.header = shared.html(
            f'<div class="et-title">{html.escape(str(s.get("title", exam)))}</div>'
            f'<div class="et-sub">考试 · {html.escape(str(s.get("course", "")))} · '
            f"共 {s.get('questions', '?')} 题，满分 {float(s.get('total_points') or 0):g} 分"
            f"{limit}</div>"
        )
        lines = []
        if s.get("time_limit"):
            lines.append(f"限时 {s['time_limit']:g} 分钟：点“开始考试”后开始计时，中途离开或关掉页面"
                         "时间照走，时间到自动交卷。")  # fmt: skip
        allowed = state.get("attempts_allowed")
        left = None if allowed is None else max(0, int(allowed) - len(state.get("attempts", [])))
        lines.append(f"可以作答 {left} 次，交卷后不能修改。" if left is not None
                     else "交卷后不能修改。")  # fmt: skip
        lines.append(_grading_rule(s.get("grading")))
        self.intro = shared.html(
            '<div class="et-box">'
            + "".join(f"<div>{html.escape(x)}</div>" for x in lines)
            + "</div>"
        )
        self.begin_button = shared.button(description="开始考试", button_style="success",
                                          tooltip="开始考试", layout=shared.layout(width="auto"))  # fmt: skip
        self.begin_button.on_click(lambda _b: self.begin())
        self.message = shared.html()
        self.widget = w.VBox([shared.html(CSS), self.header, self.intro, self.begin_button,
                              self.message], _dom_classes=("exam-tools-quiz",))  # fmt: skip

    @property
    def attempt(self) -> Any:
        return None if self.app is None else self.app.attempt

    @property
    def submitted(self) -> bool:
        return self.app is not None and self.app.submitted

    @property
    def started(self) -> bool:
        return self.app is not None

    def begin(self) -> None:
        """开始考试 tapped: the attempt starts, or the service's reason is shown."""
        import html

        if self.app is not None:
            return  # a second tap
        # shown before the request goes out (a widget update leaves the kernel at once), so a
        # slow service is seen to be working (issue 17 item 6)
        self.begin_button.disabled = True
        self.begin_button.description = "正在开始……"
        self.message.value = '<div class="et-warn">正在开始考试，请稍候……</div>'
        try:
            problem = self.start()
        finally:
            self.begin_button.disabled = False
            self.begin_button.description = "开始考试"
        self.message.value = (
            "" if problem is None else f'<div class="et-box et-wrong">{html.escape(problem)}</div>'
        )

    def start(self) -> str | None:
        """Ask the service to start the attempt; its reply hands out the paper. The reason when
        it does not (not open yet, closed, no attempts left, away)."""
        with self._lock:
            if self.app is not None:
                return None  # a second tap
            try:
                state = self.client.start(self.exam, str(self.state["paper"]))
            except ServiceAway:
                return "暂时连不上考试服务，无法开始作答，请稍后再试。"
            except ServiceRefused as exc:
                return str(exc)
            if "paper_json" not in state:
                return "考试服务没有发来试卷，请稍后再试。"
            self.app = _quiz(self.client, self.exam, state, self.paper_file, clock=self.clock,
                             timer=self.timer, on_submitted=self.on_submitted, intro=False)  # fmt: skip
            self.widget.children = [self.app.widget]
        if self.on_started is not None:
            self.on_started(self.app)
        return None

    def close(self) -> None:
        if self.app is not None:
            self.app.close()


def open_service_exam(
    client: ServiceClient,
    exam: str,
    paper_file: str | Path,
    *,
    clock: Clock = time.time,
    timer: bool = True,
    on_submitted: Callable[[QuizApp], None] | None = None,
    intro: bool = False,
    required: bool = False,
) -> QuizApp | ServiceExamLauncher | None:
    """The member's exam ``exam`` at the service. With ``intro`` and no attempt yet: the
    :class:`ServiceExamLauncher` (rules and 开始考试, no paper); otherwise the quiz for the paper
    the service drew (starting the attempt now if none is running). The released exam.json is
    never read: what it says about time or attempts changes nothing. ``paper_file``: where the
    member's copy of the paper goes once handed out. None if the service does not hold this exam
    (an assignment the instructors did not ``exam open``), unless ``required``."""
    paper_file = Path(paper_file)
    try:
        state = client.state(exam)
    except ServiceAway:
        raise QuizError("暂时连不上考试服务，请稍后刷新页面再打开考试。") from None
    except ServiceRefused as exc:
        if exc.code == "no-such-exam" and not required:
            return None  # not handed to the service: the files decide, as without a hub
        raise
    if "paper_json" not in state:  # no attempt yet: the paper comes with 开始考试
        launcher = ServiceExamLauncher(client, exam, state, paper_file, clock=clock, timer=timer,
                                       on_submitted=on_submitted)  # fmt: skip
        if intro:
            return launcher
        problem = launcher.start()
        if problem is not None:
            raise QuizError(problem)
        assert launcher.app is not None
        return launcher.app
    return _quiz(client, exam, state, paper_file, clock=clock, timer=timer,
                 on_submitted=on_submitted, intro=intro)  # fmt: skip
