"""One answer to "will this work?": `exam-tools course check` reports every assessment that
`exam-tools assign` would refuse (one function decides for both), and every shipped assessment can be
assigned, practices included, and opens for a member."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from exam_tools.bank.model import Bank
from exam_tools.course.load import check_courses
from exam_tools.course.model import Mode
from exam_tools.grading.assign import assign_problems, source_assignment
from exam_tools.paths import find_bundled

from .conftest import DATA

MIXED_POINTS = """
  - id: mixed
    title: 每人一卷但分值不一
    mode: exam
    variants: true
    rules:
      - {technology: 水稻种植, count: 6}
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exam_tools", *args], capture_output=True, text=True, cwd=cwd,
        check=False,
    )  # fmt: skip


def test_every_shipped_assessment_can_be_assigned(bank: Bank) -> None:
    checked = check_courses(find_bundled("courses"), bank)
    assert not checked.errors, [str(p) for p in checked.errors]
    assessments = [(c, a) for c in checked.courses for a in c.assessments]
    assert {a.mode for _c, a in assessments} == {Mode.PRACTICE, Mode.EXAM}
    for course, assessment in assessments:
        assert assign_problems(bank, course, assessment) == []
        made = source_assignment(bank, course, assessment)
        assert made.questions == assessment.size, (course.id, assessment.id)


def test_course_check_reports_what_assign_refuses(tmp_path: Path) -> None:
    course = tmp_path / "courses" / "rice"
    shutil.copytree(DATA / "courses" / "rice", course)
    with (course / "course.yaml").open("a", encoding="utf-8") as f:
        f.write(MIXED_POINTS)
    check = run("course", "check", str(tmp_path / "courses"), cwd=tmp_path)
    assert check.returncode == 1
    lines = [line for line in check.stdout.splitlines() if "mixed 第1条规则" in line]
    assert len(lines) == 1, check.stdout
    assert lines[0].startswith("courses/rice/course.yaml:42: ")  # file and line of the rule
    assert ": points: “每人一卷”时这条规则抽到的题分值不同（1、2、5 分）" in lines[0]
    assign = run("assign", "rice", "mixed", "--course-dir", "nb", "--courses",
                 str(tmp_path / "courses"), cwd=tmp_path)  # fmt: skip
    assert assign.returncode == 1 and not (tmp_path / "nb").exists()
    problem = lines[0].split(": ", 1)[1]  # the same problem, word for word, without the path
    assert problem in assign.stdout + assign.stderr, assign.stderr


def test_a_practice_assignment_opens_for_the_member(tmp_path: Path, bank: Bank) -> None:
    made = run("assign", "dangzhang", "practice", "--course-dir", ".", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    generated = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "practice"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert generated.returncode == 0 and "ERROR" not in generated.stderr, generated.stderr
    folder = tmp_path / "member" / "practice"
    shutil.copytree(tmp_path / "release" / "practice", folder)
    nb = nbformat.read(folder / "exam.ipynb", as_version=4)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EXAM_TOOLS_MEMBER", "m001")
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert "本卷交卷后由老师评分，这里不判对错。\n已答 0 / 10 题" in "".join(
        o.get("text", "") for o in outputs
    )
