"""The 错题本 on the hub, kept by the exam service from the practice verdicts it gave.

A question is in a member's book while the last verdict the service gave the member on it (in any
practice, the 错题本's own papers included) is wrong; answering it right takes it out. Questions
graded by hand (简答) have no verdict and never enter. The book is ranked most-missed first, then
most recent, as the local 错题本 (:mod:`exam_tools.quiz.mistakes`) is.

A review paper holds the first :data:`REVIEW_SIZE` questions of the book, taken from the practice
papers the instructors handed to the service (their questions and their keys with 解析), so the
service can answer "核对答案" on it as on any practice; the member's kernel still gets no key.
"""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

from exam_tools.service import rules as R

if TYPE_CHECKING:
    from exam_tools.course.paper import Paper
    from exam_tools.course.pool import PublicQuestion

REVIEW_SIZE = 20


def mistakes(db: sqlite3.Connection, member: str) -> list[dict[str, Any]]:
    """The member's book: qid, times wrong, last verdict time, the practice it came from."""
    rows = db.execute(
        "select exam, qid, correct, at from practice where member = ? and correct is not null "
        "order by id",
        (member,),
    )
    book: dict[str, dict[str, Any]] = {}
    sources = _daily_sources(db, member)
    for exam, qid, correct, at in rows:
        entry = book.setdefault(qid, {"qid": qid, "wrong": 0, "last": at, "exam": None})
        entry["last"] = at
        entry["in"] = not correct
        if not correct:
            entry["wrong"] += 1
        if not R.is_review(exam):
            entry["exam"] = exam
        elif exam in sources:  # a 每日一练 question: its practice paper is its source
            entry["exam"] = sources[exam].get(qid) or entry["exam"]
    out = [e for e in book.values() if e.pop("in") and e["exam"] is not None]
    out.sort(key=lambda e: (-e["wrong"], -e["last"], e["qid"]))
    return out


def _daily_sources(db: sqlite3.Connection, member: str) -> dict[str, dict[str, str]]:
    """每日一练 exam → {qid: the practice paper it came from} (its key's ``from``)."""
    from exam_tools.records.points import DAILY_PREFIX

    rows = db.execute("select exam, key from reviews where member = ? and substr(exam, 1, ?) = ?",
                      (member, len(DAILY_PREFIX), DAILY_PREFIX))  # fmt: skip
    return {exam: {q: str(e.get("from") or "") for q, e in json.loads(key).items()}
            for exam, key in rows}  # fmt: skip


def review_paper(
    db: sqlite3.Connection, member: str, seed: int, size: int = REVIEW_SIZE
) -> tuple[Paper, dict[str, Any]] | None:
    """A 错题本 paper for the member and its key (with 解析); None when nothing is in the book.

    A question whose practice is no longer held by the service is left out."""
    from exam_tools.course.model import Assessment, Course, Mode
    from exam_tools.course.paper import assemble_paper
    from exam_tools.course.pool import ExamSpec

    sources: dict[str, tuple[dict[str, PublicQuestion], dict[str, Any]] | None] = {}
    drawn: list[tuple[PublicQuestion, float]] = []
    key: dict[str, Any] = {}
    for entry in mistakes(db, member):
        exam, qid = entry["exam"], entry["qid"]
        if exam not in sources:
            row = db.execute("select spec, key from exams where id = ?", (exam,)).fetchone()
            sources[exam] = None
            if row is not None:
                spec = ExamSpec.from_dict(json.loads(row[0]), "考试服务")
                sources[exam] = ({q.id: q for q in spec.questions}, json.loads(row[1]))
        found = sources[exam]
        if found is None or qid not in found[0] or qid not in found[1]:
            continue
        question = found[0][qid]
        drawn.append((question, question.points))
        key[qid] = found[1][qid]
        if len(drawn) == size:
            break
    if not drawn:
        return None
    course = Course(id="mistakes", title="错题本", category="", lessons=(), assessments=())
    a = Assessment(id="review", title="错题本练习", mode=Mode.PRACTICE, rules=(), attempts=None)
    paper = assemble_paper(drawn, course, a, member=member, seed=seed)
    return paper, key
