"""The quiz a member sees: one question at a time, large Chinese text, nothing to type but answers.

Practice (练习) checks each answer at once and shows the 解析 with its source, and puts wrong answers
in the 错题本. Exam (考试) shows a countdown, submits by itself when time is up, and shows no
correctness: it is built without a key and never receives one.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import ipywidgets as w

from exam_tools.course.model import Mode
from exam_tools.course.paper import Paper
from exam_tools.errors import QuizError
from exam_tools.quiz import shared
from exam_tools.quiz.items import ItemView
from exam_tools.quiz.session import touch
from exam_tools.quiz.store import ResponseStore

if TYPE_CHECKING:
    from exam_tools.course.verdict import Verdict
    from exam_tools.quiz.mistakes import MistakeBook

CSS = """<style>
.exam-tools-quiz { font-size: 20px; line-height: 1.6; max-width: 960px; padding: 8px;
  box-sizing: border-box; width: 100%; overflow: visible !important; }
/* ipywidgets boxes scroll (overflow: auto), which would stop the clock bar sticking to the top */
.exam-tools-quiz .widget-box, .jp-OutputArea-output:has(.exam-tools-quiz),
.jp-OutputArea-child:has(.exam-tools-quiz), .jp-OutputArea:has(.exam-tools-quiz),
.jp-Cell-outputWrapper:has(.exam-tools-quiz) {
  overflow: visible !important; }
.exam-tools-quiz .widget-html-content, .exam-tools-quiz label, .exam-tools-quiz .widget-label,
.exam-tools-quiz input, .exam-tools-quiz textarea, .exam-tools-quiz button,
.exam-tools-quiz .widget-label-basic span { font-size: 20px !important; }
.exam-tools-quiz .widget-html-content { line-height: 1.6; white-space: normal; }
.exam-tools-quiz .widget-html, .exam-tools-quiz .widget-inline-hbox { height: auto; max-width: 100%; }
.exam-tools-quiz .et-title { font-size: 24px; font-weight: bold; }
.exam-tools-quiz .et-sub, .exam-tools-quiz .et-hint { color: #555; }
.exam-tools-quiz .et-qhead { color: #a00; font-weight: bold; margin-top: 8px; }
.exam-tools-quiz .et-stem { font-size: 22px; margin: 6px 0 10px 0; white-space: normal;
  overflow-wrap: anywhere; }
.exam-tools-quiz .et-question { scroll-margin-top: 72px; }
.exam-tools-quiz .et-bar { position: sticky; top: 0; z-index: 20; background: #fff;
  border-bottom: 1px solid #ddd; padding: 4px 0; flex-wrap: wrap; align-items: center;
  column-gap: 16px; row-gap: 0; }
.exam-tools-quiz .et-progress { font-size: 18px; }
.exam-tools-quiz .et-clock { font-size: 22px; font-weight: bold; color: #064; white-space: nowrap; }
.exam-tools-quiz .et-clock-low { color: #c00; }
.exam-tools-quiz .widget-radio-box { width: 100%; }
.exam-tools-quiz .widget-radio-box label, .exam-tools-quiz .widget-checkbox label {
  white-space: normal; height: auto; min-height: 48px; line-height: 1.5; margin: 4px 0;
  padding: 8px 0; overflow: visible; display: flex; align-items: center;
  overflow-wrap: anywhere; box-sizing: border-box; }
.exam-tools-quiz .widget-radio-box label { flex-direction: row-reverse; justify-content: flex-end; }
.exam-tools-quiz .widget-checkbox { width: 100% !important; }
.exam-tools-quiz input[type=radio], .exam-tools-quiz input[type=checkbox] {
  width: 24px; height: 24px; min-width: 24px; margin: 0 12px 0 2px; }
.exam-tools-quiz .widget-checkbox, .exam-tools-quiz .widget-radio { height: auto; }
/* buttons show their whole text: never "确定…", never a blank sliver */
.exam-tools-quiz button.jupyter-button { height: auto; min-height: 48px; padding: 6px 16px;
  width: auto; max-width: 100%; white-space: normal; overflow: visible; text-overflow: clip;
  flex: 0 0 auto; }
.exam-tools-quiz button.et-judge { min-width: 0; flex: 1 1 130px; max-width: 220px;
  min-height: 64px; font-size: 22px !important; }
.exam-tools-quiz button.et-judge.et-chosen { outline: 4px solid #222; outline-offset: 2px;
  font-weight: bold; }
.exam-tools-quiz button.et-judge.et-chosen::after { content: "（已选）"; font-size: 18px; }
.exam-tools-quiz .et-card button.jupyter-button { min-width: 48px; width: 48px; min-height: 48px;
  padding: 0; }
.exam-tools-quiz .widget-text { width: 100%; }
.exam-tools-quiz .widget-text input { height: auto; min-height: 48px; box-sizing: border-box; }
.exam-tools-quiz textarea { min-height: 160px; box-sizing: border-box; max-width: 100%; }
.exam-tools-quiz .et-right { color: #064; font-weight: bold; }
.exam-tools-quiz .et-wrong { color: #c00; font-weight: bold; }
/* waiting for the network: amber, never a right answer's green or a wrong one's red */
.exam-tools-quiz .et-warn { color: #7a3e00; background: #fff3d6; border: 2px solid #e0a000;
  border-radius: 8px; padding: 6px 10px; font-weight: bold; }
.exam-tools-quiz .et-saving { color: #7a3e00; }
.exam-tools-quiz .et-saved { color: #064; }
.exam-tools-quiz .et-box { border: 2px solid #ccc; border-radius: 8px; padding: 10px 12px;
  margin: 8px 0; background: #fafafa; box-sizing: border-box; }
.exam-tools-quiz .et-blank { margin-right: 10px; white-space: nowrap; }
.exam-tools-quiz .widget-hbox { gap: 12px; flex-wrap: wrap; }
</style>"""


class Key(Protocol):
    """What practice needs of an answer key (see :class:`exam_tools.course.key.AnswerKey`)."""

    def check(self, n: int, response: Any) -> Verdict: ...

    def __getitem__(self, n: int) -> Any: ...


def clock_text(seconds: float) -> str:
    s = max(0, int(seconds + 0.999))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


def _when(ts: float | None) -> str:
    """A time a member reads, in the hub's zone (``EXAM_TOOLS_TZ``; issue 17 item 7)."""
    from exam_tools.timezone import show

    return show(ts, named=False) if ts else ""


class QuizApp:
    """A paper on screen, bound to its responses file. ``widget`` is what a notebook displays."""

    def __init__(
        self,
        paper: Paper,
        store: ResponseStore,
        *,
        key: Key | None = None,
        mistakes: MistakeBook | None = None,
        review: bool = False,
        clock: Callable[[], float] = time.time,
        timer: bool = True,
        on_submitted: Callable[[QuizApp], None] | None = None,
        intro: bool = False,
    ) -> None:
        """``intro``: an exam not yet started first shows its rules and a 开始考试 button, so the
        attempt and its clock start on that tap (not when the page or a Validate run opens it)."""
        if paper.mode is Mode.EXAM and key is not None:
            raise QuizError("考试模式不能带答案：答案只在老师一方，成绩由老师发布")
        if paper.mode is Mode.PRACTICE and key is None:
            raise QuizError("练习模式需要答案才能即时讲解，请用 practice() 打开练习")
        self.paper = paper
        self.store = store
        self.key = key
        self.mistakes = mistakes
        self.review = review
        self.clock = clock
        self.practice = paper.mode is Mode.PRACTICE
        self.on_submitted = on_submitted
        self._scrolls = 0
        self.current = 1
        self._lock = threading.RLock()
        self._views: dict[int, ItemView] = {}
        self._stop = threading.Event()
        self.timer = timer
        self._in_intro = False
        self._build()
        if hasattr(store, "on_change"):  # the exam service's store sends answers in the background
            store.on_change = self._store_changed
        if store.current is None and intro and paper.mode is Mode.EXAM:
            self._show_intro()
        else:
            self._open()

    def _open(self) -> None:
        store, paper = self.store, self.paper
        cur = store.current
        if cur is None:
            store.start()
        elif not cur.submitted and store.remaining() == 0:
            store.submit("timeout")  # time ran out while the quiz was closed
            self._finish(fresh=True)
        elif cur.submitted:
            self._finish(fresh=False)
        else:  # back to the question the member was on (after a reload or a restart)
            self.current = min(max(cur.position, 1), len(paper))
        self._show()
        if self.timer and paper.time_limit and not self.submitted:
            self._start_timer()

    def _show_intro(self) -> None:
        """The rules page: what the paper is, how long, how many tries are left and how they are
        graded; its button is the only way an attempt starts (after 交卷 none starts one: issue 17
        item 1, a second tap must not open an empty attempt)."""
        p = self.paper
        word = "练习" if self.practice else "考试"
        done = len(self.store.attempts)
        start = f"开始第 {done + 1} 次作答" if done else f"开始{word}"
        lines = [f"本卷共 {len(p)} 题，满分 {p.total_points:g} 分。"]
        if p.time_limit:
            lines.append(
                f"限时 {p.time_limit} 分钟：点“{start}”后开始计时，中途离开或关掉页面时间照走，"
                "时间到自动交卷。"
            )
        left = self.store.attempts_left
        tried = f"已作答 {done} 次，" if done else ""
        if left is not None:
            lines.append(f"{tried}还可以作答 {left} 次，交卷后不能修改。")
        else:
            lines.append(f"{tried}交卷后不能修改。")
        lines.append(p.grading.rule)
        self.intro.value = (
            '<div class="et-box">'
            + "".join(f"<div>{html.escape(line)}</div>" for line in lines)
            + "</div>"
        )
        self.begin_button.description = self.begin_button.tooltip = start
        self.back_button.layout.display = "flex" if done else "none"
        self.widget.children = (self._children[0], self.header, self.intro, self.begin_button,
                                self.back_button, self.message)  # fmt: skip
        self._in_intro = True

    def show_rules(self) -> None:
        """After 交卷, with tries left: the rules page, whose button starts the next attempt."""
        with self._lock:
            if self.started and self.submitted and self.store.can_start():
                self._say("")
                self._show_intro()

    def back_to_result(self) -> None:
        """From the rules page back to the handed-in paper, starting nothing."""
        with self._lock:
            if self._in_intro and self.store.current is not None:
                self.widget.children = self._children
                self._in_intro = False
                self._say("")

    @property
    def started(self) -> bool:
        """Whether the paper is on screen (not the rules page)."""
        return not self._in_intro

    def begin(self) -> None:
        """The member taps 开始考试 (or 开始第 N 次作答) on the rules page: the attempt, and its
        clock, start now."""
        with self._lock:
            if self.started:
                return  # a second tap
            cur = self.store.current
            if cur is None or cur.submitted:
                try:
                    self.store.start()
                except QuizError as exc:  # e.g. the exam service: not open yet, or closed
                    self._say(str(exc), error=True)
                    return
                if cur is not None:  # a new attempt after one handed in: a clean paper
                    self._views.clear()
                    self.current = 1
                    self.result.value = ""
                    self.rules_button.layout.display = "none"
                    self._stop = threading.Event()
            self._say("")
            self.widget.children = self._children
            self._in_intro = False
            self._open()

    # ---- frame --------------------------------------------------------------------------------

    def _button(
        self, text: str, handler: Callable[[], None], style: str = "", **kwargs: Any
    ) -> w.Button:
        b = shared.button(description=text, button_style=style, tooltip=text, **kwargs)

        def tapped(_b: w.Button) -> None:
            touch()  # the member is here: the idle logout waits (issue 17 item 2)
            handler()

        b.on_click(tapped)
        return b

    def _card_button(self, n: int) -> w.Button:
        return self._button(str(n), lambda: self.goto(n))

    def _header_html(self, who: str) -> str:
        p = self.paper
        limit = f"，限时 {p.time_limit} 分钟" if p.time_limit else ""
        shown = f"　党员：{html.escape(who)}" if who else ""
        return (
            f'<div class="et-title">{html.escape(p.title)}</div>'
            f'<div class="et-sub">{p.mode.label} · {html.escape(p.course_title)} · 共 {len(p)} 题，'
            f"满分 {p.total_points:g} 分{limit}{shown}</div>"
        )

    def show_member(self, name: str) -> None:
        """Name the member in the header by ``name`` (the roster name the organisers published)
        instead of the login on the paper (issue 17 item 4)."""
        self.header.value = self._header_html(name or self.paper.member or "")

    def _build(self) -> None:
        p = self.paper
        self.header = shared.html(self._header_html(p.member or ""))
        self.progress = shared.html()
        self.clock_label = shared.html()
        self.question = w.Box(layout=shared.layout(width="100%"), _dom_classes=("et-question",))
        self.scroller = shared.html()
        self.feedback = shared.html()
        self.prev_button = self._button("◀ 上一题", self.prev)
        self.next_button = self._button("下一题 ▶", self.next)
        self.check_button = self._button("核对答案", self.check_current, "info")
        self.submit_button = self._button("交卷", self.ask_submit, "warning")
        nav = [self.prev_button, self.next_button]
        if self.practice:
            nav.append(self.check_button)
        nav.append(self.submit_button)
        self.nav = w.HBox(nav, layout=shared.layout(flex_flow="row wrap"))
        self.bar = w.HBox([self.progress, self.clock_label], layout=shared.layout(),
                          _dom_classes=("et-bar",))  # fmt: skip
        self.confirm_text = shared.html()
        self.confirm_button = self._button("确定交卷", self.confirm_submit, "danger")
        self.cancel_button = self._button("继续答题", self.cancel_submit)
        self.confirm = w.VBox(
            [self.confirm_text, w.HBox([self.confirm_button, self.cancel_button])],
            layout=w.Layout(display="none"),  # shown and hidden: its own
            _dom_classes=("et-box",),
        )
        self.card_buttons = [self._card_button(n) for n in range(1, len(p) + 1)]
        grid = w.GridBox(
            self.card_buttons,
            layout=w.Layout(grid_template_columns="repeat(auto-fill, 56px)", grid_gap="6px"),
            _dom_classes=("et-card",),
        )
        self.card_title = shared.html()
        self.message = shared.html()
        self.result = shared.html()
        # not green, and not a start: it opens the rules page, whose button starts the next try
        # these three are shown and hidden: Layouts of their own (quiz/shared.py)
        self.rules_button = self._button(
            "查看练习说明" if self.practice else "查看考试说明",
            self.show_rules,
            layout=w.Layout(display="none", width="auto"),
        )
        self.intro = shared.html()
        self.begin_button = self._button(
            "开始考试", self.begin, "success", layout=w.Layout(width="auto")
        )
        self.back_button = self._button(
            "◀ 返回", self.back_to_result, layout=w.Layout(display="none", width="auto")
        )
        self.widget = w.VBox(
            [
                shared.html(CSS),
                self.header,
                self.bar,
                self.scroller,
                self.question,
                self.feedback,
                self.nav,
                self.confirm,
                self.message,
                self.result,
                self.rules_button,
                self.card_title,
                grid,
            ],
            _dom_classes=("exam-tools-quiz",),
        )
        self._children = self.widget.children

    def __repr__(self) -> str:
        return f"<QuizApp {self.paper.id}: {self.paper.mode.value}, {len(self.paper)} items>"

    # ---- state --------------------------------------------------------------------------------

    @property
    def attempt(self) -> Any:
        return self.store.current

    @property
    def submitted(self) -> bool:
        return bool(self.attempt and self.attempt.submitted)

    @property
    def answers(self) -> dict[int, Any]:
        return dict(self.attempt.answers) if self.attempt else {}

    def unanswered(self) -> list[int]:
        given = self.answers
        return [i.n for i in self.paper.items if given.get(i.n) is None]

    def view(self, n: int) -> ItemView:
        v = self._views.get(n)
        if v is None:
            v = ItemView(self.paper.item(n), len(self.paper), self._changed)
            v.set(self.answers.get(n))
            v.lock(self.submitted or n in self.attempt.checked)
            self._views[n] = v
        return v

    # ---- member actions -----------------------------------------------------------------------

    def goto(self, n: int) -> None:
        with self._lock:
            if 1 <= n <= len(self.paper):
                self.current = n
                self.cancel_submit()
                self._show()
                if not self.submitted:
                    self.store.set_position(n)
                self._scroll_to_question()

    def next(self) -> None:
        self.goto(self.current + 1)

    def prev(self) -> None:
        self.goto(self.current - 1)

    def _changed(self, n: int) -> None:
        touch()  # the member is here: the idle logout waits (issue 17 item 2)
        with self._lock:
            if self.submitted:
                return
            try:
                self.store.set_answer(n, self._views[n].get())
            except QuizError as exc:  # time ran out: the store has submitted the paper
                self._say(str(exc), error=True)
                self._finish(fresh=True)
            else:
                self._say_notice()
                self._show_status()
                return
        self._submitted()

    def _store_changed(self) -> None:
        """The exam service's store sent (or could not send) answers, from its sender thread:
        show 已保存 or the notice; a refused answer is said, and one refused because the attempt
        is over (time up, handed in elsewhere) shows the paper handed in."""
        with self._lock:
            if self.submitted and self.result.value:
                return
            take = getattr(self.store, "take_refusal", None)
            exc = take() if take is not None else None
            if exc is None:
                self._say_notice()
                self._show_status()
                return
            self._say(str(exc), error=True)
            if getattr(exc, "keeps_attempt", False):  # this answer only: the paper stays open
                self._show_status()
                return
            self._finish(fresh=True)
        self._submitted()

    def _say_notice(self) -> None:
        """The exam service's notice (away, too busy: answers kept here), in a warning colour."""
        notice = getattr(self.store, "notice", "")
        self.message.value = f'<div class="et-warn">⚠ {html.escape(notice)}</div>' if notice else ""

    def check_current(self) -> None:
        """Practice: show whether the current answer is right, with the answer and its 解析."""
        with self._lock:
            n = self.current
            if not self.practice or self.submitted or n in self.attempt.checked:
                return
            response = self.answers.get(n)
            if response is None:
                self._say("请先作答，再核对答案。", error=True)
                return
            # the verdict comes from the exam service on the hub: say at once that it is coming
            self.message.value = '<div class="et-warn">正在核对答案，请稍候……</div>'
            try:
                verdict = self._verdict(n)
            except QuizError as exc:  # the service is away: nothing is marked, try again later
                self._say(str(exc), error=True)
                return
            self.store.mark_checked(n)
            self.view(n).lock()
            qid = self.paper.item(n).qid
            if self.mistakes is not None and verdict.correct is False:
                self.mistakes.add(qid, self.paper.course)
            elif self.mistakes is not None and self.review and verdict.correct:
                self.mistakes.remove(qid)
            self._say("")
            self._show()

    def ask_submit(self) -> None:
        with self._lock:
            if self.submitted:
                return
            missing = self.unanswered()
            if missing:
                listed = "、".join(str(n) for n in missing[:30]) + (
                    "……" if len(missing) > 30 else ""
                )
                text = f'<div class="et-wrong">还有 {len(missing)} 道题没有作答：第 {listed} 题。</div>'
            else:
                text = f'<div class="et-right">全部 {len(self.paper)} 道题都已作答。</div>'
            self.confirm_text.value = text + "<div>交卷后答案不能再修改。确定交卷吗？</div>"
            self.confirm.layout.display = "flex"

    def cancel_submit(self) -> None:
        self.confirm.layout.display = "none"

    def confirm_submit(self) -> None:
        with self._lock:
            if self.submitted:
                return
            # shown before the hand-in goes out, so a slow service is seen to be working
            self.confirm_button.disabled = True
            self.message.value = '<div class="et-warn">正在交卷，请稍候……</div>'
            try:
                self.store.submit("member")
            finally:
                self.confirm_button.disabled = False
            self._say_notice()
            self._finish(fresh=True)
        self._submitted()

    def _submitted(self) -> None:
        """Tell whoever opened the quiz (the 我的学习 page hands the paper in through nbgrader)."""
        if self.on_submitted is not None:
            self.on_submitted(self)

    def tick(self) -> bool:
        """Update the countdown; submit when time is up. True once nothing is left to count."""
        with self._lock:
            remaining = self.store.remaining()
            if self.submitted or remaining is None:
                self._show_clock()
                return True
            if remaining > 0:
                self._show_clock()
                return False
            self.store.submit("timeout")
            self._say("考试时间到，试卷已按当前作答自动交卷。", error=True)
            self._finish(fresh=True)
        self._submitted()
        return True

    def close(self) -> None:
        self._stop.set()

    # ---- drawing ------------------------------------------------------------------------------

    def _start_timer(self) -> None:
        stop = self._stop

        def run() -> None:
            while not stop.wait(1.0):
                if self.tick():
                    break

        threading.Thread(target=run, name="exam-tools-countdown", daemon=True).start()

    def _scroll_to_question(self) -> None:
        """Bring the new question's top into view (below the sticky clock bar).

        Widget HTML runs no <script>, but an image's error handler runs: a broken image whose
        handler scrolls is the smallest way to move the page from the kernel, with no extension.
        The counter makes each value new, so the image is re-created and the handler runs again.
        """
        self._scrolls += 1
        self.scroller.value = (
            f'<img src="data:," alt="" width="0" height="0" data-n="{self._scrolls}" '
            "onerror=\"var q=this.closest('.exam-tools-quiz');"
            "q=q&&q.querySelector('.et-question');"
            "if(q){setTimeout(function(){q.scrollIntoView({block:'start'});},30);}\">"
        )

    def _say(self, text: str, error: bool = False) -> None:
        cls = "et-wrong" if error else "et-right"
        self.message.value = f'<div class="{cls}">{html.escape(text)}</div>' if text else ""

    def _verdict(self, n: int) -> Verdict:
        assert self.key is not None
        return self.key.check(n, self.answers.get(n))

    def _show(self) -> None:
        n = self.current
        self.question.children = (self.view(n).box,)
        self.prev_button.disabled = n == 1
        self.next_button.disabled = n == len(self.paper)
        checked = bool(self.attempt and n in self.attempt.checked)
        self.check_button.disabled = self.submitted or checked
        self.feedback.value = (
            self._feedback(n) if self.practice and (checked or self.submitted) else ""
        )
        self._show_status()

    def _feedback(self, n: int) -> str:
        assert self.key is not None
        k = self.key[n]
        verdict = self._verdict(n)
        if verdict.manual:
            head = '<div class="et-sub">简答题请对照参考答案自己检查。</div>'
        elif verdict.correct:
            head = '<div class="et-right">✔ 回答正确</div>'
        elif not verdict.answered:
            head = '<div class="et-wrong">这道题没有作答</div>'
        else:
            head = '<div class="et-wrong">✘ 回答错误</div>'
        answer = html.escape(k.answer_text(self.paper.item(n).options))
        label = "参考答案" if verdict.manual else "正确答案"
        source = f"<div>出处：{html.escape(k.source)}</div>" if k.source else ""
        return (
            f'<div class="et-box">{head}<div>{label}：{answer}</div>'
            f"<div>解析：{html.escape(k.explanation)}</div>{source}</div>"
        )

    def _show_status(self) -> None:
        answered = len(self.paper) - len(self.unanswered())
        saved = ""
        if hasattr(self.store, "sending") and answered and not self.submitted:
            saved = ('　<span class="et-saving">正在保存……</span>' if self.store.sending
                     else '　<span class="et-saved">✓ 已保存</span>')  # fmt: skip
        self.progress.value = (
            f'<div class="et-progress">第 {self.current} 题 / 共 {len(self.paper)} 题'
            f"　已答 {answered} 题{saved}</div>"
        )
        checked = set(self.attempt.checked) if self.attempt else set()
        given = self.answers
        for b, item in zip(self.card_buttons, self.paper.items, strict=True):
            style = "success" if given.get(item.n) is not None else ""
            if self.practice and (item.n in checked or self.submitted) and self.key is not None:
                correct = self._verdict(item.n).correct
                style = "danger" if correct is False else style
            if item.n == self.current:
                style = "primary"
            b.button_style = style
        self.card_title.value = (
            '<div class="et-sub">答题卡（点题号跳到该题；绿色为已答，蓝色为当前题）</div>'
        )
        self.submit_button.disabled = self.submitted
        self._show_clock()

    def _show_clock(self) -> None:
        remaining = self.store.remaining()
        if self.submitted:
            self.clock_label.value = '<div class="et-clock">已交卷</div>'
        elif remaining is not None:
            low = " et-clock-low" if remaining < 300 else ""
            self.clock_label.value = (
                f'<div class="et-clock{low}">剩余时间 {clock_text(remaining)}</div>'
            )

    def _finish(self, *, fresh: bool) -> None:
        """Show the submitted state; ``fresh`` when the submission just happened (not a reopen)."""
        self._stop.set()
        self.cancel_submit()
        for v in self._views.values():
            v.lock()
        attempt = self.attempt
        answered = len(self.paper) - len(self.unanswered())
        when = _when(attempt.submitted_at)
        how = "（时间到自动交卷）" if attempt.submitted_by == "timeout" else ""
        lines = [f"已交卷{how}：{when}，作答 {answered} / {len(self.paper)} 题。"]
        if self.practice:
            verdicts = [self._verdict(i.n) for i in self.paper.items]
            score = sum(v.score for v in verdicts)
            right = sum(1 for v in verdicts if v.correct)
            wrong = [v.n for v in verdicts if v.correct is False and v.answered]
            lines.append(
                f"本次练习得分 {score:g} / {self.paper.total_points:g} 分；"
                f"答对 {right} 题，答错 {len(wrong)} 题。"
            )
            if self.mistakes is not None and fresh:
                for n in wrong:
                    if n not in attempt.checked:
                        self.mistakes.add(self.paper.item(n).qid, self.paper.course)
            if self.mistakes is not None and wrong:
                lines.append("答错的题已加入错题本，可以随时再练。")
            lines.append("点题号可以查看每道题的答案和解析。")
        else:
            lines.append("成绩和答案将在老师发布后查看。")
        left = self.store.attempts_left
        if self.store.can_start():
            more = "还可以再作答" if left is None else f"还可以作答 {left} 次"
            lines.append(
                f"{more}（{self.paper.grading.label}）：要再作答，请点“{self.rules_button.description}”，"
                "看过说明再开始。"
            )
            self.rules_button.layout.display = "flex"
        else:
            self.rules_button.layout.display = "none"
        self.result.value = '<div class="et-box">' + "<br>".join(map(html.escape, lines)) + "</div>"
        self._show()
