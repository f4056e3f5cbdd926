"""A member's training record (党员教育培训档案) for a year, measured against the standards.

``build_record`` is pure (rows in, record out) so the thresholds are tested exactly; ``load_record``
reads the rows from the database. Hours count in the year of the session's date. A technology is
mastered once the member has passed its course's certification assessment with the course's pass
mark (in that year or before).

Exams on a record name their course and assessment by the Chinese titles of ``course.yaml``
(``course``, ``assessment``; the ids stay in ``course_id``, ``assessment_id``), so every printed
record says 水稻种植技术认证考试, not ``shuidao/cert``. Without titles (a course no longer shipped)
the ids are shown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from exam_tools.course.model import Course
from exam_tools.errors import ExamToolsError, InvalidInputError
from exam_tools.records.points import PointsRules, PointsSummary
from exam_tools.records.standards import Standards


@dataclass(frozen=True)
class Certification:
    course: str
    assessment: str
    technology: str
    pass_percent: float


def certifications(courses: Iterable[Course]) -> list[Certification]:
    return [
        Certification(c.id, c.certification.assessment, c.technology, c.certification.pass_percent)
        for c in courses
        if c.technology and c.certification
    ]


#: (course id, assessment id) → (course title, assessment title); see :func:`exam_titles`.
Titles = Mapping[tuple[str, str], tuple[str, str]]


# the service's own papers: 错题本 and 每日一练
REVIEW_TITLES = {
    ("mistakes", "review"): ("错题本", "错题本练习"),
    ("daily", "daily"): ("每日一练", "每日一练"),
}


def exam_titles(courses: Iterable[Course]) -> dict[tuple[str, str], tuple[str, str]]:
    """The Chinese titles of every course's assessments (and of the 错题本), keyed by their ids."""
    titles = {(c.id, a.id): (c.title, a.title) for c in courses for a in c.assessments}
    return {**REVIEW_TITLES, **titles}


def exam_title(titles: Titles, course: str, assessment: str) -> tuple[str, str]:
    """(course title, assessment title); the ids when the course is not known."""
    return titles.get((course, assessment)) or (course, assessment)


@dataclass(frozen=True)
class PracticeTally:
    """A member's practice in the year (from the exam service, ``exam-tools exam pull-practice``):
    verdicts given (题次), those judged automatically, and those answered right."""

    items: int = 0
    graded: int = 0  # judged automatically; the rest are questions marked by hand
    correct: int = 0

    @property
    def rate(self) -> float | None:
        """Share answered right among the automatically judged ones."""
        return self.correct / self.graded if self.graded else None

    @property
    def line(self) -> str:
        """本年度练习 N 题次，答对 M 题次 (as a record and 我的档案 show it)."""
        from exam_tools.quiz.record_client import practice_line

        return practice_line(self.items, self.correct, self.graded)

    def to_dict(self) -> dict[str, int]:
        return {"items": self.items, "graded": self.graded, "correct": self.correct}


def practice_tallies(
    db: sqlite_utils.Database, year: int, member: str | None = None
) -> dict[str, PracticeTally]:
    """member id → the year's practice (the year of the verdict's local date); of one ``member``
    or everyone."""
    one, params = ("and member = ? ", [member]) if member is not None else ("", [])
    return {
        r["member"]: PracticeTally(int(r["items"]), int(r["graded"]), int(r["correct"] or 0))
        for r in db.query(
            "select member, count(*) as items, count(correct) as graded, sum(correct) as correct "
            # a range on the ISO text, so the index on ``at`` is used
            f"from practice where at >= ? and at < ? {one}group by member",
            [f"{int(year):04d}", f"{int(year) + 1:04d}", *params],
        )
    }


@dataclass
class MemberRecord:
    member: dict[str, Any]
    year: int
    hours: float
    required_hours: float
    hours_by_kind: dict[str, float] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    exams: list[dict[str, Any]] = field(default_factory=list)
    technologies: list[str] = field(default_factory=list)
    practice: PracticeTally = field(default_factory=PracticeTally)
    points: PointsSummary | None = None  # 学习积分 (load_record and load_all_records fill it)

    @property
    def hours_met(self) -> bool:
        return self.hours >= self.required_hours

    @property
    def summary(self) -> str:
        met = (
            "达标" if self.hours_met else f"未达标（差 {self.required_hours - self.hours:g} 学时）"
        )
        techs = (
            f"掌握{len(self.technologies)}门实用技术: {'、'.join(self.technologies)}"
            if self.technologies
            else "尚未掌握实用技术"
        )
        return f"学时 {self.hours:g}/{self.required_hours:g} {met}; {techs}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "year": self.year,
            "hours": self.hours,
            "required_hours": self.required_hours,
            "hours_met": self.hours_met,
            "hours_by_kind": self.hours_by_kind,
            "sessions": self.sessions,
            "exams": self.exams,
            "technologies": self.technologies,
            "practice": self.practice.to_dict(),
            "points": None if self.points is None else self.points.to_dict(),
            "summary": self.summary,
        }


def _year(date: Any) -> int | None:
    try:
        return int(str(date)[:4])
    except ValueError:
        return None


def build_record(
    member: Mapping[str, Any],
    year: int,
    attendance: Iterable[Mapping[str, Any]],
    attempts: Iterable[Mapping[str, Any]],
    standards: Standards,
    certs: Iterable[Certification],
    titles: Titles | None = None,
    practice: PracticeTally | None = None,
) -> MemberRecord:
    """``attendance``: rows with date, kind, title, hours; ``attempts``: graded attempt rows;
    ``titles``: from :func:`exam_titles`, to name exams in Chinese; ``practice``: the year's
    practice (:func:`practice_tallies`)."""
    roles = member.get("roles") or []
    record = MemberRecord(
        member=dict(member), year=year, hours=0.0, required_hours=standards.required_hours(roles),
        practice=practice or PracticeTally(),
    )  # fmt: skip
    for row in sorted(attendance, key=lambda r: str(r["date"])):
        if _year(row["date"]) != year:
            continue
        hours = float(row["hours"] or 0)
        if not math.isfinite(hours):  # written before hours were checked on the way in
            raise InvalidInputError(
                f"{row['date']}“{row['title']}”的学时无效（{hours}），"
                "请用 exam-tools session add 重新登记这次活动的学时"
            )
        record.hours += hours
        record.hours_by_kind[row["kind"]] = record.hours_by_kind.get(row["kind"], 0.0) + hours
        record.sessions.append(
            {"date": row["date"], "kind": row["kind"], "title": row["title"], "hours": hours}
        )
    record.hours = round(record.hours, 2)
    attempts = list(attempts)
    for a in attempts:
        if _year(a.get("submitted_at") or a.get("graded_at")) == year:
            course, assessment = exam_title(titles or {}, a["course"], a["assessment"])
            record.exams.append(
                {
                    "course": course,
                    "assessment": assessment,
                    "course_id": a["course"],
                    "assessment_id": a["assessment"],
                    "score": a["score"],
                    "max_score": a["max_score"],
                    "percent": a["percent"],
                    "passed": bool(a["passed"]),
                    "date": str(a.get("submitted_at") or a.get("graded_at") or "")[:10],
                }
            )
    for cert in certs:
        passed = any(
            a["course"] == cert.course
            and a["assessment"] == cert.assessment
            and float(a["percent"] or 0) >= cert.pass_percent
            and (_year(a.get("submitted_at") or a.get("graded_at")) or year) <= year
            for a in attempts
        )
        if passed and cert.technology not in record.technologies:
            record.technologies.append(cert.technology)
    return record


def find_member(db: sqlite_utils.Database, who: str) -> dict[str, Any]:
    """A member by id, or by name when the name is unique."""
    rows = list(db.query("select * from members where id = ?", [who]))
    if not rows:
        rows = list(db.query("select * from members where name = ?", [who]))
    if not rows:
        raise ExamToolsError(f"花名册里没有党员“{who}”（可用编号或姓名）")
    if len(rows) > 1:
        ids = "、".join(f"{r['id']}（{r['org']}）" for r in rows)
        raise ExamToolsError(f"有 {len(rows)} 名党员叫“{who}”，请用编号：{ids}")
    row = rows[0]
    row["roles"] = json.loads(row["roles"] or "[]")
    org = list(db.query("select path from orgs where id = ?", [row["org"]]))
    row["org_path"] = org[0]["path"] if org else row["org"]
    return row


def load_record(
    db: sqlite_utils.Database,
    who: str,
    year: int,
    standards: Standards,
    certs: Iterable[Certification],
    titles: Titles | None = None,
    points_rules: PointsRules | None = None,
) -> MemberRecord:
    """The member's record; ``points_rules`` (default the shipped ``积分规则.yaml``) count their
    学习积分."""
    from exam_tools.records.points import load_points_rules
    from exam_tools.records.points_db import empty, points_summaries

    member = find_member(db, who)
    attendance = db.query(
        "select s.date, s.kind, s.title, a.hours from attendance a join sessions s on s.id = a.session "
        "where a.member = ?",
        [member["id"]],
    )
    attempts = db.query("select * from attempts where member = ?", [member["id"]])
    practice = practice_tallies(db, year, member["id"]).get(member["id"])
    rec = build_record(member, year, attendance, attempts, standards, certs, titles, practice)
    rules = points_rules or load_points_rules()
    rec.points = points_summaries(db, year, rules, member["id"]).get(member["id"]) or empty(year)
    return rec


def load_all_records(
    db: sqlite_utils.Database,
    year: int,
    standards: Standards,
    certs: Iterable[Certification],
    titles: Titles | None = None,
    points_rules: PointsRules | None = None,
) -> list[MemberRecord]:
    """Every member's record for the year, from a few queries (not a few per member)."""
    from collections import defaultdict

    from exam_tools.records.points import load_points_rules
    from exam_tools.records.points_db import empty, points_summaries

    certs = list(certs)
    attendance: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in db.query(
        "select a.member, s.date, s.kind, s.title, a.hours from attendance a "
        "join sessions s on s.id = a.session where substr(s.date, 1, 4) = ?",
        [str(year)],
    ):
        attendance[r["member"]].append(r)
    attempts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in db.query(
        "select member, course, assessment, score, max_score, percent, passed, submitted_at, "
        "graded_at from attempts"
    ):
        attempts[r["member"]].append(r)
    practice = practice_tallies(db, year)
    points = points_summaries(db, year, points_rules or load_points_rules())
    none = empty(year)
    out = []
    for m in db.query("select * from members order by id"):
        m["roles"] = json.loads(m["roles"] or "[]")
        out.append(
            build_record(
                m,
                year,
                attendance.get(m["id"], []),
                attempts.get(m["id"], []),
                standards,
                certs,
                titles,
                practice.get(m["id"]),
            )
        )
        out[-1].points = points.get(m["id"]) or none
    return out
