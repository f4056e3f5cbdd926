"""Writing graded submissions to the database: one attempt row and one row per question.

Re-grading replaces a member's rows for that assignment in one transaction, so running ``grade``
twice changes nothing and a failure never leaves half a member's result.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlite_utils

from exam_tools.grading.grade import SubmissionResult
from exam_tools.grading.itemstats import Row
from exam_tools.records.db import table


def record(db: sqlite_utils.Database, result: SubmissionResult) -> None:
    attempt_id = f"{result.assignment}/{result.member}"
    with db.conn:
        db.execute("DELETE FROM results WHERE attempt_id = ?", [attempt_id])
        table(db, "attempts").upsert(
            {
                "id": attempt_id,
                "assignment": result.assignment,
                "course": result.course,
                "assessment": result.assessment,
                "member": result.member,
                "paper": result.paper,
                "attempt": result.attempt,
                "submitted_at": result.submitted_at,
                "submitted_by": result.submitted_by,
                "score": result.score,
                "max_score": result.max_score,
                "percent": result.percent,
                "passed": int(result.passed),
                "pass_percent": result.pass_percent,
                "manual_pending": result.manual_pending,
                "graded_at": datetime.now().astimezone().isoformat(timespec="seconds"),
                "problems": "；".join(result.problems),
            },
            pk="id",
        )
        table(db, "results").insert_all(
            {
                "attempt_id": attempt_id,
                "n": i.n,
                "qid": i.qid,
                "type": i.type,
                "response": json.dumps(i.response, ensure_ascii=False),
                "shown": json.dumps(list(i.shown)),
                "score": i.score,
                "points": i.points,
                "correct": None if i.correct is None else int(i.correct),
                "manual": int(i.manual),
            }
            for i in result.items
        )


def result_rows(db: sqlite_utils.Database, assignment: str) -> list[Row]:
    """Every stored answer to ``assignment``, as item statistics read them."""
    query = (
        "select a.member, r.qid, r.type, r.score, r.points, r.response, r.shown "
        "from results r join attempts a on a.id = r.attempt_id where a.assignment = ?"
    )
    return [
        Row(m, qid, t, score, points, json.loads(resp), tuple(int(i) for i in json.loads(shown)))
        for m, qid, t, score, points, resp, shown in db.execute(query, [assignment]).fetchall()
    ]
