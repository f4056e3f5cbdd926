"""`exam-tools course …` and `exam-tools paper build` as an instructor runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import DATA, ROOT

COURSES = DATA / "courses"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exam_tools", *args], capture_output=True, text=True, cwd=cwd
    )


def test_shipped_courses_check_clean() -> None:
    """Every shipped course is valid and deep enough (issue 19): each exam rule's pool is at least
    3 times its paper, and no practice shares more than half its questions with an exam."""
    result = run("course", "check", "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    shipped = sum(1 for d in (ROOT / "courses").iterdir() if (d / "course.yaml").is_file())
    assert shipped >= 15
    assert f"{shipped} 门有效" in result.stderr and "0 个错误，0 个警告" in result.stderr
    assert "抽题范围警告" not in result.stderr and "pool:" not in result.stdout, result.stdout


def test_bank_check_lists_the_pool_warnings_of_the_courses_beside_it(tmp_path: Path) -> None:
    """A thin bank (the shipped 水稻 course over just the exam questions its paper draws, and
    all its practice ones): the warnings are listed beside the bank, and --strict does not fail."""
    import yaml

    bank = tmp_path / "question_bank"
    bank.mkdir()
    questions = yaml.safe_load((ROOT / "question_bank" / "shuidao.yaml").read_text("utf-8"))
    paper = {"single": 6, "multiple": 3, "judge": 4, "fill": 2}  # courses/shuidao's cert
    thin = []
    for q in questions:
        if q["difficulty"] == "简单" or paper.get(q["type"], 0) > 0:
            thin.append(q)
            if q["difficulty"] != "简单":
                paper[q["type"]] -= 1
    (bank / "shuidao.yaml").write_text(
        yaml.safe_dump(thin, allow_unicode=True, sort_keys=False), "utf-8"
    )
    (tmp_path / "courses").mkdir()
    shutil.copytree(ROOT / "courses" / "shuidao", tmp_path / "courses" / "shuidao")
    result = run("bank", "check", "--strict", "--no-similar", str(bank))
    assert result.returncode == 0, result.stderr
    assert "抽题范围警告" in result.stderr
    assert "cert 第1条规则: pool: 警告：" in result.stdout, result.stdout


def test_course_check_reports_each_problem_on_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    text = (COURSES / "rice" / "course.yaml").read_text("utf-8")
    (folder / "course.yaml").write_text(text.replace("hours: 2", "hours: 0"), encoding="utf-8")
    result = run("course", "check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{folder}/course.yaml:8: 第1课: hours: 应为正数，现在是“0”"
    ]
    assert "0 门有效" in result.stderr and "Traceback" not in result.stderr
    # once the hours are fixed, the next problems: the missing notebook, an unsatisfiable rule
    text = text.replace("count: 4, points: 5", "count: 40, points: 5")
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    lines = run("course", "check", str(tmp_path)).stdout.splitlines()
    assert any("找不到第“育秧”课的笔记本 01_intro.ipynb" in line for line in lines), lines
    (folder / "01_intro.ipynb").write_text("{}", encoding="utf-8")
    lines = run("course", "check", str(tmp_path)).stdout.splitlines()
    assert any(
        ":24: bad/cert 第1条规则: count: " in line and "需要 40 道题" in line for line in lines
    )


def test_paper_build_is_deterministic_and_keyless(tmp_path: Path) -> None:
    args = ("paper", "build", "rice", "cert", "--courses", str(COURSES), "--member", "m001")
    first = run(*args, "--output", str(tmp_path / "a.json"))
    again = run(*args, "--output", str(tmp_path / "b.json"))
    other = run(*args[:-1], "m002", "--output", str(tmp_path / "c.json"))
    assert first.returncode == again.returncode == other.returncode == 0, first.stderr
    assert "已写出试卷" in first.stdout and "10 题" in first.stdout
    a, b, c = ((tmp_path / n).read_text("utf-8") for n in ("a.json", "b.json", "c.json"))
    assert a == b and a != c
    assert "answer" not in a and "explanation" not in a


def test_paper_build_writes_the_key_only_apart_from_the_paper(tmp_path: Path) -> None:
    args = (
        "paper",
        "build",
        "rice",
        "cert",
        "--courses",
        str(COURSES),
        "-o",
        str(tmp_path / "p.json"),
    )
    refused = run(*args, "--key", str(tmp_path / "key.json"))
    assert refused.returncode == 2 and "答案文件不能和试卷放在同一个文件夹里" in refused.stderr
    assert not (tmp_path / "p.json").exists()
    ok = run(*args, "--key", str(tmp_path / "teacher" / "key.json"))
    assert ok.returncode == 0, ok.stderr
    key = json.loads((tmp_path / "teacher" / "key.json").read_text("utf-8"))
    assert len(key["items"]) == 10 and all("answer" in i for i in key["items"])


def test_paper_build_names_an_unknown_assessment() -> None:
    result = run("paper", "build", "rice", "final", "--courses", str(COURSES), "-o", "x.json")
    assert result.returncode == 1
    assert (
        "没有考核“final”；可用的有：practice（课后练习）、cert（水稻种植认证考试）" in result.stderr
    )
