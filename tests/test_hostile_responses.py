"""Responses in members' folders are theirs to edit: wrong types and huge texts score 0 and are
reported, never stored or copied into feedback pages, and never stop the other members' grades or
pages. Both graders (``exam-tools grade`` and the hidden cell nbgrader runs) agree on them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import Paper, build_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.errors import QuizError
from exam_tools.grading.cell import score_saved
from exam_tools.quiz.store import MAX_ANSWER_CHARS, MAX_RESPONSES_BYTES, ResponseStore
from exam_tools.records.db import open_db

from .conftest import DATA

HUGE = "长" * (MAX_ANSWER_CHARS + 1)


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "exam_tools", *args], capture_output=True,
                            text=True, cwd=cwd)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def right(k) -> object:
    if k.type is QType.FILL:
        return [alts[0] for alts in k.answer]
    if k.type is QType.MULTIPLE:
        return list(k.answer)
    return "要点" if k.type is QType.SHORT else k.answer


def hostile(k) -> object:
    """A value of the wrong shape for the item (a number or a dict where a list is expected)."""
    return {QType.SINGLE: 1, QType.MULTIPLE: 7, QType.JUDGE: "true", QType.FILL: {"a": 1},
            QType.SHORT: ["x"]}[k.type]  # fmt: skip


def first_single(paper: Paper) -> int:
    return next(i.n for i in paper.items if i.type is QType.SINGLE)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory, bank: Bank) -> tuple[Path, dict[str, Paper]]:
    root = tmp_path_factory.mktemp("hostile")
    cli("assign", "rice", "cert", "--course-dir", str(root), "--courses", str(DATA / "courses"),
        cwd=root)  # fmt: skip
    spec = read_exam_spec(root / "source" / "cert" / "exam.json")
    papers = {}
    for member in ("good", "types", "long", "bigfile", "deep", "later"):
        folder = root / "submitted" / member / "cert"
        folder.mkdir(parents=True)
        paper = build_paper(spec.questions, spec.course, spec.assessment, member=member)
        papers[member] = paper
        (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
        key = answer_key(paper, bank)
        store = ResponseStore(folder / "exam.paper.responses.json", paper, member=member)
        store.start()
        for k in key.items:
            store.set_answer(k.n, right(k))
        store.submit()
        path = folder / "exam.paper.responses.json"
        data = json.loads(path.read_text("utf-8"))
        answers = data["attempts"][-1]["answers"]
        if member == "types":  # every answer of the wrong type
            for k in key.items:
                answers[str(k.n)] = hostile(k)
        elif member == "long":  # one answer far too long (the rest right)
            answers[str(first_single(paper))] = HUGE
        elif member == "bigfile":  # right answers, and megabytes of padding in the file
            data["padding"] = "x" * (MAX_RESPONSES_BYTES + 1)
        text = json.dumps(data, ensure_ascii=False)
        if member == "deep":  # nested deeper than any JSON reader recurses
            text = "[" * 100_000 + "]" * 100_000
            (folder / "exam.paper.json").write_text(text, "utf-8")
        path.write_text(text, "utf-8")
    return root, papers


def test_hostile_answers_score_zero_and_are_reported(course: tuple[Path, dict[str, Paper]]) -> None:
    root, papers = course
    db_file = str(root / "t.db")
    out = cli("grade", "cert", "--course-dir", str(root), "--db", db_file, cwd=root).stdout
    items = len(papers["types"].items)
    assert out.count("党员 types：") == items
    assert "党员 types：第 1 题作答格式不对（" in out
    assert (
        f"党员 long：第 {first_single(papers['long'])} 题作答过长（{MAX_ANSWER_CHARS + 1} 字，上限 {MAX_ANSWER_CHARS} 字），计 0 分"
        in out
    )
    assert (
        f"党员 bigfile：作答记录文件过大（2.0 MB，上限 {MAX_RESPONSES_BYTES / 1e6:.0f} MB）" in out
    )
    assert "党员 deep：试卷文件已损坏，按应发的试卷评分" in out
    assert "党员 deep：作答记录已损坏，无法读取，按未作答计" in out
    assert "党员 good：" not in out and "党员 later：" not in out
    db = open_db(db_file)
    score = {r["member"]: r["score"] for r in db.query("select member, score from attempts")}
    full = papers["good"].total_points - sum(i.points for i in papers["good"].items
                                             if i.type is QType.SHORT)  # fmt: skip
    assert score["types"] == score["bigfile"] == score["deep"] == 0
    assert score["long"] == score["good"] - papers["long"].item(first_single(papers["long"])).points
    assert score["good"] == score["later"] == pytest.approx(full, abs=5)  # 简答 keywords vary
    stored = [r[0] for r in db.execute("select response from results").fetchall()]
    assert max(len(r) for r in stored) < 1000  # the huge text is not kept
    # the grader nbgrader runs scores the same files the same way
    for member in papers:
        paper_file = root / "submitted" / member / "cert" / "exam.paper.json"
        compact = json.loads((root / "exam_tools" / "cert.key.json").read_text("utf-8"))["key"]
        assert score_saved(str(paper_file), compact) == pytest.approx(score[member])


def test_feedback_is_written_for_everyone_despite_hostile_files(
    course: tuple[Path, dict[str, Paper]],
) -> None:
    root, papers = course
    out = cli("feedback", "cert", "--course-dir", str(root), cwd=root).stdout
    assert f"已为 {len(papers)} 名党员写出反馈页" in out
    assert "党员 types：第 1 题作答格式不对" in out
    for member in papers:
        page = (root / "feedback" / member / "cert" / "exam.html").read_text("utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert HUGE[:100] not in page and len(page) < 100_000


def test_the_quiz_refuses_an_answer_over_the_limit(tmp_path: Path, bank: Bank) -> None:
    root = tmp_path
    cli("assign", "rice", "cert", "--course-dir", str(root), "--courses", str(DATA / "courses"),
        cwd=root)  # fmt: skip
    s = read_exam_spec(root / "source" / "cert" / "exam.json")
    paper = build_paper(s.questions, s.course, s.assessment, member="m")
    store = ResponseStore(tmp_path / "r.json", paper, member="m")
    store.start()
    short = next(i for i in paper.items if i.type in (QType.SHORT, QType.SINGLE))
    with pytest.raises(QuizError, match=f"上限 {MAX_ANSWER_CHARS} 字"):
        store.set_answer(short.n, HUGE)
    assert json.loads((tmp_path / "r.json").read_text("utf-8"))["attempts"][0]["answers"] == {}
    big = tmp_path / "big.json"
    shutil.copy(tmp_path / "r.json", big)
    big.write_text(big.read_text("utf-8") + " " * MAX_RESPONSES_BYTES, "utf-8")
    with pytest.raises(QuizError, match="上限 2 MB"):
        ResponseStore(big, paper, member="m")
