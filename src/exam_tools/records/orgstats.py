"""Organisation statistics: each organisation at a level, rolled up from everything below it.

Pure: rows in, statistics out. A member counts under the organisation of the chosen kind that is
their own organisation or its nearest ancestor (members whose organisation has no such ancestor are
grouped as "（直属上级）"). The level 支部 is the 党支部 (党章 第三十四条: 党支部是党的基础组织),
read from the name, whatever unit it serves: a village's 花王村党支部 (kind 村) is a 支部 too, a
党总支 is not. A member counts where the roster places them now; their hours and exams
go with them, so someone who moved during the year is counted once, in their new organisation.

Rates (each a share of the group's members unless said otherwise):
参训率 any training hours in the year; 学时达标率 hours at least the member's requirement;
参考率 took at least one exam in the year; 合格率 passed one, among those who took one;
平均分 mean percentage over the year's exam attempts; 实用技术掌握率 mastered at least one technology;
练习人数 members who practised in the year (through the exam service); 练习题次 their verdicts;
练习正确率 answered right among the verdicts judged automatically (questions marked by hand are
left out of both sides, so the rate is never lowered by a question nobody could judge);
平均积分 the year's 学习积分 per member; 近7天活跃人数, 近30天活跃人数 members who learnt anything
(practice, 每日一练, training, an exam) in the last 7 or 30 days (:mod:`exam_tools.records.points`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from exam_tools.records.standards import Standards, Target

if TYPE_CHECKING:
    from exam_tools.records.points import PointsSummary
    from exam_tools.records.record import PracticeTally

UNPLACED = "（直属上级）"


@dataclass
class MemberYear:
    """What the statistics need of one member for the year."""

    id: str
    org: str
    category: str | None
    roles: tuple[str, ...]
    hours: float
    required: float
    exams: int
    passed: int
    percents: tuple[float, ...]
    technologies: int
    practice_items: int = 0  # the year's practice verdicts
    practice_graded: int = 0  # of them, judged automatically
    practice_correct: int = 0
    points: float = 0.0  # the year's 学习积分
    active_7: bool = False  # learnt anything in the last 7 days
    active_30: bool = False


@dataclass
class GroupStats:
    org: str  # path of the organisation (or UNPLACED)
    kind: str
    category: str | None
    members: int
    trained: int
    hours_total: float
    hours_met: int
    examined: int
    passed: int
    percents: list[float] = field(default_factory=list)
    with_technology: int = 0
    practiced: int = 0  # members with any practice in the year
    practice_items: int = 0
    practice_graded: int = 0
    practice_correct: int = 0
    points_total: float = 0.0
    active_7: int = 0
    active_30: int = 0

    @property
    def rates(self) -> dict[str, float | int | None]:
        def share(n: int, d: int) -> float | None:
            return n / d if d else None

        return {
            "参训率": share(self.trained, self.members),
            "平均学时": self.hours_total / self.members if self.members else None,
            "学时达标率": share(self.hours_met, self.members),
            "参考率": share(self.examined, self.members),
            "合格率": share(self.passed, self.examined),
            "平均分": sum(self.percents) / len(self.percents) if self.percents else None,
            "实用技术掌握率": share(self.with_technology, self.members),
            "练习人数": self.practiced,
            "练习题次": self.practice_items,
            "练习正确率": share(self.practice_correct, self.practice_graded),
            "平均积分": self.points_total / self.members if self.members else None,
            "近7天活跃人数": self.active_7,
            "近30天活跃人数": self.active_30,
        }


@dataclass
class TargetProgress:
    target: Target
    eligible: int
    achieved: int

    @property
    def share(self) -> float | None:
        return self.achieved / self.eligible if self.eligible else None

    @property
    def gap(self) -> int:
        """People still needed to reach the target share."""
        return max(0, math.ceil(self.target.share * self.eligible - 1e-9) - self.achieved)


BRANCH = "支部"


def is_branch(node: Mapping[str, Any]) -> bool:
    """A 党支部 (not a 党总支 or a 党小组), read from the organisation's name."""
    name = node.get("name") or str(node.get("path", "")).rsplit("/", 1)[-1]
    if node["kind"] == "党小组":  # 二支部党小组 is a group within a branch
        return False
    return node["kind"] == BRANCH or ("支部" in name and "总支" not in name)


def at_level(node: Mapping[str, Any], kind: str) -> bool:
    """Whether the organisation counts at level ``kind`` (its kind; for 支部, any 党支部)."""
    return node["kind"] == kind or (kind == BRANCH and is_branch(node))


def ancestor_of_kind(org: str, kind: str, orgs: Mapping[str, Mapping[str, Any]]) -> str | None:
    seen = set()
    current: str | None = org
    while current is not None and current not in seen:
        seen.add(current)
        node = orgs.get(current)
        if node is None:
            return None
        if at_level(node, kind):
            return current
        current = node.get("parent")
    return None


def org_statistics(
    members: Iterable[MemberYear],
    orgs: Mapping[str, Mapping[str, Any]],
    kind: str,
    by_category: bool = False,
) -> list[GroupStats]:
    groups: dict[tuple[str, str | None], GroupStats] = {}
    # every organisation of the level appears, even one without members
    for oid, node in orgs.items():
        if at_level(node, kind) and not by_category:
            groups[(oid, None)] = GroupStats(node["path"], kind, None, 0, 0, 0.0, 0, 0, 0)
    for m in members:
        top = ancestor_of_kind(m.org, kind, orgs)
        key = (top or UNPLACED, m.category if by_category else None)
        g = groups.get(key)
        if g is None:
            path = orgs[top]["path"] if top else UNPLACED
            g = groups[key] = GroupStats(path, kind, key[1], 0, 0, 0.0, 0, 0, 0)
        g.members += 1
        g.trained += m.hours > 0
        g.hours_total += m.hours
        g.hours_met += m.hours >= m.required
        g.examined += m.exams > 0
        g.passed += m.passed > 0
        g.percents.extend(m.percents)
        g.with_technology += m.technologies > 0
        g.practiced += m.practice_items > 0
        g.practice_items += m.practice_items
        g.practice_graded += m.practice_graded
        g.practice_correct += m.practice_correct
        g.points_total += m.points
        g.active_7 += m.active_7
        g.active_30 += m.active_30
    return sorted(groups.values(), key=lambda g: (g.org == UNPLACED, g.org, g.category or ""))


def target_progress(
    members: Iterable[MemberYear], orgs: Mapping[str, Mapping[str, Any]], standards: Standards
) -> list[TargetProgress]:
    members = list(members)
    out = []
    for t in standards.targets:
        eligible = [
            m
            for m in members
            if (not t.roles or set(t.roles) & set(m.roles))
            and (not t.org_kinds or any(ancestor_of_kind(m.org, k, orgs) for k in t.org_kinds))
        ]
        achieved = sum(1 for m in eligible if m.technologies >= t.min_technologies)
        out.append(TargetProgress(t, len(eligible), achieved))
    return out


def _practice(tally: PracticeTally | None) -> dict[str, Any]:
    if tally is None:
        return {}
    return {
        "practice_items": tally.items,
        "practice_graded": tally.graded,
        "practice_correct": tally.correct,
    }


def _points(p: PointsSummary | None) -> dict[str, Any]:
    if p is None:
        return {}
    return {"points": p.year_points, "active_7": p.active_7, "active_30": p.active_30}


def member_years(
    members: Iterable[Mapping[str, Any]],
    hours: Mapping[str, float],
    attempts: Iterable[Mapping[str, Any]],
    technologies: Mapping[str, int],
    standards: Standards,
    practice: Mapping[str, PracticeTally] | None = None,
    points: Mapping[str, PointsSummary] | None = None,
) -> list[MemberYear]:
    """Join the year's rows per member (``attempts``: the year's graded attempts; ``practice``:
    the year's practice per member; ``points``: their 学习积分)."""
    practice = practice or {}
    points = points or {}
    exams: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for a in attempts:
        exams[a["member"]].append(a)
    out = []
    for m in members:
        roles = tuple(m["roles"])
        mine = exams.get(m["id"], [])
        out.append(
            MemberYear(
                id=m["id"],
                org=m["org"],
                category=m.get("category"),
                roles=roles,
                hours=hours.get(m["id"], 0.0),
                required=standards.required_hours(roles),
                exams=len(mine),
                passed=sum(1 for a in mine if a["passed"]),
                percents=tuple(float(a["percent"] or 0) for a in mine),
                technologies=technologies.get(m["id"], 0),
                **_practice(practice.get(m["id"])),
                **_points(points.get(m["id"])),
            )
        )
    return out
