"""Manual grades from nbgrader's gradebook (formgrader) into the exam-tools database.

Short answers are graded by hand in formgrader, as a manual score on the assignment's graded cell;
importing makes that score the attempt's score, so hand-graded answers count in records and
statistics. Attempts without a manual score keep exam-tools' own score (which equals nbgrader's).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from exam_tools.records.db import table


@dataclass
class ImportReport:
    updated: int = 0
    manual: int = 0
    problems: list[str] = field(default_factory=list)


def import_gradebook(
    db: sqlite_utils.Database,
    gradebook: Path,
    name: str | None = None,
    roster_of: Mapping[str, str] | None = None,
) -> ImportReport:
    """Manual scores of ``gradebook`` into the attempts ``exam-tools grade`` stored. nbgrader knows
    members by login; ``roster_of`` (login → roster id, the hub's map) finds the attempt, which
    ``grade`` stored under the roster id; a login not in it is taken as the roster id."""
    roster_of = roster_of or {}
    from nbgrader.api import Gradebook

    report = ImportReport()
    attempts = table(db, "attempts")
    with Gradebook(f"sqlite:///{gradebook}") as gb, db.conn:
        for assignment in gb.assignments:
            if name is not None and assignment.name != name:
                continue
            for submission in assignment.submissions:
                member = submission.student.id
                attempt_id = f"{assignment.name}/{roster_of.get(member, member)}"
                rows = list(attempts.rows_where("id = ?", [attempt_id]))
                if not rows:
                    report.problems.append(
                        f"党员 {member}：作业 {assignment.name} 还没有用 exam-tools grade 评分，已跳过"
                    )
                    continue
                grades = [g for nb in submission.notebooks for g in nb.grades]
                if not any(g.manual_score is not None for g in grades):
                    continue
                row = rows[0]
                score = float(submission.score)
                percent = round(100 * score / row["max_score"], 2) if row["max_score"] else 0.0
                note = "分数含 nbgrader 人工评分"
                problems = row["problems"] or ""
                attempts.update(
                    attempt_id,
                    {
                        "score": score,
                        "percent": percent,
                        "passed": int(percent >= (row["pass_percent"] or 60.0)),
                        "manual_pending": int(bool(submission.needs_manual_grade)),
                        "problems": problems
                        if note in problems
                        else "；".join(p for p in (problems, note) if p),
                    },
                )
                report.updated += 1
                report.manual += 1
    return report
