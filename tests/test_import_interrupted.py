"""An import killed half-way (kill -9, Ctrl-C) leaves the database exactly as it was.

The real CLI runs in a subprocess on a sheet large enough that writing it takes a while; the test
waits until the import is demonstrably writing (SQLite's journal exists and the process has written
at least a megabyte to disk since), interrupts it, and compares a full dump of the database.
"""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from exam_tools.records.attendance import COLUMNS as ATTENDANCE_COLUMNS
from exam_tools.records.db import open_db
from exam_tools.records.roster import parse_roster, store_roster

ROWS = 40_000  # several megabytes of rows and indexes: more than SQLite's 2 MB page cache
WRITTEN = 1_000_000  # bytes written after the journal appeared: well into the import


def sheet(title: str, header: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def dump(db_file: Path) -> list[str]:
    db = open_db(db_file)
    try:
        return list(db.conn.iterdump())
    finally:
        db.conn.close()


def written(pid: int) -> int:
    """Bytes the process has passed to write() so far (Linux /proc)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/<pid>/io")


def interrupt_mid_write(args: list[str], cwd: Path, journal: Path, sig: int) -> int:
    """Run the CLI, send ``sig`` once it is well into writing, and return its exit status."""
    proc = subprocess.Popen([sys.executable, "-m", "exam_tools", *args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    start: int | None = None
    deadline = time.monotonic() + 300
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if journal.exists():
                now = written(proc.pid)
                start = now if start is None else start
                if now - start >= WRITTEN:
                    proc.send_signal(sig)
                    break
            time.sleep(0.002)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, (
        f"the import finished before it could be interrupted: {out.decode()} {err.decode()}"
    )
    if sig == signal.SIGINT:
        assert "Traceback" not in err.decode(), err.decode()
    return proc.returncode


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """A database with a small roster already in it."""
    db_file = tmp_path / "t.db"
    small = [[f"x{i}", f"原有党员{i}", "城关镇党委/花王村党支部", 1960 + i] for i in range(5)]
    data = sheet("花名册", ["编号", "姓名", "所在党组织", "出生年份"], small)
    store_roster(open_db(db_file), parse_roster(data, "花名册.xlsx"))
    return db_file


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_interrupted_roster_import_changes_nothing(
    county: Path, tmp_path: Path, sig: int
) -> None:
    rows = [[f"m{i:06d}", f"党员{i}", f"城关镇党委/第{i % 300}村党支部", 1950 + i % 50]
            for i in range(ROWS)]  # fmt: skip
    (tmp_path / "big.xlsx").write_bytes(
        sheet("花名册", ["编号", "姓名", "所在党组织", "出生年份"], rows)
    )
    before = dump(county)
    args = ["roster", "import", "big.xlsx", "--db", str(county)]
    interrupt_mid_write(args, tmp_path, county.with_name("t.db-journal"), sig)
    assert dump(county) == before


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_interrupted_attendance_import_changes_nothing(
    county: Path, tmp_path: Path, sig: int
) -> None:
    members = [[f"p{i:04d}", f"党员{i}", "城关镇党委/花王村党支部", 1960] for i in range(200)]
    data = sheet("花名册", ["编号", "姓名", "所在党组织", "出生年份"], members)
    store_roster(open_db(county), parse_roster(data, "花名册.xlsx"))
    rows = [
        [f"2026-{1 + s % 12:02d}-{1 + s % 28:02d}", "城关镇党委/花王村党支部", "党课", f"第{s}次党课",
         "", 2, f"p{m:04d}", "", ""]
        for s in range(ROWS // 200) for m in range(200)
    ]  # fmt: skip
    (tmp_path / "big.xlsx").write_bytes(sheet("签到表", list(ATTENDANCE_COLUMNS), rows))
    before = dump(county)
    args = ["attendance", "import", "big.xlsx", "--db", str(county)]
    interrupt_mid_write(args, tmp_path, county.with_name("t.db-journal"), sig)
    assert dump(county) == before


def test_the_database_is_usable_after_an_interrupted_import(county: Path, tmp_path: Path) -> None:
    """The next import after a kill -9 goes through (the journal is rolled back on open)."""
    rows = [[f"m{i:06d}", f"党员{i}", "城关镇党委/花王村党支部", 1970] for i in range(ROWS)]
    (tmp_path / "big.xlsx").write_bytes(
        sheet("花名册", ["编号", "姓名", "所在党组织", "出生年份"], rows)
    )
    args = ["roster", "import", "big.xlsx", "--db", str(county)]
    interrupt_mid_write(args, tmp_path, county.with_name("t.db-journal"), signal.SIGKILL)
    done = subprocess.run([sys.executable, "-m", "exam_tools", *args], cwd=tmp_path,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    db = open_db(county)
    assert db.execute("select count(*) from members").fetchone()[0] == ROWS + 5
    assert not county.with_name("t.db-journal").exists()
