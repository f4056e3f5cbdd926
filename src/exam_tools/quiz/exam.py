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
from typing import Any

from exam_tools.course.paper import build_paper, read_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.fileio import write_atomic
from exam_tools.quiz import open_quiz, show
from exam_tools.quiz.app import QuizApp


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
) -> QuizApp:
    """The member's quiz for the exam spec at ``spec_path``; draws their paper on first use.

    On a hub with an exam service (``EXAM_TOOLS_SERVICE_URL``), the service draws the paper and
    keeps the clock, the attempts and the answers; the files here are only its cache."""
    # --- exam service (issue 12) ---
    from exam_tools.service.client import ServiceClient

    client = ServiceClient.from_env(member or member_id())
    if client is not None:
        from exam_tools.service.quiz import open_service_exam

        app = open_service_exam(client, spec_path, clock=clock, timer=timer,
                                on_submitted=on_submitted)  # fmt: skip
        if app is not None:
            return app
    # --- end exam service ---
    target = paper_path(spec_path)
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
    return open_quiz(target, clock=clock, timer=timer, on_submitted=on_submitted)


def show_exam(spec_path: str | Path, **options: Any) -> None:
    """Show the member's exam (see :func:`open_exam` for the options)."""
    show(open_exam(spec_path, **options).widget)
