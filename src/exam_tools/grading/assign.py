"""``exam-tools assign``: an nbgrader source assignment whose notebook shows the widget quiz.

The source folder holds the notebook and the keyless exam spec. The notebook's one graded cell is an
nbgrader autograder test whose body is a hidden test (``### BEGIN HIDDEN TESTS``): it embeds the
key, so ``nbgrader generate_assignment`` strips it from the release, and ``nbgrader autograde``
restores it to score the saved responses. The transform is pure; the CLI writes the files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from exam_tools.bank.model import Question
from exam_tools.course.key import MultipleRule, compact_key
from exam_tools.course.model import Assessment, Course, Drawable, Mode
from exam_tools.course.paper import draw_questions
from exam_tools.course.pool import exam_spec
from exam_tools.errors import Location, PaperError, Problem, ProblemList

NOTEBOOK = "exam.ipynb"
PAPER = "exam.paper.json"  # the member's own paper, drawn and kept by show_exam
KEY_FORMAT = "exam-tools/assignment-key"
KEY_DIR = "exam_tools"  # DIR/exam_tools/<name>.key.json: beside nbgrader's folders, never released
SPEC = "exam.json"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass(frozen=True)
class SourceAssignment:
    """The files of an nbgrader source assignment (name → text), and its key for the instructor's
    side, which is written outside ``source/`` so that nothing can release it."""

    files: dict[str, str]
    key: str
    total_points: float
    questions: int


def _meta(grade_id: str, *, grade: bool = False, points: float = 0) -> dict[str, object]:
    meta: dict[str, object] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": True,
        "schema_version": 3,
        "solution": False,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return {"nbgrader": meta, "editable": False, "deletable": False}


def _cell(kind: str, source: str, meta: dict[str, object]) -> dict[str, object]:
    cell: dict[str, object] = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        cell["execution_count"] = None
        cell["outputs"] = []
    return cell


def assign_problems(
    bank: Iterable[Drawable], course: Course, assessment: Assessment
) -> list[Problem]:
    """Why ``exam-tools assign`` would refuse ``assessment`` (none: it can be assigned).

    An nbgrader assignment has one maximum score for everyone, so when each member draws their own
    paper (``variants``) every rule without ``points`` must draw questions of equal points. Without
    variants everyone gets the same paper and the same total. ``exam-tools course check`` reports
    these problems too: this function is the one source of both."""
    if not assessment.variants:
        return []
    questions = list(bank)
    problems = ProblemList()
    for j, rule in enumerate(assessment.rules, 1):
        points = sorted({q.points for q in rule.select(questions)})
        if rule.points is None and len(points) > 1:
            problems.add(
                Location(course.path or "course.yaml", rule.line),
                f"{assessment.id} 第{j}条规则",
                "points",
                f"“每人一卷”时这条规则抽到的题分值不同（{'、'.join(f'{x:g}' for x in points)} 分），"
                "每人的总分会不一样，exam-tools assign 无法生成作业；请在这条规则里写明 points",
            )
    return problems.items


def total_points(
    bank: Iterable[Drawable], course: Course, assessment: Assessment, seed: int = 0
) -> float:
    """The paper's total, the same for every member; raises :class:`PaperError` with
    :func:`assign_problems` if members' totals could differ."""
    questions = list(bank)
    problems = assign_problems(questions, course, assessment)
    if problems:
        raise PaperError(f"考核“{assessment.title}”不能生成 nbgrader 作业：", problems)
    drawn = draw_questions(questions, course, assessment, member=None, seed=seed)
    return sum(points for _q, points in drawn)


def source_assignment(
    bank: Iterable[Question],
    course: Course,
    assessment: Assessment,
    *,
    seed: int = 0,
    multiple: MultipleRule = MultipleRule.ALL_OR_NOTHING,
) -> SourceAssignment:
    questions = list(bank)
    if assessment.mode is Mode.PRACTICE:
        # a member's kernel never holds the key, so an nbgrader assignment cannot explain answers as
        # they go: a practice is handed in like an exam without time limit, and the feedback page
        # (exam-tools feedback) brings the answers and 解析 afterwards
        assessment = replace(assessment, mode=Mode.EXAM)
    points = total_points(questions, course, assessment, seed)
    spec = exam_spec(questions, course, assessment, seed)
    pool_ids = {q["id"] for q in json.loads(spec)["questions"]}
    key = compact_key(q for q in questions if q.id in pool_ids)
    limit = f"限时 {assessment.time_limit} 分钟，" if assessment.time_limit else ""
    intro = (
        f"# {assessment.title}\n\n"
        f"**{course.title}** · 共 {assessment.size} 题，满分 {points:g} 分，{limit}"
        f"{assessment.pass_percent:g} 分（百分制）合格。\n\n"
        "**怎么答题：** 点一下下面的灰色格子，再按上方的 ▶ 运行按钮（或 Shift+Enter），先出现考试说明，"
        "点“开始考试”才开始计时。"
        "每道题点选或填写即可，答案会**自动保存**；关掉页面后重新打开、再运行一次，会接着答。"
        "答完点“交卷”。交卷后，在 Assignments（作业）页面点 **Submit** 提交。"
    )
    hidden = (
        "# 评分说明（党员不用改这一格）：交卷后由老师评分\n"
        "from exam_tools.quiz.exam import exam_note\n\n"
        f'exam_note("{SPEC}")\n'
        "### BEGIN HIDDEN TESTS\n"
        "from exam_tools.grading.cell import score_saved\n"
        f"KEY = {key!r}\n"
        f'score_saved("exam.paper.json", KEY, multiple="{multiple.value}", '
        f'grading="{assessment.grading.value}")\n'
        "### END HIDDEN TESTS\n"
    )
    nb = {
        "cells": [
            _cell("markdown", intro, _meta("intro")),
            _cell(
                "code",
                f'from exam_tools.quiz import show_exam\n\nshow_exam("{SPEC}")',
                _meta("quiz"),
            ),
            _cell("code", hidden, _meta("score", grade=True, points=points)),
        ],
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    notebook = json.dumps(nb, ensure_ascii=False, indent=1) + "\n"
    key_file = {
        "format": KEY_FORMAT,
        "course": course.id,
        "assessment": assessment.id,
        "pass_percent": assessment.pass_percent,
        "multiple": multiple.value,
        "total_points": points,
        "key": key,
    }
    key_text = json.dumps(key_file, ensure_ascii=False, indent=1) + "\n"
    return SourceAssignment({NOTEBOOK: notebook, SPEC: spec}, key_text, points, assessment.size)


def spec_file(course_dir: Path, name: str) -> Path:
    """The assignment's keyless spec: ``source/NAME/exam.json``, or, once the exam service holds
    the exam (``exam open``), the copy kept beside the key (source then holds a launcher only)."""
    kept = course_dir / KEY_DIR / f"{name}.exam.json"
    return kept if kept.exists() else course_dir / "source" / name / SPEC


def service_manifest(course_dir: Path, name: str) -> Path:
    """What ``exam export`` exported of a service exam: the members and attempts the service
    holds (``grade`` grades exactly these)."""
    return course_dir / KEY_DIR / f"{name}.service.json"


def service_folder(course_dir: Path, name: str, member: str) -> Path:
    """Where ``exam export`` keeps a member's paper and responses as the service recorded them:
    beside the key, out of reach of ``nbgrader collect`` (which replaces ``submitted/``)."""
    return course_dir / KEY_DIR / "service" / name / member


def is_service_exam(course_dir: Path, name: str) -> bool:
    """Whether the assignment was handed to the exam service (``exam open --course-dir``)."""
    return (course_dir / KEY_DIR / f"{name}.exam.json").exists()


def owned_like_course(course_dir: Path, *paths: Path) -> None:
    """Files root wrote into a course (``exam open``/``exam export`` run as root on the hub) go to
    the course folder's owner, the course's grader, who grades; private ones stay private."""
    import os
    import shutil

    if os.geteuid() != 0:
        return
    st = course_dir.stat()
    for path in paths:
        if path.exists() and not path.is_symlink():
            shutil.chown(path, st.st_uid, st.st_gid)


def hand_to_service(course_dir: Path, name: str, exam: str, spec_text: str) -> list[Path]:
    """Keep the spec beside the key (instructors only) and leave a launcher in its place in
    ``source/NAME/`` and ``release/NAME/``: a service exam's release carries neither the pool
    nor the seed (issue 16). The released copies that held the spec (to be released again)."""
    from exam_tools.course.pool import ExamSpec, launcher_spec
    from exam_tools.fileio import write_atomic

    kept = course_dir / KEY_DIR / f"{name}.exam.json"
    write_atomic(kept, spec_text, private=True)
    launcher = launcher_spec(ExamSpec.from_dict(json.loads(spec_text)), exam)
    leaked, written = [], [kept]
    for folder in ("source", "release"):
        path = course_dir / folder / name / SPEC
        if folder == "source" or path.exists():
            if folder == "release" and path.read_text("utf-8") != launcher:
                leaked.append(path)
            write_atomic(path, launcher)
            written.append(path)
    owned_like_course(course_dir, *written)
    return leaked


NBGRADER_CONFIG = """\
# nbgrader configuration written by `exam-tools assign`.
c = get_config()  # noqa: F821  # provided by nbgrader when it reads this file
c.CourseDirectory.root = "."
# the course's name in the exchange (release_assignment, collect, release_feedback need one);
# members see it on their Assignments page
c.CourseDirectory.course_id = {course_id!r}
# exam-tools notebooks show a widget quiz; there are no solution cells to check.
c.ClearSolutions.enforce_metadata = False
"""


def write_assignment(course_dir: Path, name: str, assignment: SourceAssignment) -> Path:
    """Write the source files under ``source/NAME/``, the key beside nbgrader's folders, and an
    nbgrader configuration if the course has none (the I/O edge of :func:`source_assignment`)."""
    from exam_tools.fileio import write_atomic

    target = course_dir / "source" / name
    # a new assignment is an nbgrader one until `exam open` hands it to the service again
    (course_dir / KEY_DIR / f"{name}.exam.json").unlink(missing_ok=True)
    for filename, text in assignment.files.items():
        write_atomic(target / filename, text)
    # the answers: readable by the instructor only, even where members can list the course dir
    write_atomic(course_dir / KEY_DIR / f"{name}.key.json", assignment.key, private=True)
    config = course_dir / "nbgrader_config.py"
    if not config.exists():
        write_atomic(config, NBGRADER_CONFIG.format(course_id=course_dir.resolve().name))
    return target
