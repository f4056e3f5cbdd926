"""exam-tools' scores in nbgrader's own gradebook, so formgrader, ``nbgrader export`` and exam-tools
agree without anyone running ``nbgrader autograde``.

For each graded submission: the member becomes an nbgrader student (named from the roster when the
records database knows them), the submission is created with the timestamp nbgrader collected, the
assignment's graded cell gets exam-tools' score as its automatic score (a manual score given in
formgrader is kept and still wins there), and ``autograded/<member>/NAME/`` holds the submission as
formgrader expects after autograding, its graded cell showing the score. nbgrader is imported only
here, inside the function.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from exam_tools.errors import ExamToolsError, PaperError
from exam_tools.grading.assign import NOTEBOOK
from exam_tools.grading.grade import SubmissionResult
from exam_tools.grading.inert import sanitize_folder

GRADEBOOK = "gradebook.db"
# Two-character surnames, so that formgrader's "last name, first name" reads 欧阳, 修 not 欧, 阳修.
# fmt: off
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "澹台", "公冶", "申屠", "太史",
    "闻人", "赫连", "钟离", "百里", "东郭", "北堂",
))
# fmt: on


@dataclass
class GradebookReport:
    written: int = 0
    named: int = 0
    problems: list[str] = field(default_factory=list)


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name, for nbgrader's last_name and first_name."""
    name = name.strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if len(name) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in name):
        return name[:1], name[1:]
    return name, ""


def _autograded_copy(course_dir: Path, result: SubmissionResult, submitted: Path) -> None:
    """``autograded/<member>/NAME/``: the submission, its graded cell showing exam-tools' score."""
    target = course_dir / "autograded" / result.member / result.assignment
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(submitted, target, symlinks=True)  # a member's link is copied, not followed
    # what formgrader renders is inert however the submission reached submitted/ (issue 16 item 3)
    sanitize_folder(target)
    notebook = target / NOTEBOOK
    if notebook.is_symlink():
        return  # never write through a link a member made
    try:
        nb: Any = json.loads(notebook.read_text(encoding="utf-8"))
        cells = nb["cells"] if isinstance(nb, dict) else None
    except (OSError, ValueError, KeyError):
        cells = None
    if not isinstance(cells, list):
        return  # a damaged notebook is shown as submitted; the score is in the gradebook anyway
    text = f"exam-tools 评分：{result.score:g} / {result.max_score:g} 分（{result.percent:.0f} 分，百分制）\n"
    for cell in cells:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        grading = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(grading, dict) and grading.get("grade") and cell.get("cell_type") == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text}]
    notebook.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


class GradebookError(ExamToolsError, RuntimeError):
    """nbgrader's gradebook could not be written (locked, damaged, unwritable)."""


def write_gradebook(
    course_dir: Path,
    graded: Iterable[tuple[SubmissionResult, Path]],
    names: Mapping[str, str],
) -> GradebookReport:
    """Write each (result, submission folder) into ``course_dir/gradebook.db`` (nbgrader's API);
    raises :class:`GradebookError` if the gradebook cannot be written."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return _write_gradebook(course_dir, list(graded), names)
    except (SQLAlchemyError, OSError) as exc:
        raise GradebookError(
            f"没有能写入 nbgrader 成绩册 {course_dir / GRADEBOOK}（{type(exc).__name__}: {exc}）"
        ) from exc


def drop_submissions(course_dir: Path, name: str, members: Iterable[str]) -> None:
    """Take ``members``' submissions of ``name`` out of nbgrader's gradebook and ``autograded/``
    (a service exam's submissions that did not come from the service: issue 16)."""
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with Gradebook(f"sqlite:///{course_dir / GRADEBOOK}") as gb:
            for member in members:
                with contextlib.suppress(MissingEntry):
                    gb.remove_submission(name, member)
    except (SQLAlchemyError, OSError) as exc:
        raise GradebookError(
            f"没有能从 nbgrader 成绩册 {course_dir / GRADEBOOK} 去掉未通过考试服务交卷的提交"
            f"（{type(exc).__name__}: {exc}）"
        ) from exc
    for member in members:
        target = course_dir / "autograded" / member / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)


def _timestamp(folder: Path) -> datetime | None:
    """The time nbgrader collected the submission (``timestamp.txt``, written by the member's
    nbgrader submit): what formgrader compares; None if missing, a link or unreadable."""
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    if not stamp.is_file() or stamp.is_symlink() or stamp.stat().st_size > 100:
        return None
    try:
        parsed: datetime = parse_utc(stamp.read_text(encoding="utf-8").strip())
    except (OSError, ValueError, OverflowError):
        return None
    return parsed


def _write_gradebook(
    course_dir: Path,
    graded: list[tuple[SubmissionResult, Path]],
    names: Mapping[str, str],
) -> GradebookReport:
    from nbgrader.api import (
        Comment,
        Grade,
        Gradebook,
        MissingEntry,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )
    from sqlalchemy.exc import SAWarning

    report = GradebookReport()
    if not graded:
        return report
    name = graded[0][0].assignment
    with Gradebook(f"sqlite:///{course_dir / GRADEBOOK}") as gb, warnings.catch_warnings():
        # a new submission's rows are built before they join the session (as nbgrader's own
        # add_submission does), and SQLAlchemy says so on every one; they are added all the same
        warnings.filterwarnings("ignore", category=SAWarning)
        try:
            assignment = gb.find_assignment(name)
        except MissingEntry:
            raise PaperError(
                f"nbgrader 的成绩册 {course_dir / GRADEBOOK} 里没有作业“{name}”；"
                f"请先在 {course_dir} 中运行 nbgrader generate_assignment {name}"
            ) from None
        cells = [(nb, cell) for nb in assignment.notebooks for cell in nb.grade_cells]
        if len(cells) != 1:
            raise PaperError(
                f"nbgrader 作业“{name}”有 {len(cells)} 个评分格，exam-tools 生成的作业只有一个；"
                "成绩没有写入 nbgrader"
            )
        notebook, cell = cells[0]
        students = {s.id: s for s in gb.db.query(Student)}
        submitted = {s.student.id: s for s in assignment.submissions}
        for result, folder in graded:
            member = result.member
            full = names.get(member)
            student = students.get(member)
            if student is None:
                student = students[member] = Student(id=member)
                gb.db.add(student)
            student.last_name, student.first_name = split_name(full) if full else (member, "")
            report.named += bool(full)
            submission = submitted.get(member)
            if submission is None:  # what Gradebook.add_submission builds, without its commit
                submission = SubmittedAssignment(assignment=assignment, student=student)
                for nb in assignment.notebooks:
                    sub_nb = SubmittedNotebook(notebook=nb, assignment=submission)
                    for grade_cell in nb.grade_cells:
                        Grade(cell_id=grade_cell.id, notebook=sub_nb)
                    for solution_cell in nb.solution_cells:
                        Comment(cell_id=solution_cell.id, notebook=sub_nb)
                    for task_cell in nb.task_cells:
                        Comment(cell_id=task_cell.id, notebook=sub_nb)
                        Grade(cell_id=task_cell.id, notebook=sub_nb)
                gb.db.add(submission)
            submission.timestamp = _timestamp(folder)
            grade = next(
                g
                for sub_nb in submission.notebooks
                if sub_nb.notebook is notebook
                for g in sub_nb.grades
                if g.cell_id == cell.id
            )
            score = min(result.score, cell.max_score)
            if grade.manual_score is None:  # a short answer still to be read wants formgrader
                grade.needs_manual_grade = bool(result.manual_pending)
            elif grade.auto_score != score:  # graded by hand before the answers changed: look again
                grade.needs_manual_grade = True
            grade.auto_score = score
            report.written += 1
        gb.db.commit()  # one transaction: every submission or none
    for result, folder in graded:
        _autograded_copy(course_dir, result, folder)
    return report
