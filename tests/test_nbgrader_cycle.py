"""The instructor's cycle exactly as the README tells it, with real nbgrader commands and a temporary
exchange: assign → generate → release → (member) fetch, Validate, answer, submit → collect →
exam-tools grade → exam-tools feedback → release_feedback → (member) fetch_feedback.

The instructor and the member work in separate folders and share only the exchange. exam-tools'
scores land in nbgrader's gradebook (read back through nbgrader's own API), named from the roster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import read_paper
from exam_tools.quiz.exam import note_text, open_exam
from exam_tools.quiz.store import ResponseStore
from exam_tools.records.db import open_db, table

from .conftest import DATA

COURSE = "cycle101"
MEMBER = "m001"


def sh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "| ERROR]" not in output, output
    return output


def nbgrader(command: str, *args: str, cwd: Path, exchange: Path, member: bool = False) -> str:
    """An nbgrader command; the instructor's course id comes from the nbgrader_config.py that
    exam-tools assign wrote, a member (who has no configuration) names the course."""
    course = [f"--CourseDirectory.course_id={COURSE}"] if member else []
    return sh(sys.executable, "-m", "nbgrader", command, *args, *course,
              f"--Exchange.root={exchange}", cwd=cwd)  # fmt: skip


def exam_tools(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "EXAM_TOOLS_DB"}  # the default database
    return sh(sys.executable, "-m", "exam_tools", *args, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory, bank: Bank) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("cycle")
    exchange, course, member = tmp / "exchange", tmp / COURSE, tmp / "member"
    for folder in (exchange, course, member):
        folder.mkdir()
    exchange.chmod(0o777)
    db = course / "exam_tools.db"
    records = open_db(db)  # the roster knows the member's name
    table(records, "orgs").insert(
        {"id": "o1", "name": "示范村党支部", "kind": "支部", "parent": None, "path": "示范村党支部"}
    )
    table(records, "members").insert({"id": MEMBER, "name": "欧阳建国", "org": "o1"})
    out: dict[str, object] = {"course": course, "member": member, "db": db}

    # instructor, as the README tells it (the records database is the default one in the course dir)
    exam_tools("assign", "rice", "cert", "--course-dir", COURSE, "--courses", str(DATA / "courses"),
               cwd=tmp)  # fmt: skip
    nbgrader("generate_assignment", "cert", cwd=course, exchange=exchange)
    nbgrader("release_assignment", "cert", cwd=course, exchange=exchange)

    # member: fetch, press Validate on the untouched exam, answer as the quiz does, submit
    nbgrader("fetch_assignment", "cert", cwd=member, exchange=exchange, member=True)
    folder = member / "cert"
    hub_user = {**os.environ, "JUPYTERHUB_USER": MEMBER}  # who the member is on the hub
    out["validate"] = sh(sys.executable, "-m", "nbgrader", "validate", "exam.ipynb", cwd=folder,
                         env=hub_user)  # fmt: skip
    responses = folder / "exam.paper.responses.json"  # Validate ran the quiz cell: no attempt begun
    out["started_by_validate"] = (
        json.loads(responses.read_text("utf-8"))["attempts"] if responses.exists() else []
    )
    open_exam(folder / "exam.json", member=MEMBER, timer=False)  # Validate drew it already
    paper = read_paper(folder / "exam.paper.json")
    assert paper.member == MEMBER
    key = answer_key(paper, bank)
    store = ResponseStore(folder / "exam.paper.responses.json", paper, member=MEMBER)
    if store.current is None or store.current.submitted:
        store.start()
    for k in key.items:  # the first two questions wrong (left blank), the rest right
        if k.n <= 2 or k.type is QType.SHORT:
            continue
        value = (
            [alts[0] for alts in k.answer] if k.type is QType.FILL
            else list(k.answer) if k.type is QType.MULTIPLE else k.answer
        )  # fmt: skip
        store.set_answer(k.n, value)
    store.submit()
    out["answered"] = len(store.current.answers) if store.current else 0
    out["questions"] = len(paper)
    out["note"] = note_text(folder / "exam.json")
    out["expected"] = sum(
        i.points for i, k in zip(paper.items, key.items, strict=True)
        if i.n > 2 and k.type is not QType.SHORT
    )  # fmt: skip
    out["total"] = paper.total_points
    nbgrader("submit", "cert", f"--student={MEMBER}", cwd=member, exchange=exchange, member=True)

    # instructor
    nbgrader("collect", "cert", cwd=course, exchange=exchange)
    out["grade"] = exam_tools("grade", "cert", "--course-dir", ".", cwd=course)
    out["feedback"] = exam_tools("feedback", "cert", "--course-dir", ".", cwd=course)
    nbgrader("release_feedback", "cert", cwd=course, exchange=exchange)

    # member
    nbgrader("fetch_feedback", "cert", f"--student={MEMBER}", cwd=member, exchange=exchange,
             member=True)  # fmt: skip
    return out


def test_validate_on_an_untouched_exam_passes(cycle: dict[str, object]) -> None:
    assert "Success! Your notebook passes all the tests." in str(cycle["validate"])
    # the note is printed, not the cell's value, which nbgrader would try to read as a score
    assert "treating other output as full credit" not in str(cycle["validate"])
    # the quiz waits for 开始考试: Validate neither starts the clock nor uses an attempt
    assert cycle["started_by_validate"] == []


def test_the_graded_cell_tells_the_member_something_true(cycle: dict[str, object]) -> None:
    assert cycle["note"] == (
        "本卷交卷后由老师评分，这里不判对错。\n"
        f"已答 {cycle['answered']} / {cycle['questions']} 题，已交卷。"
    )
    assert 0 < cycle["answered"] < cycle["questions"]  # type: ignore[operator]


def test_the_member_fetches_their_own_feedback_page(cycle: dict[str, object]) -> None:
    member = cycle["member"]
    assert isinstance(member, Path)
    pages = list((member / "cert" / "feedback").glob("*/exam.html"))
    assert len(pages) == 1, sorted(member.rglob("*"))
    page = pages[0].read_text("utf-8")
    assert f"党员 欧阳建国（{MEMBER}）" in page and "成绩反馈" in page  # the name from the roster
    assert f"得分 {cycle['expected']:g} / {cycle['total']:g}" in page


def test_formgrader_and_nbgrader_export_show_exam_tools_scores(cycle: dict[str, object]) -> None:
    from nbgrader.api import Gradebook

    course = cycle["course"]
    assert isinstance(course, Path)
    db = open_db(cycle["db"])  # type: ignore[arg-type]
    ours = next(db.query("select score, max_score from attempts where member = ?", [MEMBER]))
    assert ours["score"] == cycle["expected"]
    assert "已写入 nbgrader 成绩册 gradebook.db：1 份（1 人按花名册写了姓名）" in str(
        cycle["grade"]
    )
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("cert", MEMBER)
        assert submission.score == ours["score"]
        assert submission.max_score == ours["max_score"]
        student = gb.find_student(MEMBER)
        assert (student.last_name, student.first_name) == ("欧阳", "建国")
    # formgrader's own view of the submission (an autograded folder whose time matches, the score)
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    api = NbGraderAPI(coursedir=CourseDirectory(root=str(course)))
    shown = api.get_submission("cert", MEMBER)
    assert shown["autograded"] is True and shown["score"] == ours["score"]
    assert (shown["last_name"], shown["first_name"]) == ("欧阳", "建国")
    sh(sys.executable, "-m", "nbgrader", "export", "--to=grades.csv", cwd=course)
    header, row = (course / "grades.csv").read_text("utf-8").splitlines()
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["student_id"] == MEMBER and float(values["score"]) == ours["score"]
    assert (values["last_name"], values["first_name"]) == ("欧阳", "建国")


@pytest.mark.parametrize(
    ("name", "parts"),
    [("王建国", ("王", "建国")), ("欧阳修", ("欧阳", "修")), ("李娜", ("李", "娜")),
     ("Li Lei", ("Li Lei", ""))],
)  # fmt: skip
def test_roster_names_become_nbgrader_last_and_first_names(
    name: str, parts: tuple[str, str]
) -> None:
    from exam_tools.grading.gradebook import split_name

    assert split_name(name) == parts


def grade_with_gradebook(tmp_path: Path, bank: Bank, gradebook: bytes | None) -> tuple[int, str]:
    """exam-tools grade on two simulated submissions, with ``gradebook`` as gradebook.db (None: an
    empty one made by nbgrader, which does not know the assignment)."""
    from exam_tools.grading.simulate import simulate_submissions

    exam_tools("assign", "rice", "cert", "--course-dir", ".", "--courses", str(DATA / "courses"),
               cwd=tmp_path)  # fmt: skip
    shutil.copytree(tmp_path / "source" / "cert", tmp_path / "release" / "cert")  # as generated
    simulate_submissions(tmp_path, "cert", [("m001", 0.9), ("m002", 0.5)], bank, seed=1)
    if gradebook is None:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}"):
            pass
    else:
        (tmp_path / "gradebook.db").write_bytes(gradebook)
    env = {k: v for k, v in os.environ.items() if k != "EXAM_TOOLS_DB"}
    result = subprocess.run(
        [sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", "."],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert open_db(tmp_path / "exam_tools.db")["attempts"].count == 2  # the scores are kept
    return result.returncode, result.stdout + result.stderr


def test_a_damaged_gradebook_is_one_message_and_the_scores_are_kept(
    tmp_path: Path, bank: Bank
) -> None:
    code, out = grade_with_gradebook(tmp_path, bank, b"not a database, e.g. half copied")
    assert code == 1
    assert "错误：没有能写入 nbgrader 成绩册" in out, out
    assert "成绩已写入 exam-tools 数据库" in out and "程序内部错误" not in out


def test_a_gradebook_without_the_assignment_is_said_and_grading_succeeds(
    tmp_path: Path, bank: Bank
) -> None:
    code, out = grade_with_gradebook(tmp_path, bank, None)
    assert code == 0, out
    assert (
        "里没有作业“cert”；请先在 . 中运行 nbgrader generate_assignment cert；成绩没有写入 nbgrader"
        in out
    )
    assert "作业 cert：2 份提交" in out


def test_hostile_submitted_notebooks_are_copied_not_followed_and_all_scores_agree(
    tmp_path: Path, bank: Bank
) -> None:
    from nbgrader.api import Gradebook

    from exam_tools.grading.nbgrader_cli import run_nbgrader
    from exam_tools.grading.simulate import simulate_submissions

    exam_tools("assign", "rice", "cert", "--course-dir", ".", "--courses", str(DATA / "courses"),
               cwd=tmp_path)  # fmt: skip
    run_nbgrader("generate_assignment", "cert", cwd=tmp_path)
    members = [("m001", 0.9), ("m002", 0.6), ("m003", 0.3)]
    simulate_submissions(tmp_path, "cert", members, bank, seed=3)
    outside = tmp_path / "instructor-notes.txt"
    outside.write_text("老师自己的文件", "utf-8")
    link = tmp_path / "submitted" / "m002" / "cert" / "exam.ipynb"
    link.unlink()
    link.symlink_to(outside)
    odd = tmp_path / "submitted" / "m003" / "cert" / "exam.ipynb"
    odd.write_text('{"cells": [1, {"metadata": []}, {"metadata": {"nbgrader": 5}}]}', "utf-8")
    out = exam_tools("grade", "cert", "--course-dir", ".", cwd=tmp_path)
    assert "已写入 nbgrader 成绩册 gradebook.db：3 份" in out
    assert outside.read_text("utf-8") == "老师自己的文件"
    ours = {r["member"]: r["score"] for r in open_db(tmp_path / "exam_tools.db")["attempts"].rows}
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        theirs = {m: gb.find_submission("cert", m).score for m, _a in members}
    assert theirs == ours and len(set(ours.values())) > 1
