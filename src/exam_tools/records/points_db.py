"""学习积分 from the records database (the I/O edge of :mod:`exam_tools.records.points`).

Practice verdicts are the exam service's, carried over by ``exam-tools exam pull-practice``; hours
are the organisers' attendance; exams are the graded attempts. Nothing a member wrote is read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from exam_tools.records.points import (
    Activity,
    Points,
    PointsRules,
    PointsSummary,
    practice_activities,
    record_activities,
    summary,
    tally,
)

if TYPE_CHECKING:
    import sqlite_utils


def member_activities(
    db: sqlite_utils.Database, year: int, member: str | None = None
) -> dict[str, list[Activity]]:
    """member id → what they did from 1 December of the year before (a streak and the last 30
    days may reach back) to the year's end."""
    one, params = ("and member = ? ", [member]) if member is not None else ("", [])
    since, until = f"{year - 1:04d}-12-01", f"{year + 1:04d}"
    verdicts: dict[str, list[tuple[float, str, str, int, int | None]]] = defaultdict(list)
    for r in db.execute(
        "select member, stamp, exam, qid, n, correct from practice "
        f"where at >= ? and at < ? {one}order by id",
        [since, until, *params],
    ):
        verdicts[r[0]].append((float(r[1]), str(r[2]), str(r[3]), int(r[4]), r[5]))
    sessions: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in db.execute(
        "select a.member, s.date, a.hours from attendance a join sessions s on s.id = a.session "
        f"where s.date >= ? and s.date < ? {one.replace('member', 'a.member')}",
        [since, until, *params],
    ):
        sessions[r[0]].append((str(r[1]), float(r[2] or 0)))
    exams: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
    for r in db.execute(
        "select member, course || '/' || assessment, passed, "
        f"coalesce(nullif(submitted_at, ''), graded_at) from attempts where 1 {one}",
        params,
    ):
        exams[r[0]].append((str(r[3] or ""), str(r[1]), bool(r[2])))
    out: dict[str, list[Activity]] = {}
    for m in set(verdicts) | set(sessions) | set(exams):
        out[m] = practice_activities(verdicts.get(m, [])) + record_activities(
            sessions.get(m, []), exams.get(m, [])
        )
    return out


def member_points(
    db: sqlite_utils.Database, year: int, rules: PointsRules, member: str | None = None
) -> dict[str, Points]:
    return {m: tally(rules, acts) for m, acts in member_activities(db, year, member).items()}


def today() -> date:
    """Today in the configured zone (Beijing time), not the server's."""
    import time

    from exam_tools.timezone import local

    return local(time.time()).date()


def points_summaries(
    db: sqlite_utils.Database,
    year: int,
    rules: PointsRules,
    member: str | None = None,
    as_of: date | None = None,
) -> dict[str, PointsSummary]:
    """member id → the year's points (members with no activity are absent: :func:`empty`)."""
    day = as_of or today()
    return {m: summary(p, year, day) for m, p in member_points(db, year, rules, member).items()}


def empty(year: int, as_of: date | None = None) -> PointsSummary:
    return summary(Points(), year, as_of or today())


def points_rows(points: dict[str, Points], year: int) -> list[dict[str, Any]]:
    """One row per member, day of ``year`` and kind with points (for Frames)."""
    return [
        {"member": m, "day": d, "kind": kind, "points": p}
        for m, pts in sorted(points.items())
        for d, kinds in sorted(pts.days.items())
        if d.year == year
        for kind, p in kinds.items()
    ]
