"""`exam-tools grade` scores saved responses without running notebooks, and agrees with the real
`nbgrader autograde` on the same submissions."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from exam_tools.bank.model import LETTERS, Bank, QType
from exam_tools.course.key import AnswerKey, answer_key
from exam_tools.course.paper import Paper, build_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.quiz.store import ResponseStore
from exam_tools.records.db import open_db

from .conftest import DATA, FakeClock

COURSES = DATA / "courses"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def right(k) -> object:  # the right response to a key item, in paper terms
    if k.type is QType.FILL:
        return [alts[0] for alts in k.answer]
    if k.type is QType.MULTIPLE:
        return list(k.answer)
    if k.type is QType.SHORT:
        return "参考答案要点"
    return k.answer


def wrong(k, paper: Paper) -> object:
    if k.type is QType.SINGLE:
        letters = LETTERS[: len(paper.item(k.n).options)]
        return next(x for x in letters if x != k.answer)
    if k.type is QType.MULTIPLE:
        letters = LETTERS[: len(paper.item(k.n).options)]
        return [x for x in letters if x not in k.answer][:1] + list(k.answer)[:1]
    if k.type is QType.JUDGE:
        return not k.answer
    if k.type is QType.FILL:
        return ["不知道"] * len(k.answer)
    return "不会"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


PATTERNS = {
    "m01": "right",
    "m02": "wrong",
    "m03": "blank",
    "m04": "partial",  # some right, multiple-choice with only part of the right options
    "m05": "widths",  # fill-ins typed with full-width characters and spaces
    "m06": "unsubmitted",  # answered but never pressed 交卷
    "m07": "missing",  # no responses file at all
    "m08": "corrupt",  # responses file is not JSON
    "m09": "singles",  # only the single-choice questions, all right
    "m10": "mixed",
}


def answers_for(pattern: str, key: AnswerKey, paper: Paper) -> dict[int, object]:
    out: dict[int, object] = {}
    for k in key.items:
        if pattern in ("right", "unsubmitted"):
            out[k.n] = right(k)
        elif pattern == "wrong":
            out[k.n] = wrong(k, paper)
        elif pattern == "partial":
            if k.type is QType.MULTIPLE:
                out[k.n] = list(k.answer)[:-1]
            elif k.n % 2:
                out[k.n] = right(k)
        elif pattern == "widths":
            r = right(k)
            out[k.n] = (
                [f" {full_width(unicodedata.normalize('NFKC', a))} " for a in r]
                if k.type is QType.FILL
                else r
            )
        elif pattern == "singles" and k.type is QType.SINGLE:
            out[k.n] = right(k)
        elif pattern == "mixed":
            out[k.n] = right(k) if k.n % 3 else wrong(k, paper)
    return out


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, bank: Bank) -> tuple[Path, dict[str, float]]:
    """A real nbgrader course with ten submissions, autograded by nbgrader; returns its scores."""
    root = tmp_path_factory.mktemp("grading-course")
    run(sys.executable, "-m", "exam_tools", "assign", "rice", "cert", "--course-dir", str(root),
        "--courses", str(COURSES), "--multiple", "partial", cwd=root)  # fmt: skip
    run(sys.executable, "-m", "nbgrader", "generate_assignment", "cert", cwd=root)
    spec = read_exam_spec(root / "release" / "cert" / "exam.json")
    clock = FakeClock()
    for member, pattern in PATTERNS.items():
        folder = root / "submitted" / member / "cert"
        shutil.copytree(root / "release" / "cert", folder)
        paper = build_paper(spec.questions, spec.course, spec.assessment, member=member)
        (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")  # what show_exam keeps
        if pattern == "missing":
            continue
        store = ResponseStore(
            folder / "exam.paper.responses.json", paper, member=member, clock=clock
        )
        store.start()
        for n, value in answers_for(pattern, answer_key(paper, bank), paper).items():
            store.set_answer(n, value)
        if pattern != "unsubmitted":
            store.submit()
        if pattern == "corrupt":
            (folder / "exam.paper.responses.json").write_text('{"attempts": [', "utf-8")
    run(sys.executable, "-m", "nbgrader", "autograde", "cert", "--create", cwd=root)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        scores = {m: gb.find_submission("cert", m).score for m in PATTERNS}
    return root, scores


def test_scores_equal_nbgrader_autograde(graded: tuple[Path, dict[str, float]]) -> None:
    root, nbgrader_scores = graded
    result = run(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(root),
                 "--db", str(root / "exam.db"), cwd=root)  # fmt: skip
    db = open_db(root / "exam.db")
    ours = {r["member"]: r["score"] for r in db.query("select member, score from attempts")}
    assert ours == pytest.approx(nbgrader_scores)
    # the answer patterns really differ: full, none, several partial scores
    assert ours["m01"] == 28 and ours["m02"] == 0 and ours["m03"] == 0
    assert 0 < ours["m04"] < 28 and 0 < ours["m09"] < 28 and 0 < ours["m10"] < 28
    assert ours["m05"] == ours["m01"] == ours["m06"]
    assert "作业 cert：10 份提交" in result.stdout
    assert "党员 m07：没有作答记录（未作答）" in result.stdout
    assert "党员 m08：作答记录已损坏，无法读取，按未作答计" in result.stdout
    assert "党员 m06：没有点“交卷”，按提交时的作答评分" in result.stdout


def test_grading_twice_changes_nothing(graded: tuple[Path, dict[str, float]]) -> None:
    root, _ = graded
    db_file = root / "twice.db"
    for _ in range(2):
        run(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(root),
            "--db", str(db_file), cwd=root)  # fmt: skip
    db = open_db(db_file)
    assert db["attempts"].count == 10
    assert db["results"].count == 100
    row = next(
        db.query("select * from results where attempt_id = 'cert/m04' and type = 'multiple'")
    )
    assert 0 < row["score"] < row["points"]  # partial credit for part of the right options


def test_an_edited_paper_file_is_noticed(
    graded: tuple[Path, dict[str, float]], tmp_path: Path
) -> None:
    root, _ = graded
    copy = tmp_path / "course"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("*.db", "autograded"))
    paper_file = copy / "submitted" / "m01" / "cert" / "exam.paper.json"
    data = json.loads(paper_file.read_text("utf-8"))
    data["items"][0]["order"] = list(reversed(data["items"][0].get("order", [0])))
    paper_file.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    result = run(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(copy),
                 "--db", str(copy / "exam.db"), cwd=copy)  # fmt: skip
    assert (
        "党员 m01：试卷文件与按党员编号抽出的试卷不一致（被改动过），按应发的试卷评分"
        in result.stdout
    )


def test_item_statistics_report(graded: tuple[Path, dict[str, float]]) -> None:
    root, _ = graded
    db_file = root / "stats.db"
    run(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(root),
        "--db", str(db_file), cwd=root)  # fmt: skip
    report = root / "试题分析.xlsx"
    result = run(sys.executable, "-m", "exam_tools", "stats", "items", "cert", "--db", str(db_file),
                 "--output", str(report), "--courses", str(COURSES), cwd=root)  # fmt: skip
    # the exam by its title in course.yaml, not the assignment's name
    assert "作业 水稻种植认证考试：10 人" in result.stdout and "每人一卷" in result.stdout
    from openpyxl import load_workbook

    wb = load_workbook(report)
    assert wb.sheetnames == ["题目分析", "选项分析", "试卷概况"]
    sheet = wb["题目分析"]
    assert [c.value for c in sheet[1]] == [
        "题号",
        "题型",
        "作答人数",
        "难度（P）",
        "区分度（D）",
        "点二列相关",
        "提示",
    ]
    qids = {r["qid"] for r in open_db(db_file).query("select distinct qid from results")}
    assert {row[0].value for row in sheet.iter_rows(min_row=2)} == qids
    assert sum(row[2].value for row in sheet.iter_rows(min_row=2)) == 100  # 10 members x 10 items
    assert all(0 <= row[3].value <= 1 for row in sheet.iter_rows(min_row=2))
    assert sheet.freeze_panes == "A2"
    assert wb["试卷概况"]["B1"].value == "水稻种植认证考试"


def test_feedback_pages_show_answers_and_explanations(
    graded: tuple[Path, dict[str, float]], bank: Bank
) -> None:
    root, _ = graded
    result = run(sys.executable, "-m", "exam_tools", "feedback", "cert", "--course-dir", str(root),
                 cwd=root)  # fmt: skip
    assert "已为 10 名党员写出反馈页" in result.stdout
    page = (root / "feedback" / "m01" / "cert" / "exam.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="zh-CN"' in page
    assert "得分 28 / 33" in page and "简答题由老师评阅后计分" in page
    spec = read_exam_spec(root / "source" / "cert" / "exam.json")
    paper = build_paper(spec.questions, spec.course, spec.assessment, member="m01")
    for item in paper.items:
        q = bank[item.qid]
        assert f"解析：{html.escape(q.explanation)}" in page
    assert page.count("✔ 正确") == 9
    blank = (root / "feedback" / "m07" / "cert" / "exam.html").read_text("utf-8")
    assert blank.count("你的答案：（未作答）") == 10 and "未合格" in blank


def test_manual_grades_from_formgrader_are_imported(graded: tuple[Path, dict[str, float]]) -> None:
    root, _ = graded
    db_file = root / "manual.db"
    run(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(root),
        "--db", str(db_file), cwd=root)  # fmt: skip
    before = next(open_db(db_file).query("select * from attempts where member = 'm01'"))
    assert before["score"] == 28 and before["manual_pending"] == 1 and before["passed"] == 1
    from nbgrader.api import Gradebook

    # the instructor reads m01's short answer in formgrader and gives the whole cell 31 of 33
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade("score", "exam", "cert", "m01")
        grade.manual_score = 31
        grade.needs_manual_grade = False  # as formgrader's grade handler does on saving
        gb.db.commit()
    result = run(sys.executable, "-m", "exam_tools", "grade", "import-nbgrader", "--course-dir",
                 str(root), "--db", str(db_file), cwd=root)  # fmt: skip
    assert "已导入 1 份的人工评分" in result.stdout
    after = next(open_db(db_file).query("select * from attempts where member = 'm01'"))
    assert after["score"] == 31 and after["percent"] == pytest.approx(93.94)
    assert after["manual_pending"] == 0 and "人工评分" in after["problems"]
    others = {r["member"]: r["score"] for r in open_db(db_file).query("select * from attempts")}
    assert others["m02"] == 0  # untouched
