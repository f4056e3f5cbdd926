"""The member's quiz in JupyterLab (ipywidgets): ``show_quiz("paper.json")``.

Exam papers are shown without any key; the practice helpers (:func:`practice`,
:func:`practice_topic`, :func:`review_mistakes`, :func:`practice_menu`) load the bank to explain
answers and live in :mod:`exam_tools.quiz.exercises`, imported only when used. Nothing here imports the
grading or records code.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.course.paper import Paper, read_paper
from exam_tools.lazy import lazy_exports

if TYPE_CHECKING:
    from exam_tools.quiz.app import Key, QuizApp
    from exam_tools.quiz.exam import open_exam, show_exam
    from exam_tools.quiz.exercises import practice, practice_menu, practice_topic, review_mistakes

__all__ = [
    "QuizApp",
    "open_exam",
    "open_quiz",
    "practice",
    "practice_menu",
    "practice_topic",
    "responses_path",
    "review_mistakes",
    "show_exam",
    "show_quiz",
]

_LAZY = {
    "QuizApp": "exam_tools.quiz.app",
    "open_exam": "exam_tools.quiz.exam",
    "show_exam": "exam_tools.quiz.exam",
    "practice": "exam_tools.quiz.exercises",
    "practice_menu": "exam_tools.quiz.exercises",
    "practice_topic": "exam_tools.quiz.exercises",
    "review_mistakes": "exam_tools.quiz.exercises",
}


__getattr__ = lazy_exports(__name__, _LAZY)


def responses_path(paper_path: str | Path) -> Path:
    """Where the answers to the paper at ``paper_path`` are saved: beside it, ``<name>.responses.json``."""
    p = Path(paper_path)
    return p.with_name(f"{p.stem}.responses.json")


def show_quiz(paper: str | Path | Paper, **options: Any) -> None:
    """Show the quiz for ``paper`` (a paper file or object) in the notebook.

    Answers are saved at every change (beside the paper file unless ``responses=`` says where);
    opening the same paper again resumes them, with the time that is left. An exam not yet begun
    shows its rules first and starts on 开始考试. Options are those of :func:`open_quiz`.
    """
    show(open_quiz(paper, **{"intro": True, **options}).widget)


def open_quiz(
    paper: str | Path | Paper,
    *,
    key: Key | None = None,
    responses: str | Path | None = None,
    member: str | None = None,
    clock: Callable[[], float] = time.time,
    timer: bool = True,
    on_submitted: Callable[[QuizApp], None] | None = None,
    intro: bool = False,
) -> QuizApp:
    """The quiz for ``paper``, bound to its responses file, not yet shown (``app.widget``);
    ``intro``: an exam not yet begun shows its rules and starts on a tap (see QuizApp)."""
    from exam_tools.quiz.app import QuizApp
    from exam_tools.quiz.store import ResponseStore

    if isinstance(paper, Paper):
        if responses is None:
            responses = Path.cwd() / f"{paper.id}.responses.json"
    else:
        if responses is None:
            responses = responses_path(paper)
        paper = read_paper(paper)
    store = ResponseStore(responses, paper, member=member, clock=clock)
    return QuizApp(paper, store, key=key, clock=clock, timer=timer, on_submitted=on_submitted,
                   intro=intro)  # fmt: skip


def show(obj: Any) -> None:
    """Display ``obj`` in the notebook (IPython's ``display``, which is untyped)."""
    from IPython.display import display as ipy_display

    ipy_display(obj)  # type: ignore[no-untyped-call]  # IPython has no type hints
