"""The instructors' side of the service's database: submissions for ``exam-tools grade``, and the
records members read in 我的档案.

:func:`export_submissions` writes ``submitted/<member>/<exam>/`` in nbgrader's layout from the
service's records only: the paper the service drew and the answers it accepted, with its own start,
deadline and hand-in times. Nothing a member's folder holds is read, so an edited responses file,
paper or exam.json changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exam_tools.fileio import write_atomic
from exam_tools.grading.assign import NOTEBOOK
from exam_tools.quiz.store import RESPONSES_FORMAT, RESPONSES_VERSION
from exam_tools.service.notebook import service_notebook
from exam_tools.service.store import ServiceStore
from exam_tools.timezone import iso as zone_iso

PAPER = "exam.paper.json"  # the names show_exam and exam-tools grade use
RESPONSES = "exam.paper.responses.json"
MARK = "exam-service.json"
MANIFEST_FORMAT = "exam-tools/service-export"


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
) -> tuple[list[str], list[str]]:
    """Write the submission of every member who started ``exam`` at the service; (those members,
    those who drew a paper but never started: absent).

    Each goes twice: beside the key (``exam_tools/service/NAME/<member>/``, instructors only),
    which is what ``exam-tools grade`` reads, with a manifest naming exactly these members and
    attempts (``exam_tools/NAME.service.json``); and into ``submitted/<member>/NAME/`` for
    nbgrader's tools. The notebook formgrader shows is the released notebook with the service's
    record of the answers, every value escaped (:mod:`exam_tools.service.notebook`), never what
    the member handed in. ``nbgrader collect`` replaces ``submitted/`` from the exchange, whose
    names a member can forge, so grading never reads it for a service exam (issue 16). nbgrader's
    own files in ``submitted/`` (``timestamp.txt``, ``submission_secret.txt``) stay; a folder nbgrader never
    collected gets a ``timestamp.txt`` with the service's hand-in time.
    """
    from exam_tools.grading.assign import (
        KEY_DIR,
        owned_like_course,
        service_folder,
        service_manifest,
    )

    name = name or exam
    members, absent = [], []
    written: list[Path] = []
    manifest: dict[str, Any] = {}
    released = _released(course_dir, name)
    for member in store.members(exam):
        attempts = store.attempts(exam, member)
        if not attempts:
            absent.append(member)
            continue
        members.append(member)
        paper = store.paper(exam, member)
        doc = json.dumps(responses(store, exam, member), ensure_ascii=False, indent=1)
        # the notebook formgrader shows: made from the service's data, never the member's file
        answers = [(a.number, store.answers(exam, member, a.number)) for a in attempts]
        nb = json.dumps(service_notebook(released, paper, answers), ensure_ascii=False, indent=1)
        done = [a for a in attempts if a.submitted_at is not None]
        stamp = None
        if done:
            at = datetime.fromtimestamp(done[-1].submitted_at or 0, UTC)
            stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f %Z")
        kept = service_folder(course_dir, name, member)
        kept.mkdir(mode=0o700, parents=True, exist_ok=True)
        written += [kept, kept / PAPER, kept / RESPONSES]
        write_atomic(kept / PAPER, paper.to_json(), private=True)
        write_atomic(kept / RESPONSES, doc, private=True)
        if stamp:
            write_atomic(kept / "timestamp.txt", stamp, private=True)
        write_atomic(kept / NOTEBOOK, nb + "\n", private=True)
        manifest[member] = {"paper": paper.id, "attempts": len(attempts)}
        folder = course_dir / "submitted" / member / name
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / PAPER, paper.to_json())
        write_atomic(folder / NOTEBOOK, nb + "\n")
        write_atomic(folder / RESPONSES, doc)
        write_atomic(folder / MARK, json.dumps({"exam": exam, "source": str(store.path)}))
        if stamp and not (folder / "timestamp.txt").exists():
            write_atomic(folder / "timestamp.txt", stamp)
    write_atomic(service_manifest(course_dir, name), json.dumps({
        "format": MANIFEST_FORMAT, "exam": exam, "assignment": name, "source": str(store.path),
        "exported_at": _iso(store.clock()), "members": manifest, "absent": absent,
    }, ensure_ascii=False, indent=1), private=True)  # fmt: skip
    base = course_dir / KEY_DIR / "service"
    written += [base, base / name, service_manifest(course_dir, name)]
    written += [p for m in members for p in service_folder(course_dir, name, m).iterdir()]
    owned_like_course(course_dir, *written)
    return members, absent


def _released(course_dir: Path, name: str) -> Any:
    """The course's released notebook of ``name`` (nbgrader generate_assignment's), parsed; None
    if there is none yet."""
    for folder in ("release", "source"):
        path = course_dir / folder / name / NOTEBOOK
        if path.is_file():
            try:
                return json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                return None
    return None


def published(record: Any, points_rules: Any = None) -> dict[str, Any]:
    """A :class:`~exam_tools.records.record.MemberRecord` as a member may read it in 我的档案:
    with the member's name from the roster (the page greets by it) and each exam by its Chinese
    titles, and its ids (the 待考 tile of that exam shows the score). With ``points_rules``
    (:class:`~exam_tools.records.points.PointsRules`), the rules and the dated hours and passed
    exams the service adds to its own verdicts for the member's 学习积分."""
    out = {
        "name": str(record.member.get("name") or ""),
        "year": record.year,
        "hours": record.hours,
        "required_hours": record.required_hours,
        "exams": [
            {
                "title": f"{e['assessment']}（{e['course']}）",
                "course_id": e.get("course_id", ""),
                "assessment_id": e.get("assessment_id", ""),
                "score": e["score"],
                "total": e["max_score"],
                "passed": e["passed"],
            }
            for e in record.exams
        ],
        "technologies": list(record.technologies),
        "practice": record.practice.to_dict(),
    }
    if points_rules is not None:
        from exam_tools.records.points import record_activities

        acts = record_activities(
            [(s["date"], s["hours"]) for s in record.sessions],
            [(e["date"], f"{e.get('course_id')}/{e.get('assessment_id')}", e["passed"])
             for e in record.exams],
        )  # fmt: skip
        out["points"] = {"rules": points_rules.to_dict(),
                         "activity": [[a.day.isoformat(), a.kind, a.units] for a in acts]}  # fmt: skip
    return out


def record_logins(
    record_ids: Any, explicit: Mapping[str, str], accounts: Mapping[str, str] | None = None
) -> dict[str, str]:
    """login → roster id for the records to publish: ``explicit`` pairs, then ``accounts``, the
    hub's map (``DIR/accounts.json``, which only root writes; the CLI reads it with
    :func:`exam_tools.hub.logins.hub_map`), then ids that are logins."""
    ids = set(record_ids)
    out = {login: mid for login, mid in explicit.items() if mid in ids}
    for login, mid in (accounts or {}).items():
        if mid in ids and login not in out:
            out[login] = mid
    for mid in ids - set(out.values()):
        out.setdefault(mid, mid)
    return out
