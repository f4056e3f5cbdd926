"""我的学习: the one page a member sees (rendered by Voilà, so no code is ever shown).

Four parts, each a tap away: 待考 (exams released through nbgrader's exchange), 练习 (by course
or by technology), 错题本 and 我的档案. Tapping an exam fetches it behind the scenes and shows the
quiz in place of the page, with a 返回 button; 交卷 hands it in through nbgrader's exchange; released
feedback opens as a page here. What is open is remembered (``当前.json`` in the member's folder), so
a reload, a closed tab or a restarted kernel comes back to the same question with the answers and
the time left. Nothing here imports the grading or records code: the member side cannot reach a key.
On the hub (``EXAM_TOOLS_SERVICE_URL`` set) 练习 lists the practice papers the instructors handed to
the exam service, which draws them and answers 核对答案, and the 错题本 is the service's, kept from
its own verdicts; the bank is never loaded in this kernel.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from exam_tools.errors import ExamToolsError, QuizError
from exam_tools.fileio import write_atomic
from exam_tools.quiz import shared
from exam_tools.quiz.alive import Heartbeat
from exam_tools.quiz.app import CSS, QuizApp
from exam_tools.quiz.exchange import ExamEntry, MemberExchange
from exam_tools.quiz.landing_parts import (
    LANDING_CSS,
    entry_title,
    exam_state,
    feedback_page,
    profile_rows,
    section,
    service_exam_tile,
)
from exam_tools.quiz.online.contest import contest_tiles
from exam_tools.quiz.record_client import (
    ExamResult,
    NotPublished,
    PublishedRecord,
    RecordClient,
    practice_line,
)
from exam_tools.quiz.session import member_session, touch

if TYPE_CHECKING:
    from exam_tools.course.model import Course
    from exam_tools.quiz.online.client import ServiceClient
    from exam_tools.quiz.online.exam import ServiceExamLauncher

RESUME_FILE = "当前.json"
WORKING = "正在打开，请稍候……"  # shown at once when a tap waits for the exam service


class Landing:
    """The 我的学习 page for one member; ``widget`` is what the notebook shows."""

    def __init__(
        self,
        *,
        member: str | None = None,
        root: str | Path | None = None,
        exchange: MemberExchange | None = None,
        records: RecordClient | None = None,
        courses_dir: str | Path | None = None,
        service: ServiceClient | None = None,
    ) -> None:
        from exam_tools.quiz.exam import member_id
        from exam_tools.quiz.home import member_home

        self.member = member or member_id()
        self.root = Path(root) if root is not None else Path.cwd()
        self.exchange = exchange or MemberExchange(self.root, self.member)
        # on the hub the exam service answers practice checks: no bank or key in this kernel
        self.service = service if service is not None else _service_client(self.member)
        self.records: RecordClient = records or _service_records(self.service) or NotPublished()
        self.courses_dir = courses_dir
        self.home = member_home(None)
        self.app: QuizApp | None = None
        self.entry: ExamEntry | None = None
        self.launcher: ServiceExamLauncher | None = None
        self._lock = threading.RLock()
        self.heartbeat = Heartbeat()
        self.body = w.VBox(layout=w.Layout(width="100%"))
        self.notice = shared.html()
        self.record: PublishedRecord | None = None
        # a tap that waits for the exam service runs here, the page stays live (issue 17 item 6)
        self.working: threading.Thread | None = None
        self.wait = shared.html()  # 正在打开… at once, then the outcome if it went wrong
        # on the hub: 退出登录 above every view, idle and kiosk logouts (issue 17 item 2)
        self.session = member_session()
        top = [self.session.widget] if self.session is not None else []
        self.widget = w.VBox(
            [
                shared.html(CSS + LANDING_CSS + self.heartbeat.css),
                self.heartbeat.widget,
                *top,
                self.wait,
                self.body,
            ],
            _dom_classes=("exam-tools-quiz", "et-landing"),
        )
        if not self._resume():
            self.show_home()

    # ---- what is open, kept across reloads --------------------------------------------------

    @property
    def resume_path(self) -> Path:
        return self.home / RESUME_FILE

    def _remember(self, what: dict[str, Any] | None) -> None:
        if what is None:
            self.resume_path.unlink(missing_ok=True)
        else:
            write_atomic(self.resume_path, json.dumps(what, ensure_ascii=False))

    def _resume(self) -> bool:
        try:
            what = json.loads(self.resume_path.read_text(encoding="utf-8"))
            if what["kind"] == "service-exam":
                if self._handed_in_at_service(str(what["exam"])):
                    self._remember(None)
                    return False  # handed in (or its time ran out): the home page, at once
                self.open_service_exam(str(what["exam"]))
            elif what["kind"] == "exam":
                entry = next(
                    e
                    for e in self.exchange.exams()
                    if e.course_id == what["course"] and e.assignment_id == what["assignment"]
                )
                if not entry.fetched:
                    raise ValueError("not fetched")
                self.open_exam(entry)
            elif what["kind"] == "service-practice":
                self.open_service_practice(str(what["exam"]))
            elif self.service is None:
                from exam_tools.quiz.exercises import reopen_practice

                self._show_quiz(reopen_practice(what["paper"]), what)
            else:
                return False  # a paper kept before the hub: its key is not for this kernel
        except (OSError, ValueError, KeyError, TypeError, StopIteration, ExamToolsError):
            return False  # nothing open, or it cannot be reopened: the home page it is
        if self.app is not None and self.app.submitted and what["kind"] != "exam":
            self.show_home()
        return True

    def _handed_in_at_service(self, exam: str) -> bool:
        """Whether the member's latest attempt at ``exam`` is over by the service's word. A page
        that reopened such an exam built its whole quiz (a widget per question and per card
        button) only to show the home page instead: most of a prestarted login's CPU in the page's
        kernel and in the server that renders its widgets (bench_hub, 2026-12-06)."""
        if self.service is None:  # a record kept on the hub, on a computer without the service
            raise ValueError("no exam service")
        attempts = self.service.state(exam).get("attempts") or []
        last = attempts[-1] if attempts else None
        return bool(last and (last.get("submitted_at") is not None or last.get("over")))

    # ---- views -------------------------------------------------------------------------------

    def _button(
        self,
        text: str,
        handler: Callable[[], None],
        style: str = "",
        classes: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> w.Button:
        b = shared.button(description=text, button_style=style, tooltip=text,
                          classes=("et-tile", *classes), **kwargs)  # fmt: skip
        b.on_click(lambda _b: self._safely(handler))
        return b

    def _service_button(self, text: str, handler: Callable[[], None], css: str = "") -> w.Button:
        """A tile whose action waits for the exam service: on the hub it runs in the background
        (:meth:`_in_background`); without a service (local files only) it runs at once."""
        b = shared.button(description=text, tooltip=text, classes=("et-tile", *css.split()))
        if self.service is None:
            b.on_click(lambda _b: self._safely(handler))
        else:
            b.on_click(lambda _b: self._in_background(b, handler))
        return b

    def _safely(self, handler: Callable[[], None]) -> None:
        """Run a tap's action; a failure becomes a Chinese message on the page, never a traceback."""
        touch()
        try:
            handler()
        except ExamToolsError as exc:
            self._notice(str(exc))

    def _in_background(self, button: w.Button, handler: Callable[[], None]) -> None:
        """A tap that waits for the exam service: at once the tapped tile says 正在打开…, every
        tile is disabled (no second request) and a message says the page is working; the request
        runs in a thread, so the tap returns and the page stays live. Its outcome replaces the
        view (under ``_lock``); a failure is shown in the warning colour and the tiles come back."""
        touch()
        if self.working is not None and self.working.is_alive():
            return  # one request at a time: the first tap's is on its way (no wait for the lock)
        with self._lock:
            view = self.body.children
            buttons = [c for c in view if isinstance(c, w.Button)]
            enabled = [b for b in buttons if not b.disabled]
            text = button.description
            for b in buttons:
                b.disabled = True
            button.description = f"{text.splitlines()[0]}\n正在打开……"
            self.wait.value = f'<div class="et-warn et-working">{WORKING}</div>'

        def undo() -> None:  # the same view still shown: its tiles back as they were
            if self.body.children is view:
                button.description = text
                for b in enabled:
                    b.disabled = False

        def run() -> None:
            try:
                handler()
            except ExamToolsError as exc:
                with self._lock:
                    undo()
                    self._warn(str(exc))
            except Exception:  # never a traceback on a member's page
                import logging

                logging.getLogger(__name__).exception("a tap on 我的学习 failed")
                with self._lock:
                    undo()
                    self._warn("出了点问题，没有打开。请稍后再试，或联系组织委员。")
            else:
                with self._lock:
                    undo()
                    if "et-working" in self.wait.value:
                        self.wait.value = ""

        self.working = threading.Thread(target=run, daemon=True, name="landing-tap")
        self.working.start()

    def _warn(self, text: str) -> None:
        """Network trouble or a refusal, above the view, in the warning colour."""
        self.wait.value = f'<div class="et-warn">⚠ {html.escape(text)}</div>'

    def _notice(self, text: str) -> None:
        if self.service is not None:
            self._warn(text)
            return
        self.notice.value = f'<div class="et-box et-wrong">{html.escape(text)}</div>'

    def _close_quiz(self) -> None:
        if self.app is not None:
            self.app.close()
        if self.launcher is not None:
            self.launcher.close()
        self.app = None
        self.launcher = None
        self.entry = None

    def show_home(self) -> None:
        with self._lock:
            self._close_quiz()
            self._remember(None)
            self.notice = shared.html()
            self.record = self.records.published_record(self.member)
            name = self.record.name if self.record is not None else ""
            # the name the organisers published from the roster, never the login (issue 17 item 4)
            hello = f"您好，{html.escape(name)}！" if name else "您好！"
            parts: list[w.Widget] = [
                shared.html(
                    f'<div class="et-title">我的学习</div><div class="et-hello">{hello}</div>'
                ),
                self.notice,
            ]
            # a running 知识竞赛 first (the room is playing now), then exams: on exam day the exam
            # is what a member looks for
            parts += contest_tiles(self.service, self._service_button, self.open_contest)
            parts += self._exams_part()
            points = self._service_points()  # 学习积分 and 每日一练 (issue 20), on the hub
            parts += self._daily_part(points)
            parts += self._practice_part()
            progress = self._service_progress()
            parts += self._mistakes_part(progress)
            parts += self._profile_part(progress, points)
            self.body.children = parts

    def _service_points(self) -> dict[str, Any] | None:
        """On the hub: the member's points and today's 每日一练, from the service (None if away)."""
        from exam_tools.quiz.online.client import ServiceAway

        if self.service is None:
            return None
        try:
            return self.service.points()
        except (ServiceAway, QuizError):
            return None

    def _daily_part(self, points: dict[str, Any] | None) -> list[w.Widget]:
        """学习积分 (today, this year, the streak) and the 每日一练 tile: one tap to today's five."""
        from exam_tools.quiz.points_part import POINTS_CSS, daily_text, points_html

        if self.service is None:
            return []  # no service, no points: the local page trusts its user and counts nothing
        if points is None:
            note = "暂时连不上考试服务，积分和每日一练稍后再看：请稍后刷新页面。"
            return [section("学习积分"), shared.html(f'<div class="et-warn">⚠ {note}</div>')]
        tile = self._service_button(daily_text(points), self.open_daily, "et-daily")
        return [
            shared.html(POINTS_CSS),
            section("学习积分"),
            shared.html(points_html(points)),
            tile,
        ]

    def open_daily(self) -> None:
        """Today's 每日一练: the service draws it (the same five all day) and checks it."""
        from exam_tools.quiz.online.client import ServiceAway

        assert self.service is not None
        try:
            exam = self.service.daily()
        except ServiceAway:
            raise QuizError("暂时连不上考试服务，请稍后再打开每日一练。") from None
        self.open_service_practice(exam)

    def _service_progress(self) -> dict[str, Any] | None:
        """On the hub: the 错题本 count and this year's practice, from the service (None if away)."""
        from exam_tools.quiz.online.client import ServiceAway

        if self.service is None:
            return None
        try:
            return self.service.progress()
        except ServiceAway:
            return None

    def _service_exams(self) -> tuple[list[w.Widget], set[str]]:
        """On the hub: the exams the service holds, as tiles (and their names). The service lists
        them and hands out each paper on 开始考试; nbgrader's exchange is not asked about them."""
        from exam_tools.quiz.online.client import ServiceAway

        if self.service is None:
            return [], set()
        try:
            exams = self.service.exams()
        except ServiceAway:
            note = "暂时连不上考试服务，考试稍后再看：请稍后刷新页面。"
            return [shared.html(f'<div class="et-warn">⚠ {note}</div>')], set()
        except ExamToolsError as exc:
            return [shared.html(f'<div class="et-warn">⚠ {html.escape(str(exc))}</div>')], set()
        results: dict[tuple[str, str], ExamResult] = {
            (r.course_id, r.assessment_id): r
            for r in (self.record.exams if self.record is not None else ())
            if r.course_id
        }
        tiles: list[w.Widget] = []
        for e in exams:
            tile = service_exam_tile(e, results)
            tiles.append(self._service_button(tile.text, partial(self.open_service_exam,
                                              str(e["exam"])), f"et-exam {tile.css}"))  # fmt: skip
        return tiles, {str(e["exam"]) for e in exams}

    def _exams_part(self) -> list[w.Widget]:
        held, names = self._service_exams()
        try:
            exams = [e for e in self.exchange.exams() if e.assignment_id not in names]
        except ExamToolsError as exc:
            if held:  # the service's exams stand on their own
                exams = []
            else:
                return [
                    section("待考"),
                    shared.html(f'<div class="et-wrong">{html.escape(str(exc))}</div>'),
                ]
        if not exams and not held:
            return [
                section("待考"),
                shared.html('<div class="et-sub">现在没有要参加的考试。</div>'),
            ]
        tiles: list[w.Widget] = [section("待考"), *held]
        for entry in exams:
            title = entry_title(entry)
            state = exam_state(entry, self.home)
            # an exam to take stands out
            classes = ("et-exam", "et-done" if entry.submitted else "et-new")
            b = self._button(f"考试：{title}\n{state}", partial(self.open_exam, entry),
                             classes=classes)  # fmt: skip
            tiles.append(b)
            if entry.feedback or entry.feedback_ready:
                tiles.append(
                    self._button(
                        f"查看成绩反馈：{title}", partial(self.show_feedback, entry), "info"
                    )
                )
        return tiles

    def _practice_part(self) -> list[w.Widget]:
        if self.service is not None:
            return self._service_practice_part(self.service)
        from exam_tools.course.load import check_courses
        from exam_tools.course.model import Mode
        from exam_tools.paths import find_bundled

        tiles: list[w.Widget] = [section("练习")]
        try:
            courses = check_courses(self.courses_dir or find_bundled("courses"), None).courses
        except (ExamToolsError, OSError):
            return [*tiles, shared.html('<div class="et-wrong">课程暂时打不开，请联系老师。</div>')]
        for course in courses:
            for a in course.assessments:
                label = "练习" if a.mode is Mode.PRACTICE else "模拟考试"
                tiles.append(
                    self._button(
                        f"{course.title} · {label}：{a.title}",
                        partial(self.open_practice, course, a.id),
                    )
                )
        return tiles

    def _service_practice_part(self, service: ServiceClient) -> list[w.Widget]:
        """The practice papers the instructors handed to the exam service (``exam open --practice``)."""
        from exam_tools.quiz.online.client import ServiceAway

        tiles: list[w.Widget] = [section("练习")]
        try:
            papers = service.practice_list()
        except ServiceAway:
            return [
                *tiles,
                shared.html('<div class="et-warn">⚠ 暂时连不上考试服务，请稍后刷新页面。</div>'),
            ]
        except ExamToolsError as exc:
            return [*tiles, shared.html(f'<div class="et-warn">⚠ {html.escape(str(exc))}</div>')]
        if not papers:
            return [*tiles, shared.html('<div class="et-sub">老师还没有发布练习。</div>')]
        seen: dict[str, int] = {}
        for p in papers:
            course = f"（{p['course']}）" if p.get("course") else ""
            text = f"练习：{p['title']}{course}"
            seen[text] = seen.get(text, 0) + 1
            if seen[text] > 1:  # two practices of one assessment: tell the tiles apart
                text += f" 第{seen[text]}套"
            open_it = partial(self.open_service_practice, str(p["exam"]))
            tiles.append(self._service_button(f"{text}\n随时可以练，答完可以核对答案", open_it,
                                              "et-practice"))  # fmt: skip
        return tiles

    def _mistakes_part(self, progress: dict[str, Any] | None) -> list[w.Widget]:
        if self.service is not None:
            # on the hub the service keeps the book from its own verdicts (no key in this kernel)
            if progress is None:
                note = "暂时连不上考试服务，错题本稍后再看。"
                return [section("错题本"), shared.html(f'<div class="et-sub">{note}</div>')]
            count = int(progress["count"])
            text = f"练错题本（{count} 题）" if count else "错题本是空的"
            b = self._service_button(text, self.open_service_review, "et-practice")
        else:
            from exam_tools.quiz.mistakes import MistakeBook

            count = len(MistakeBook(self.home / "错题本.json"))
            text = f"练错题本（{count} 题）" if count else "错题本是空的"
            b = self._button(text, self.open_review)
        b.disabled = count == 0
        return [section("错题本"), b]

    def _profile_part(
        self, progress: dict[str, Any] | None, points: dict[str, Any] | None = None
    ) -> list[w.Widget]:
        record = self.record
        if self.service is not None:  # on the hub: the service's count, current to the last check
            from exam_tools.quiz.points_part import by_kind_text

            t = (progress or {}).get("practice")
            live = practice_line(t["items"], t["correct"], t["graded"]) if t else "暂时无法读取"
            rows = profile_rows(record, live, live=True, points=by_kind_text(points))
            return [section("我的档案"), shared.html(rows)]
        from exam_tools.quiz.profile import practice_summary

        s = practice_summary()
        local = f"练习 {s.sessions} 次（完成 {s.submitted} 次），共作答 {s.answered} 题"
        return [section("我的档案"), shared.html(profile_rows(record, local))]

    # ---- exams -------------------------------------------------------------------------------

    def open_exam(self, entry: ExamEntry) -> None:
        from exam_tools.quiz.exam import open_exam

        with self._lock:
            if not entry.fetched:
                self.exchange.fetch(entry)
            app = open_exam(entry.spec, member=self.member, on_submitted=self._hand_in, intro=True)
            self.entry = entry
            what = {"kind": "exam", "course": entry.course_id, "assignment": entry.assignment_id}
            if not isinstance(app, QuizApp):  # the service's 开始考试 screen
                self._show_launcher(app, what)
                return
            self._show_quiz(app, what)
            if app.submitted and not entry.submitted:
                self._hand_in(app)  # submitted before a reload, never handed in

    def open_service_exam(self, exam: str) -> None:
        """An exam the service holds: its 开始考试 screen, then the paper the service hands out."""
        from exam_tools.quiz.online.exam import open_service_exam

        assert self.service is not None
        paper_file = self.home / "考试" / exam / "exam.paper.json"
        # the request outside the lock: a tap meanwhile never waits for the network
        app = open_service_exam(self.service, exam, paper_file, intro=True, required=True,
                                on_submitted=self._hand_in)  # fmt: skip
        assert app is not None  # required: a refusal is raised
        with self._lock:
            what = {"kind": "service-exam", "exam": exam}
            if isinstance(app, QuizApp):
                self._show_quiz(app, what)
            else:
                self._show_launcher(app, what)

    def _show_launcher(self, launcher: ServiceExamLauncher, what: dict[str, Any]) -> None:
        """The rules and 开始考试 of a service exam; the quiz takes its place once started."""
        with self._lock:
            self._close_quiz()
            self.launcher = launcher
            self._remember(what)
            launcher.on_started = lambda app: self._show_quiz(app, what)
            back = self._service_button("◀ 返回我的学习", self.show_home, "et-back")
            self.body.children = [back, launcher.widget]

    def _hand_in(self, app: QuizApp) -> None:
        """交卷 done: for an exam the service holds, the service has it (nothing goes through
        nbgrader, and grading reads the service only); otherwise hand the paper in through
        nbgrader's exchange."""
        from exam_tools.quiz.online.exam import ServiceResponseStore

        if app is not self.app:
            return
        if isinstance(app.store, ServiceResponseStore):
            self._status("试卷已交给考试服务。成绩由老师发布后，在“我的学习”里查看。", "et-right")
            self._remember(None)  # a reload shows the home page, as after an exchange hand-in
            self._handed_in()  # the service has it: a site PC (kiosk) logs out
            return
        entry = self.entry
        if entry is None:
            return
        self._status("正在把试卷交给老师……", "et-sub")
        try:
            self.exchange.submit(entry)
        except ExamToolsError as exc:
            self._status(f"试卷已保存，但还没有交给老师：{exc}", "et-wrong")
            self.retry.layout.display = "flex"
            return
        self.retry.layout.display = "none"
        self._status("试卷已交给老师。成绩由老师发布后，在“我的学习”里查看。", "et-right")
        self._remember(None)
        self._handed_in()

    def _handed_in(self, _app: QuizApp | None = None) -> None:
        """交卷 confirmed: a site PC (kiosk) logs the member out a few seconds later."""
        if self.session is not None:
            self.session.handed_in()

    def _status(self, text: str, cls: str) -> None:
        self.status.value = f'<div class="et-box {cls}">{html.escape(text)}</div>'

    def open_contest(self, contest: str) -> None:
        """A 知识竞赛 running for the member: the pad under the projector's question."""
        from exam_tools.quiz.online.contest import ContestView

        assert self.service is not None
        with self._lock:
            self._close_quiz()
            self._remember(None)
            view = ContestView(self.service, contest)

            def home() -> None:
                view.close()
                self.show_home()

            back = self._button("◀ 返回我的学习", home, classes=("et-back",))
            self.body.children = [back, view.widget]

    # ---- practice ----------------------------------------------------------------------------

    def open_practice(self, course: Course, assessment: str) -> None:
        from exam_tools.quiz.exercises import open_practice

        app = open_practice(course, assessment)
        self._show_quiz(app, {"kind": "practice", "paper": str(self._kept_paper(app))})

    def open_service_practice(self, exam: str) -> None:
        """A practice paper drawn and checked by the exam service (issue 12: no key here)."""
        from exam_tools.quiz.online.practice import open_service_practice

        assert self.service is not None
        folder = self.home / "练习"
        folder.mkdir(parents=True, exist_ok=True)
        app = open_service_practice(self.service, exam, folder)
        self._show_quiz(app, {"kind": "service-practice", "exam": exam})

    def open_service_review(self) -> None:
        """The 错题本 on the hub: the service draws a paper of the questions answered wrong."""
        from exam_tools.quiz.online.client import ServiceAway

        assert self.service is not None
        try:
            exam = self.service.new_review()
        except ServiceAway:
            raise QuizError("暂时连不上考试服务，请稍后再打开错题本。") from None
        if exam is None:
            self.notice.value = '<div class="et-box">错题本是空的，继续保持！</div>'
            return
        self.open_service_practice(exam)

    def open_review(self) -> None:
        from exam_tools.quiz.exercises import open_review

        app = open_review()
        if app is None:
            self._notice("错题本是空的，继续保持！")
            return
        self._show_quiz(app, {"kind": "practice", "paper": str(self._kept_paper(app))})

    @staticmethod
    def _kept_paper(app: QuizApp) -> Path:
        from exam_tools.quiz.exercises import practice_paper_path

        return practice_paper_path(app.store.path)

    # ---- the quiz and the feedback, in place of the page ----------------------------------------

    def _show_quiz(self, app: QuizApp, what: dict[str, Any]) -> None:
        with self._lock:
            if self.app is not None and self.app is not app:
                self.app.close()
            self.app = app
            self._remember(what)
            if self.record is not None and self.record.name:  # 党员：张秀英, not 党员：dy705925
                app.show_member(self.record.name)
            if what["kind"] != "exam" and app.on_submitted is None:
                app.on_submitted = self._handed_in  # practice: handed in when the store says so
            self.status = shared.html()
            # shown and hidden: a Layout of its own (quiz/shared.py)
            self.retry = self._button("重新提交", lambda: self._hand_in(app), "warning",
                                      layout=w.Layout(display="none"))  # fmt: skip
            back = self._service_button("◀ 返回我的学习", self.show_home, "et-back")
            self.body.children = [back, self.status, self.retry, app.widget]

    def show_feedback(self, entry: ExamEntry) -> None:
        pages = self.exchange.fetch_feedback(entry) if entry.feedback_ready else []
        pages = pages or list(entry.feedback)
        back = self._button("◀ 返回我的学习", self.show_home, classes=("et-back",))
        self._close_quiz()
        if not pages:
            self.body.children = [
                back,
                shared.html('<div class="et-sub">成绩反馈还没有发布。</div>'),
            ]
            return
        self.body.children = [back, shared.html(feedback_page(entry_title(entry), pages[-1]))]


def show_landing(**options: Any) -> Landing:
    """Show 我的学习 (the one cell of ``notebooks/member/我的学习.ipynb``)."""
    from exam_tools.quiz import show

    page = Landing(**options)
    show(page.widget)
    return page


def _service_client(member: str) -> ServiceClient | None:
    """The exam service when the page runs on the hub (``EXAM_TOOLS_SERVICE_URL``), else None."""
    from exam_tools.quiz.online.client import ServiceClient

    return ServiceClient.from_env(member)


def _service_records(client: ServiceClient | None) -> RecordClient | None:
    """我的档案 from the exam service when the page runs on the hub (issue 12)."""
    if client is None:
        return None
    from exam_tools.quiz.online.records import ServiceRecordClient

    return ServiceRecordClient(client)
