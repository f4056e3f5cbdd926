"""`exam-tools assign` makes a real nbgrader assignment: it releases without a key, each member
draws their own paper from the release, and `nbgrader autograde` scores the saved responses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import read_paper
from exam_tools.quiz.store import ResponseStore

from .conftest import DATA

COURSES = DATA / "courses"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nbgrader-course")
    run(sys.executable, "-m", "exam_tools", "assign", "rice", "cert", "--course-dir", str(root),
        "--courses", str(COURSES), cwd=root)  # fmt: skip
    run(sys.executable, "-m", "nbgrader", "generate_assignment", "cert", cwd=root)
    return root


def test_the_release_holds_no_key(course_dir: Path, bank: Bank) -> None:
    source = course_dir / "source" / "cert"
    release = course_dir / "release" / "cert"
    assert sorted(p.name for p in release.iterdir()) == ["exam.ipynb", "exam.json"]
    assert "BEGIN HIDDEN TESTS" in (source / "exam.ipynb").read_text("utf-8")
    spec = json.loads((release / "exam.json").read_text("utf-8"))
    pool = [bank[q["id"]] for q in spec["questions"]]
    assert all(set(q) <= {"id", "type", "domain", "difficulty", "stem", "points", "options",
                          "tags", "technology", "source"} for q in spec["questions"])  # fmt: skip
    shown = "\n".join(t for q in pool for t in (q.stem, *q.options))
    secrets = {q.explanation for q in pool}
    secrets |= {alt for q in pool if q.type is QType.FILL for alts in q.blanks for alt in alts}
    secrets |= {q.reference for q in pool if q.type is QType.SHORT}
    secrets = {s for s in secrets if s not in shown}
    for path in release.iterdir():
        text = path.read_text("utf-8")
        assert "HIDDEN" not in text and "KEY" not in text and "score_saved" not in text
        assert not [s for s in secrets if s in text], path.name
    graded = [c for c in nbformat.read(release / "exam.ipynb", 4).cells
              if c.metadata.get("nbgrader", {}).get("grade")]  # fmt: skip
    assert [c.metadata.nbgrader.points for c in graded] == [33.0]


def take(release: Path, folder: Path, member: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A member fetches the release and runs its notebook: their own paper is drawn and kept."""
    shutil.copytree(release, folder)
    monkeypatch.setenv("EXAM_TOOLS_MEMBER", member)
    nb = nbformat.read(folder / "exam.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    return folder / "exam.paper.json"


def test_each_member_draws_their_own_paper_from_one_release(
    course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = course_dir / "release" / "cert"
    papers = [read_paper(take(release, tmp_path / m, m, monkeypatch)) for m in ("m001", "m002")]
    assert [p.member for p in papers] == ["m001", "m002"]
    assert [i.qid for i in papers[0].items] != [i.qid for i in papers[1].items]
    assert papers[0].total_points == papers[1].total_points == 33


def test_nbgrader_autograde_scores_the_saved_responses(
    course_dir: Path, bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = course_dir / "release" / "cert"
    expected = {}
    for member, right in (("m001", True), ("m002", False)):
        folder = course_dir / "submitted" / member / "cert"
        paper = read_paper(take(release, folder, member, monkeypatch))
        responses = folder / "exam.paper.responses.json"
        assert not responses.exists()  # running the notebook shows the rules; nothing begun
        ResponseStore(responses, paper, member=member).start()  # the member taps 开始考试
        key = answer_key(paper, bank)
        answers = {}
        for k in key.items:
            if k.type is QType.SHORT or not right:
                continue
            answers[str(k.n)] = (
                [alts[0] for alts in k.answer] if k.type is QType.FILL
                else list(k.answer) if k.type is QType.MULTIPLE else k.answer
            )  # fmt: skip
        data = json.loads(responses.read_text("utf-8"))
        data["attempts"][-1]["answers"] = answers
        responses.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        short = sum(k.points for k in key.items if k.type is QType.SHORT)
        expected[member] = paper.total_points - short if right else 0.0
    monkeypatch.delenv("EXAM_TOOLS_MEMBER")
    env = {**os.environ}
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "cert", "--create"],
                   cwd=course_dir, env=env, check=True, capture_output=True)  # fmt: skip
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        scores = {m: gb.find_submission("cert", m).score for m in expected}
    assert scores == expected
