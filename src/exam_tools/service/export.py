"""The instructors' side of the service's database: submissions for ``exam-tools grade``, and the
records members read in 我的档案.

:func:`export_submissions` writes ``submitted/<member>/<exam>/`` in nbgrader's layout from the
service's records only: the paper the service drew and the answers it accepted, with its own start,
deadline and hand-in times. Nothing a member's folder holds is read, so an edited responses file,
paper or exam.json changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exam_tools.fileio import write_atomic
from exam_tools.quiz.store import RESPONSES_FORMAT, RESPONSES_VERSION
from exam_tools.service.store import ServiceStore
from exam_tools.timezone import iso as zone_iso

PAPER = "exam.paper.json"  # the names show_exam and exam-tools grade use
RESPONSES = "exam.paper.responses.json"
MARK = "exam-service.json"


def _iso(ts: float | None) -> str | None:
    return (
        None if ts is None else zone_iso(ts)  # with the configured zone's offset (issue 17 item 7)
    )


def responses(store: ServiceStore, exam: str, member: str) -> dict[str, Any]:
    """The member's responses document, as the service recorded them."""
    paper = store.paper(exam, member)
    rules = store.rules(exam)
    by = {
        r[0]: r[1]
        for r in store.db.execute(
            "select number, submitted_by from attempts where exam = ? and member = ?",
            (exam, member),
        )
    }
    attempts: list[dict[str, Any]] = []
    for a in store.attempts(exam, member):
        submitted, who = a.submitted_at, by.get(a.number)
        if (
            submitted is None
            and a.deadline is not None
            and store.clock() > a.deadline + rules.grace
        ):
            submitted, who = a.deadline, "timeout"
        attempts.append({
            "number": a.number,
            "started_at": _iso(a.started_at),
            "deadline": _iso(a.deadline),
            "submitted_at": _iso(submitted),
            "submitted_by": who,
            "answers": {str(n): v for n, v in sorted(store.answers(exam, member, a.number).items())},
            "checked": [],
            "position": 1,
        })  # fmt: skip
    return {
        "format": RESPONSES_FORMAT, "version": RESPONSES_VERSION, "paper": paper.id,
        "course": paper.course, "assessment": paper.assessment, "member": member,
        "mode": paper.mode.value, "attempts": attempts,
    }  # fmt: skip


def export_submissions(
    store: ServiceStore, exam: str, course_dir: Path, name: str | None = None
) -> list[str]:
    """Write every member's submission of ``exam`` under ``course_dir/submitted/``; the members.

    The paper and responses files a folder already has (from ``nbgrader collect``, i.e. from the
    member's own folder) are replaced: the service's record wins. nbgrader's own files there
    (``timestamp.txt``, ``submission_secret.txt``, the notebook) stay, so feedback can be released;
    a folder nbgrader never collected gets a ``timestamp.txt`` with the service's hand-in time.
    """

    name = name or exam
    members = store.members(exam)
    for member in members:
        folder = course_dir / "submitted" / member / name
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / PAPER, store.paper(exam, member).to_json())
        doc = responses(store, exam, member)
        write_atomic(folder / RESPONSES, json.dumps(doc, ensure_ascii=False, indent=1))
        write_atomic(folder / MARK, json.dumps({"exam": exam, "source": str(store.path)}))
        done = [a for a in store.attempts(exam, member) if a.submitted_at is not None]
        if done and not (folder / "timestamp.txt").exists():
            at = datetime.fromtimestamp(done[-1].submitted_at or 0, UTC)
            write_atomic(folder / "timestamp.txt", at.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return members


def published(record: Any) -> dict[str, Any]:
    """A :class:`~exam_tools.records.record.MemberRecord` as a member may read it in 我的档案."""
    return {
        "year": record.year,
        "hours": record.hours,
        "required_hours": record.required_hours,
        "exams": [
            {
                "title": f"{e['course']} {e['assessment']}",
                "score": e["score"],
                "total": e["max_score"],
                "passed": e["passed"],
            }
            for e in record.exams
        ],
        "technologies": list(record.technologies),
        "practice": record.practice.to_dict(),
    }


def record_logins(record_ids: Any, explicit: dict[str, str]) -> dict[str, str]:
    """login → roster id for the records to publish: ``explicit`` pairs, then every account whose
    comment names a roster id (``exam-tools hub users`` writes it), then ids that are logins."""
    from exam_tools.hub.system import accounts_by_member

    ids = set(record_ids)
    out = {login: mid for login, mid in explicit.items() if mid in ids}
    for mid, login in accounts_by_member().items():
        if mid in ids and login not in out:
            out[login] = mid
    for mid in ids - set(out.values()):
        out.setdefault(mid, mid)
    return out
