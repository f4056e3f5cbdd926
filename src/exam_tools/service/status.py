"""Who is where in an exam, as the service sees it: for the instructor on exam day (``exam status``).

One row per member whose paper the service has drawn (members who never opened the exam are not
known to it): the attempts used and allowed, and the latest attempt's state by the service's clock.
"""

from __future__ import annotations

from typing import Any

from exam_tools.service import rules as R
from exam_tools.service.store import ServiceStore

NOT_STARTED, ANSWERING, HANDED_IN, TIMED_OUT, TIME_UP = (
    "未开始", "作答中", "已交卷", "到时自动交卷", "时间已到（未交卷）",
)  # fmt: skip


def exam_status(store: ServiceStore, exam: str) -> list[dict[str, Any]]:
    """The exam's members, each with their latest attempt's state (see the module docstring)."""
    rules = store.rules(exam)
    now = store.clock()
    rows = []
    for member in store.members(exam):
        size = len(store.paper(exam, member))
        attempts = store.attempts(exam, member)
        _, extra = store.granted(exam, member)
        row: dict[str, Any] = {
            "member": member, "state": NOT_STARTED, "attempt": len(attempts),
            "allowed": R.attempts_allowed(rules, extra), "answered": 0, "questions": size,
            "started_at": None, "deadline": None, "remaining": None, "submitted_at": None,
        }  # fmt: skip
        if attempts:
            a = attempts[-1]
            by = store.db.execute(
                "select submitted_by from attempts where exam = ? and member = ? and number = ?",
                (exam, member, a.number),
            ).fetchone()[0]
            if a.submitted_at is not None:
                state = TIMED_OUT if by == "timeout" else HANDED_IN
            else:
                state = TIME_UP if R.is_over(a, rules, now) else ANSWERING
            row.update(state=state, answered=len(store.answers(exam, member, a.number)),
                       started_at=a.started_at, deadline=a.deadline,
                       remaining=R.remaining(a, now), submitted_at=a.submitted_at)  # fmt: skip
        rows.append(row)
    return rows


def summary(rows: list[dict[str, Any]]) -> str:
    """共 N 人打开了试卷：作答中 a 人，已交卷 b 人……"""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["state"]] = counts.get(r["state"], 0) + 1
    order = (ANSWERING, HANDED_IN, TIMED_OUT, TIME_UP, NOT_STARTED)
    parts = [f"{s} {counts[s]} 人" for s in order if counts.get(s)]
    return f"共 {len(rows)} 人打开了试卷" + ("：" + "，".join(parts) if parts else "")
