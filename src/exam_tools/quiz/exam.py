"""An exam released to everyone, each member drawing their own paper in their own kernel.

``show_exam("exam.json")`` reads the keyless exam spec that ``exam-tools assign`` put in the
assignment, draws this member's paper (from the member's id) the first time, keeps it beside the
spec as ``<name>.paper.json`` so it never changes afterwards, and shows the quiz for it.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exam_tools.course.paper import build_paper, read_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.fileio import write_atomic
from exam_tools.quiz import open_quiz, show
from exam_tools.quiz.app import QuizApp

if TYPE_CHECKING:
    from exam_tools.quiz.online.exam import ServiceExamLauncher


def member_id() -> str:
    """Who is taking the exam: ``$EXAM_TOOLS_MEMBER``, the JupyterHub user, or the login name."""
    return (
        os.environ.get("EXAM_TOOLS_MEMBER")
        or os.environ.get("JUPYTERHUB_USER")
        or getpass.getuser()
    )


def paper_path(spec_path: str | Path) -> Path:
    p = Path(spec_path)
    return p.with_name(f"{p.stem}.paper.json")


def open_exam(
    spec_path: str | Path,
    *,
    member: str | None = None,
    clock: Callable[[], float] = time.time,
    timer: bool = True,
    on_submitted: Callable[[QuizApp], None] | None = None,
    intro: bool = False,
) -> QuizApp | ServiceExamLauncher:
    """The member's quiz for the exam spec at ``spec_path``; draws their paper on first use.
    ``intro``: show the exam's rules and a 开始考试 button before the first attempt starts.

    On a hub with an exam service (``EXAM_TOOLS_SERVICE_URL``), the service draws the paper and
    keeps the clock, the attempts and the answers; the files here are only its cache. A service
    exam's release holds only a launcher (no questions, no seed): with ``intro`` and no attempt
    yet, what comes back is the service's 开始考试 screen, and the paper arrives on the tap."""
    from exam_tools.course.pool import launcher_exam
    from exam_tools.errors import QuizError

    target = paper_path(spec_path)
    at_service = launcher_exam(spec_path)
    # --- exam service (issue 12) ---
    from exam_tools.quiz.online.client import ServiceClient

    client = ServiceClient.from_env(member or member_id())
    if client is not None:
        from exam_tools.quiz.online.exam import exam_name, open_service_exam

        app = open_service_exam(client, at_service or exam_name(spec_path), target, clock=clock,
                                timer=timer, on_submitted=on_submitted, intro=intro,
                                required=at_service is not None)  # fmt: skip
        if app is not None:
            return app
    # --- end exam service ---
    if at_service is not None:
        raise QuizError("这场考试由考试服务掌握：请登录学习平台，在“我的学习”里打开。")
    if not target.exists():
        spec = read_exam_spec(spec_path)
        paper = build_paper(
            spec.questions,
            spec.course,
            spec.assessment,
            member=member or member_id(),
            seed=spec.seed,
        )
        write_atomic(target, paper.to_json())
    else:
        read_paper(target)  # a damaged paper file is reported before anything is shown
    return open_quiz(target, clock=clock, timer=timer, on_submitted=on_submitted, intro=intro)


def show_exam(spec_path: str | Path, **options: Any) -> None:
    """Show the member's exam (see :func:`open_exam` for the options). The first attempt starts
    when the member taps 开始考试, so running the notebook (nbgrader's Validate too) starts no clock."""
    show(open_exam(spec_path, **{"intro": True, **options}).widget)


def _given(value: Any) -> bool:
    if isinstance(value, list):
        return any(_given(v) for v in value)
    return value is not None and value != ""


def exam_note(spec_path: str | Path) -> None:
    """Print what the graded cell of an exam assignment tells the member (and nbgrader's Validate).

    Returns nothing: the cell's value is what nbgrader reads as a score."""
    print(note_text(spec_path))


def note_text(spec_path: str | Path) -> str:
    """That the teacher grades after submission, and how far the member has got."""
    import json

    paper_file = paper_path(spec_path)
    lines = ["本卷交卷后由老师评分，这里不判对错。"]
    try:
        total = len(read_paper(paper_file))
    except (OSError, ValueError):  # PaperError is a ValueError: no paper drawn yet, or damaged
        lines.append("还没有打开试卷：请先运行上面的格子。")
        total = 0
    if total:
        responses = paper_file.with_name(f"{paper_file.stem}.responses.json")
        try:
            attempts = json.loads(responses.read_text(encoding="utf-8")).get("attempts") or []
            last = attempts[-1] if isinstance(attempts[-1], dict) else {}
        except (OSError, ValueError, AttributeError, IndexError, TypeError):
            last = {}
        answers = last.get("answers")
        answered = sum(_given(v) for v in answers.values()) if isinstance(answers, dict) else 0
        state = "已交卷" if last.get("submitted_at") else "还没有交卷，答完请点“交卷”"
        lines.append(f"已答 {answered} / {total} 题，{state}。")
    return "\n".join(lines)
