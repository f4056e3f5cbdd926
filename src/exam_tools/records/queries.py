"""Reading the year's rows for statistics out of the database (the I/O edge of orgstats)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import sqlite_utils

from exam_tools.records.orgstats import MemberYear, member_years
from exam_tools.records.points import PointsRules
from exam_tools.records.record import Certification, practice_tallies
from exam_tools.records.standards import Standards


def orgs_by_id(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in db.query("select * from orgs")}


def load_member_years(
    db: sqlite_utils.Database,
    year: int,
    standards: Standards,
    certs: Iterable[Certification],
    points_rules: PointsRules | None = None,
) -> list[MemberYear]:
    members = []
    for r in db.query("select id, org, category, roles from members"):
        r["roles"] = json.loads(r["roles"] or "[]")
        members.append(r)
    hours = {
        r["member"]: float(r["h"] or 0)
        for r in db.query(
            "select a.member, sum(a.hours) as h from attendance a join sessions s on s.id = a.session "
            "where substr(s.date, 1, 4) = ? group by a.member",
            [str(year)],
        )
    }
    attempts = list(
        db.query(
            "select member, course, assessment, percent, passed, "
            "substr(coalesce(submitted_at, graded_at), 1, 4) as y from attempts"
        )
    )
    this_year = [a for a in attempts if a["y"] == str(year)]
    mastered: dict[str, set[str]] = defaultdict(set)
    for cert in certs:
        for a in attempts:
            if (
                a["course"] == cert.course
                and a["assessment"] == cert.assessment
                and float(a["percent"] or 0) >= cert.pass_percent
                and (a["y"] or str(year)) <= str(year)
            ):
                mastered[a["member"]].add(cert.technology)
    technologies = {m: len(t) for m, t in mastered.items()}
    practice = practice_tallies(db, year)
    from exam_tools.records.points import load_points_rules
    from exam_tools.records.points_db import points_summaries

    points = points_summaries(db, year, points_rules or load_points_rules())
    return member_years(members, hours, this_year, technologies, standards, practice, points)
