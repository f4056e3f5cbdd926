"""A real nbgrader classroom in a temporary folder: an exchange, an instructor's course with the
rice certification exam released by `exam-tools assign` + nbgrader, and a member's folder whose
nbgrader configuration points at the exchange. Used by the 我的学习 tests (with and without a
browser)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .conftest import DATA

COURSE_ID = "rice101"
ASSIGNMENT = "cert"


@dataclass(frozen=True)
class Classroom:
    exchange: Path
    course_dir: Path
    member_root: Path

    def nbgrader(self, *args: str) -> None:
        """Run an instructor's nbgrader command in the course directory."""
        run(sys.executable, "-m", "nbgrader", *args, cwd=self.course_dir)


def run(*args: str, cwd: Path) -> None:
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def make_classroom(base: Path) -> Classroom:
    exchange, course_dir, member_root = base / "exchange", base / "course", base / "member"
    for folder in (exchange, course_dir, member_root):
        folder.mkdir(parents=True)
    exchange.chmod(0o777)  # nbgrader's documented exchange mode
    run(sys.executable, "-m", "exam_tools", "assign", "rice", ASSIGNMENT,
        "--course-dir", str(course_dir), "--courses", str(DATA / "courses"),
        cwd=course_dir)  # fmt: skip
    with (course_dir / "nbgrader_config.py").open("a", encoding="utf-8") as f:
        f.write(f'c.CourseDirectory.course_id = "{COURSE_ID}"\n')
        f.write(f'c.Exchange.root = "{exchange}"\n')
        f.write(f'c.Exchange.cache = "{base / "instructor-cache"}"\n')
    (member_root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f'c.Exchange.root = "{exchange}"\n'
        f'c.Exchange.cache = "{base / "member-cache"}"\n',
        encoding="utf-8",
    )
    classroom = Classroom(exchange, course_dir, member_root)
    classroom.nbgrader("generate_assignment", ASSIGNMENT)
    classroom.nbgrader("release_assignment", ASSIGNMENT)
    return classroom


def grade_and_release_feedback(classroom: Classroom) -> None:
    """The instructor's side after members hand in: collect, autograde, feedback, release."""
    for step in (
        ("collect", ASSIGNMENT),
        ("autograde", ASSIGNMENT, "--create"),
        ("generate_feedback", ASSIGNMENT),
        ("release_feedback", ASSIGNMENT),
    ):
        classroom.nbgrader(*step)
