"""Writing grades is all or nothing: a failure part-way never leaves half a member's result, and a
grading run is one transaction."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from exam_tools.grading.grade import ItemResult, SubmissionResult
from exam_tools.grading.store import record, recording
from exam_tools.records.db import open_db


def result(member: str, score: float) -> SubmissionResult:
    items = [ItemResult(n, f"q{n}", "single", "A", ("0", "1"), score, 2.0, score > 0, False)
             for n in (1, 2, 3)]  # fmt: skip
    return SubmissionResult(member, "cert", "rice", "cert", "p1", 1, None, None, 6.0, 60.0, items)


def snapshot(db_file: Path) -> list[str]:
    db = open_db(db_file)
    try:
        return [line for line in db.conn.iterdump() if "graded_at" not in line]
    finally:
        db.conn.close()


def test_a_failing_regrade_leaves_the_old_result_whole(tmp_path: Path) -> None:
    db_file = tmp_path / "t.db"
    record(open_db(db_file), result("m1", 2.0))
    before = snapshot(db_file)
    broken = result("m1", 0.0)
    broken.items.append(replace(broken.items[0]))  # a second row for question 1: the insert fails
    db = open_db(db_file)
    with pytest.raises(Exception, match="UNIQUE"):
        record(db, broken)
    db.conn.close()
    assert snapshot(db_file) == before


def test_a_grading_run_is_one_transaction(tmp_path: Path) -> None:
    db_file = tmp_path / "t.db"
    db = open_db(db_file)
    record(db, result("m0", 2.0))
    before = snapshot(db_file)
    broken = result("m2", 0.0)
    broken.items.append(replace(broken.items[0]))
    with pytest.raises(Exception, match="UNIQUE"), recording(db) as write:
        write(result("m0", 0.0))
        write(result("m1", 2.0))
        write(broken)
    db.conn.close()
    assert snapshot(db_file) == before
    db = open_db(db_file)
    with recording(db) as write:
        for m in ("m0", "m1"):
            write(result(m, 0.0))
    assert [r["score"] for r in db.query("select score from attempts order by member")] == [0, 0]
    assert db.execute("select count(*) from results").fetchone()[0] == 6
