"""The database file and the files the tool writes, as an organiser meets them on a shared machine:
another program writing the database, a mistyped --db, the wrong file, a colleague reading exports."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from exam_tools.fileio import write_atomic
from exam_tools.records.db import BUSY_SECONDS, open_db

from .test_roster import GOOD, xlsx


def run(*args: str, umask: int = -1) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exam_tools", *args],
        capture_output=True,
        text=True,
        check=False,
        umask=umask,
    )


@pytest.fixture
def roster_file(tmp_path: Path) -> Path:
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(GOOD))
    return path


@pytest.fixture(params=["EXCLUSIVE", "IMMEDIATE"])
def locked(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Path, sqlite3.Connection]]:
    """A database another program is writing. Under its exclusive lock nobody can even open the
    file; under its reserved (immediate) lock others can read, and the import fails at its write."""
    path = tmp_path / "培训.db"
    open_db(path).conn.close()
    other = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    other.execute(f"BEGIN {request.param}")
    yield path, other
    other.close()


def test_a_locked_database_names_the_file_and_says_to_try_again(
    locked: tuple[Path, sqlite3.Connection], roster_file: Path
) -> None:
    path, _other = locked
    result = run("roster", "import", str(roster_file), "--db", str(path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"错误：数据库 {path} 正被另一个 exam-tools 命令或其他程序写入，等了 {BUSY_SECONDS:g} 秒"
        "仍未完成；请等它结束后再试"
    )


def test_a_write_that_finishes_within_the_wait_is_waited_for(
    locked: tuple[Path, sqlite3.Connection], roster_file: Path
) -> None:
    path, other = locked
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        result = run("roster", "import", str(roster_file), "--db", str(path))
    finally:
        release.join()
    assert result.returncode == 0, result.stderr
    assert "已导入 3 名党员" in result.stdout


READ_ONLY = [
    ["record", "李秀英"],
    ["plan", "李秀英"],
    ["stats", "org"],
    ["stats", "items", "cert"],
]


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: " ".join(c))
def test_a_read_only_command_does_not_create_a_missing_database(
    command: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "培训数据.db"  # say, a typo for the real file's name
    result = run(*command, "--db", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"错误：找不到数据库 {path}；请检查 --db")
    assert not path.exists()


@pytest.mark.parametrize(
    "command", [*READ_ONLY, ["roster", "import", "花名册.xlsx"]], ids=lambda c: " ".join(c)
)
def test_a_file_that_is_not_a_database_is_named(command: list[str], roster_file: Path) -> None:
    # the roster itself given as the database: a real file, but a spreadsheet
    command = [str(roster_file) if c == "花名册.xlsx" else c for c in command]
    before = roster_file.read_bytes()
    result = run(*command, "--db", str(roster_file))
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        f"错误：{roster_file} 不是 exam-tools 的数据库（不是 SQLite 数据库文件，或已损坏）"
    )
    assert "程序内部错误" not in result.stderr
    assert roster_file.read_bytes() == before


@pytest.mark.parametrize("umask", [0o002, 0o022, 0o077])
def test_written_files_follow_the_umask(umask: int, tmp_path: Path) -> None:
    target = tmp_path / "花名册模板.xlsx"
    result = run("roster", "template", str(target), umask=umask)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_overwriting_a_file_gives_it_the_umask_permissions(tmp_path: Path) -> None:
    import os

    target = tmp_path / "统计.csv"
    write_atomic(target, "旧")
    old = os.umask(0o027)
    try:
        write_atomic(target, "新")
    finally:
        os.umask(old)
    assert target.read_text("utf-8") == "新"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_answer_keys_stay_private_whatever_the_umask(tmp_path: Path) -> None:
    """Members may be Unix users on the same hub: the answers are the instructor's alone."""
    paper, key = tmp_path / "试卷.json", tmp_path / "老师" / "答案.json"
    built = run("paper", "build", "shuidao", "cert", "-o", str(paper), "--key", str(key),
                umask=0o022)  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert stat.S_IMODE(paper.stat().st_mode) == 0o644  # the paper goes to members
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    course = tmp_path / "课程"
    assigned = run("assign", "shuidao", "cert", "--course-dir", str(course), umask=0o022)
    assert assigned.returncode == 0, assigned.stderr
    (key_file,) = (course / "exam_tools").glob("*.key.json")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    notebooks = list((course / "source").rglob("*.ipynb"))
    assert notebooks and all(stat.S_IMODE(p.stat().st_mode) == 0o644 for p in notebooks)
