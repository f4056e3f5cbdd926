"""Practice (练习) for members: from a course, a topic, or the 错题本, with answers explained.

Practice is where seeing the answer is the point, so these helpers load the bank and build the key in
the member's kernel. Exams never come through here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from exam_tools.bank.model import Bank
from exam_tools.course.key import answer_key
from exam_tools.course.model import Assessment, Course, DrawRule, Mode
from exam_tools.course.paper import Paper, assemble_paper, build_paper, read_paper
from exam_tools.errors import QuizError
from exam_tools.fileio import write_atomic
from exam_tools.quiz import show
from exam_tools.quiz.app import QuizApp
from exam_tools.quiz.home import member_home
from exam_tools.quiz.mistakes import MistakeBook
from exam_tools.quiz.store import ResponseStore

PRACTICE_SIZE = 10


@lru_cache(maxsize=4)
def _bank(path: str) -> Bank:
    from exam_tools.bank.load import load_bank

    return load_bank(path)


def default_bank() -> Bank:
    from exam_tools.paths import find_bundled

    return _bank(str(find_bundled("question_bank")))


def _open(
    paper: Paper,
    bank: Bank,
    *,
    member: str | None,
    review: bool = False,
    clock: Callable[[], float],
) -> QuizApp:
    home = member_home(member)
    record = home / "练习记录" / f"{paper.id}.json"
    kept = practice_paper_path(record)
    if not kept.exists():  # kept so that a reload can reopen this very paper
        write_atomic(kept, paper.to_json())
    store = ResponseStore(record, paper, member=member, clock=clock)
    return QuizApp(
        paper,
        store,
        key=answer_key(paper, bank),
        mistakes=MistakeBook(home / "错题本.json"),
        review=review,
        clock=clock,
        timer=False,
    )


def practice_paper_path(record: Path) -> Path:
    """Where the paper of the practice record ``练习记录/<id>.json`` is kept."""
    return record.with_name(f"{record.stem}.paper.json")


def reopen_practice(
    paper_path: str | Path,
    *,
    member: str | None = None,
    bank: Bank | None = None,
    clock: Callable[[], float] = time.time,
) -> QuizApp:
    """Open a practice paper kept by an earlier session (after a reload), answers and all."""
    paper = read_paper(paper_path)
    bank = bank if bank is not None else default_bank()
    return _open(paper, bank, member=member, review=paper.course == "mistakes", clock=clock)


def _seed(seed: int | None) -> int:
    return int(time.time()) if seed is None else seed


def open_practice(
    course: str | Course,
    assessment: str | None = None,
    *,
    member: str | None = None,
    seed: int | None = None,
    bank: Bank | None = None,
    clock: Callable[[], float] = time.time,
) -> QuizApp:
    """Practise a course: its first practice assessment unless one is named. A new draw each time
    unless ``seed`` is given."""
    from exam_tools.course.load import load_course

    c = course if isinstance(course, Course) else load_course(course)
    bank = bank if bank is not None else default_bank()
    if assessment is None:
        chosen = next((a for a in c.assessments if a.mode is Mode.PRACTICE), None)
        if chosen is None:
            raise QuizError(f"课程“{c.title}”没有练习")
    else:
        chosen = c.assessment(assessment)
        if chosen.mode is not Mode.PRACTICE:
            # an exam's rules may be practised, but as practice: answers explained, no clock
            chosen = Assessment(
                id=f"{chosen.id}-practice",
                title=f"{chosen.title}（模拟练习）",
                mode=Mode.PRACTICE,
                rules=chosen.rules,
                attempts=None,
            )
    paper = build_paper(bank, c, chosen, member=member, seed=_seed(seed))
    return _open(paper, bank, member=member, clock=clock)


def open_topic_practice(
    *,
    domain: str | None = None,
    technology: str | None = None,
    tags: Sequence[str] = (),
    count: int = PRACTICE_SIZE,
    member: str | None = None,
    seed: int | None = None,
    bank: Bank | None = None,
    clock: Callable[[], float] = time.time,
) -> QuizApp:
    """Practise a topic: a domain, a technology or knowledge points, ``count`` questions at most."""
    bank = bank if bank is not None else default_bank()
    # a topic practice is practice: 案例 questions (one place's practice) belong in it, and so do
    # questions awaiting review (review: pending), which only exams leave out
    rule = DrawRule(
        count=count,
        domain=domain,
        technology=technology,
        tags=tuple(tags),
        case="include",
        review="include",
    )
    available = sum(1 for q in bank if rule.matches(q))
    if available == 0:
        raise QuizError(f"题库中没有符合条件（{rule.describe()}）的题目")
    rule = DrawRule(
        count=min(count, available),
        domain=domain,
        technology=technology,
        tags=tuple(tags),
        case="include",
        review="include",
    )
    title = f"专项练习：{technology or '、'.join(tags) or domain or '综合'}"
    course = Course(id="topic", title=title, category="", lessons=(), assessments=())
    a = Assessment(id="topic", title=title, mode=Mode.PRACTICE, rules=(rule,), attempts=None)
    paper = build_paper(bank, course, a, member=member, seed=_seed(seed))
    return _open(paper, bank, member=member, clock=clock)


def open_review(
    *,
    member: str | None = None,
    count: int = 20,
    bank: Bank | None = None,
    clock: Callable[[], float] = time.time,
) -> QuizApp | None:
    """Practise the 错题本: the most-missed questions first; a right answer takes one out."""
    bank = bank if bank is not None else default_bank()
    book = MistakeBook(member_home(member) / "错题本.json")
    questions = [bank[qid] for qid in book.qids() if qid in bank][:count]
    if not questions:
        return None
    course = Course(id="mistakes", title="错题本", category="", lessons=(), assessments=())
    a = Assessment(id="review", title="错题本练习", mode=Mode.PRACTICE, rules=(), attempts=None)
    paper = assemble_paper(
        [(q, q.points) for q in questions], course, a, member=member, seed=int(clock())
    )
    return _open(paper, bank, member=member, review=True, clock=clock)


def practice(course: str | Course, assessment: str | None = None, **options: Any) -> None:
    """Show practice for a course (see :func:`open_practice` for the options)."""
    show(open_practice(course, assessment, **options).widget)


def practice_topic(**options: Any) -> None:
    """Show practice for a domain, technology or knowledge points (see :func:`open_topic_practice`)."""
    show(open_topic_practice(**options).widget)


def review_mistakes(**options: Any) -> None:
    """Show practice of the 错题本 (see :func:`open_review`), or say that it is empty."""
    app = open_review(**options)
    if app is None:
        import ipywidgets as w

        show(w.HTML('<div style="font-size:20px">错题本是空的，继续保持！</div>'))
    else:
        show(app.widget)


def practice_menu(*, member: str | None = None, courses_dir: str | Path | None = None) -> None:
    """A menu for 练习.ipynb: pick a course or a technology and start, or review the 错题本."""
    import ipywidgets as w

    from exam_tools.course.load import check_courses
    from exam_tools.paths import find_bundled
    from exam_tools.quiz.app import CSS

    bank = default_bank()
    courses = check_courses(courses_dir or find_bundled("courses"), None).courses
    choices: list[tuple[str, Any]] = [(f"课程：{c.title}", ("course", c)) for c in courses]
    techs = sorted({q.technology for q in bank if q.technology})
    choices += [(f"实用技术：{t}", ("technology", t)) for t in techs]
    choices += [(f"领域：{d}", ("domain", d)) for d in sorted({q.domain for q in bank})]
    picker = w.Dropdown(options=choices, description="练什么", layout=w.Layout(width="640px"))
    start = w.Button(description="开始练习", button_style="success")
    review = w.Button(
        description=f"练错题本（{len(MistakeBook(member_home(member) / '错题本.json'))} 题）"
    )
    out = w.Output()

    def run(kind: str, value: Any) -> None:
        out.clear_output()
        with out:
            try:
                if kind == "course":
                    practice(value, member=member)
                elif kind == "technology":
                    practice_topic(technology=value, member=member)
                elif kind == "domain":
                    practice_topic(domain=value, member=member)
                else:
                    review_mistakes(member=member)
            except QuizError as exc:
                print(exc)

    start.on_click(lambda _b: run(*picker.value))
    review.on_click(lambda _b: run("mistakes", None))
    menu = w.VBox([w.HTML(CSS), picker, w.HBox([start, review]), out])
    menu.add_class("exam-tools-quiz")
    show(menu)
