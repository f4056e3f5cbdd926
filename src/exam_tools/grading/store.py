"""Writing graded submissions to the database: one attempt row and one row per question.

A grading run is one transaction (:func:`recording`): every member's old rows for the assignment
are replaced and the new ones written, and only the end of the run commits. So running ``grade``
twice changes nothing, and a failure or an interrupted run never leaves half a member's result (nor
half a run). The statements are prepared once; nothing asks SQLite about tables per submission.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from exam_tools.grading.grade import SubmissionResult
from exam_tools.grading.itemstats import Row
from exam_tools.records.db import transaction
from exam_tools.timezone import stamp as zone_iso

if TYPE_CHECKING:
    import sqlite_utils

ATTEMPT_COLUMNS = (
    "id", "assignment", "course", "assessment", "member", "paper", "attempt", "submitted_at",
    "submitted_by", "score", "max_score", "percent", "passed", "pass_percent", "manual_pending",
    "graded_at", "problems",
)  # fmt: skip
RESULT_COLUMNS = ("attempt_id", "n", "qid", "type", "response", "shown", "score", "points",
                  "correct", "manual")  # fmt: skip
_UPSERT_ATTEMPT = (
    f"INSERT INTO attempts ({', '.join(ATTEMPT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(ATTEMPT_COLUMNS))}) ON CONFLICT(id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in ATTEMPT_COLUMNS[1:])
)
_INSERT_RESULT = (
    f"INSERT INTO results ({', '.join(RESULT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(RESULT_COLUMNS))})"
)
_DELETE_RESULTS = "DELETE FROM results WHERE attempt_id = ?"
_encode = json.JSONEncoder(
    ensure_ascii=False
).encode  # json.dumps(…, ensure_ascii=False) builds one per call


def _shown(shown: tuple[str, ...]) -> str:
    """``json.dumps(list(shown))`` for option indices (digits need no escaping), without the encoder."""
    return '["' + '", "'.join(shown) + '"]' if shown else "[]"


def _rows(
    result: SubmissionResult, graded_at: str
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    attempt_id = f"{result.assignment}/{result.member}"
    attempt = (
        attempt_id, result.assignment, result.course, result.assessment, result.member,
        result.paper, result.attempt, result.submitted_at, result.submitted_by, result.score,
        result.max_score, result.percent, int(result.passed), result.pass_percent,
        result.manual_pending, graded_at, "；".join(result.problems),
    )  # fmt: skip
    items = [
        (attempt_id, i.n, i.qid, i.type, _encode(i.response), _shown(i.shown), i.score,
         i.points, None if i.correct is None else int(i.correct), int(i.manual))
        for i in result.items
    ]  # fmt: skip
    return attempt, items


@contextmanager
def recording(
    db: sqlite_utils.Database | sqlite3.Connection,
) -> Iterator[Callable[[SubmissionResult], None]]:
    """A function that writes one result; all of them are committed together when the block ends
    (and none if it raises, Ctrl-C included)."""
    graded_at = zone_iso(time.time(), timespec="seconds")  # in the configured zone
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    with transaction(conn):

        def write(result: SubmissionResult) -> None:
            attempt, items = _rows(result, graded_at)
            conn.execute(_DELETE_RESULTS, (attempt[0],))
            conn.execute(_UPSERT_ATTEMPT, attempt)
            conn.executemany(_INSERT_RESULT, items)

        yield write


def forget(db: sqlite_utils.Database | sqlite3.Connection, assignment: str,
           members: list[str]) -> None:  # fmt: skip
    """Remove the results of ``members`` for ``assignment`` (a service exam's submissions that
    did not come from the service, and its absentees), in one transaction."""
    conn = db if isinstance(db, sqlite3.Connection) else db.conn
    tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    if "attempts" not in tables:
        return
    with transaction(conn):
        for member in members:
            attempt_id = f"{assignment}/{member}"
            conn.execute(_DELETE_RESULTS, (attempt_id,))
            conn.execute("DELETE FROM attempts WHERE id = ?", (attempt_id,))


def record(db: sqlite_utils.Database | sqlite3.Connection, result: SubmissionResult) -> None:
    """Write one result in its own transaction."""
    with recording(db) as write:
        write(result)


def result_rows(db: sqlite_utils.Database | sqlite3.Connection, assignment: str) -> list[Row]:
    """Every stored answer to ``assignment``, as item statistics read them."""
    query = (
        "select a.member, r.qid, r.type, r.score, r.points, r.response, r.shown "
        "from results r join attempts a on a.id = r.attempt_id where a.assignment = ?"
    )
    return [
        Row(m, qid, t, score, points, json.loads(resp), tuple(int(i) for i in json.loads(shown)))
        for m, qid, t, score, points, resp, shown in db.execute(query, [assignment]).fetchall()
    ]
