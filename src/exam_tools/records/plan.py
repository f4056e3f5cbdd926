"""A learning plan (分类施教): courses that suit the member's category and close their gaps.

Gaps: hours still missing this year, and no practical technology mastered yet (for members whose
category trains in technology, and for 书记 and 班子成员, who have a technology target). Certification
courses come first for those who need one, then courses whose audience names the member's category,
then those for 全体党员; a certification course for a technology already mastered is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from exam_tools.categories import ALL_MEMBERS
from exam_tools.course.model import Course
from exam_tools.records.record import MemberRecord

# categories whose 分类施教 emphasis is technology (domain.md, seed 001)
TECH_FIRST = {"种养业大户党员", "年龄较大党员", "工人党员", "村(社区)干部"}


@dataclass(frozen=True)
class Suggestion:
    course: Course
    reason: str


def plan(record: MemberRecord, courses: Iterable[Course]) -> list[Suggestion]:
    category = record.member.get("category")
    roles = set(record.member.get("roles") or [])
    missing = max(0.0, record.required_hours - record.hours)
    wants_tech = not record.technologies and (
        category in TECH_FIRST or roles & {"书记", "班子成员"}
    )
    suits = [
        c
        for c in courses
        if category in c.audience or ALL_MEMBERS in c.audience or (c.technology and wants_tech)
    ]
    # technology first for those who need one, then courses meant for the category, then the rest
    suits.sort(key=lambda c: (not (c.technology and wants_tech), category not in c.audience, c.id))
    out: list[Suggestion] = []
    covered = 0.0
    for c in suits:
        if c.technology and c.technology in record.technologies:
            continue
        reasons = []
        if c.technology and wants_tech:
            reasons.append(f"通过认证即“掌握{c.technology}”，补上实用技术")
        if covered < missing:
            reasons.append(f"{c.hours:g} 学时，补学时")
        if not reasons:
            continue  # closes no gap
        if category in c.audience:
            reasons.append(f"适合{category}")
        covered += c.hours
        out.append(Suggestion(c, "；".join(reasons)))
    return out
