"""学习积分: points from what the exam service and the records database hold, never a member's file.

The rules are ``积分规则.yaml`` (beside ``standards.yaml``; the county passes its own copy with
``--points-rules``): points per unit of each kind and a daily cap per kind. Four kinds:

- ``practice``: a practice answer the exam service judged right; only the first verdict on a
  question in a day counts (checking it again, or again after seeing the key, adds nothing);
- ``daily``: a 每日一练 finished (every one of its :data:`DAILY_SIZE` questions judged);
- ``exam``: an exam passed (one per exam, on the day of the graded attempt);
- ``hours``: training hours recorded by the organisers (on the session's date).

A day is the date in :func:`exam_tools.timezone.zone` (Beijing time by default). Everything here
is pure: rows in, points out (:func:`activities` turns rows into :class:`Activity`, :func:`tally`
applies the rules); the database and the service read the rows at their edges.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from exam_tools.errors import InvalidInputError, Location, Problem

FILE = "积分规则.yaml"
KINDS = ("practice", "daily", "exam", "hours")
KIND_NAMES = {"practice": "练习答对", "daily": "每日一练", "exam": "考试合格", "hours": "培训学时"}
#: A member's 每日一练 at the exam service: a paper drawn for them alone, named after the day.
DAILY_PREFIX = "_review-daily-"
DAILY_SIZE = 5
DAILY_COURSE = ("daily", "daily")  # (course, assessment) ids a daily quiz's verdicts carry


def is_daily(exam: str) -> bool:
    return exam.startswith(DAILY_PREFIX)


def daily_exam(day: date) -> str:
    """The exam name of the 每日一练 of ``day`` (the same for every member: papers are per member)."""
    return f"{DAILY_PREFIX}{day.isoformat()}"


@dataclass(frozen=True)
class Rule:
    each: float
    daily_cap: float | None = None


@dataclass(frozen=True)
class PointsRules:
    rules: Mapping[str, Rule]

    def to_dict(self) -> dict[str, Any]:
        return {k: {"each": r.each, "daily_cap": r.daily_cap} for k, r in self.rules.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsRules:
        """Rules as :meth:`to_dict` wrote them (published to the service); raises ValueError."""
        return PointsRules({k: Rule(float(v["each"]), _cap(v.get("daily_cap"))) for k, v in
                            data.items() if k in KINDS})  # fmt: skip


def _cap(value: Any) -> float | None:
    return None if value is None else float(value)


def load_points_rules(path: str | Path | None = None) -> PointsRules:
    """The rules in ``path`` (default the shipped ``积分规则.yaml``); a bad file is an
    :class:`InvalidInputError` naming the file, the line and the field."""
    if path is None:
        text = resources.files("exam_tools.records").joinpath(FILE).read_text("utf-8")
        where = FILE
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            loc = Location(str(path))
            message = f"积分规则文件读不出来：{exc}"
            raise InvalidInputError(message, [Problem(loc, None, None, message)]) from None
        where = str(path)
    return parse_points_rules(text, where)


def parse_points_rules(text: str, where: str = FILE) -> PointsRules:
    from exam_tools.bank.yamlio import YamlSyntaxError, load_yaml

    try:
        data = load_yaml(text, where)
    except YamlSyntaxError as exc:
        loc = Location(where, exc.line)
        raise InvalidInputError(
            f"积分规则文件格式不对：{exc}", [Problem(loc, None, None, str(exc))], location=loc
        ) from None
    problems: list[Problem] = []

    def bad(item: Any, key: str | None, fld: str, message: str) -> None:
        lines: dict[str, int] = getattr(item, "key_lines", {})
        line = lines.get(key, getattr(item, "line", None)) if key else getattr(item, "line", None)
        problems.append(Problem(Location(where, line), None, fld, message))

    points = data.get("points") if isinstance(data, dict) else None
    if not isinstance(points, dict):
        bad(data, None, "points", "缺少 points（每类积分的 each 和 daily_cap）")
        points = {}
    rules: dict[str, Rule] = {}
    for kind in points:
        if kind not in KINDS:
            bad(points, kind, f"points.{kind}", f"不认识的积分类别，应为 {'、'.join(KINDS)} 之一")
    for kind in KINDS:
        name = f"points.{kind}"
        entry = points.get(kind)
        if entry is None:
            bad(points, None, name, f"缺少 {name}（{KIND_NAMES[kind]}）")
            continue
        if not isinstance(entry, dict):
            bad(points, kind, name, "应写成 each: 分值 和 daily_cap: 每日上限")
            continue
        for key in entry:
            if key not in ("each", "daily_cap"):
                bad(entry, key, f"{name}.{key}", "不认识的字段，只能写 each 和 daily_cap")
        each = _number(entry.get("each"))
        cap = entry.get("daily_cap")
        cap_value = None if cap is None else _number(cap)
        if each is None:
            bad(entry, "each" if "each" in entry else None, f"{name}.each",
                f"每{_unit(kind)}的分值应为 0 或正数，现在是 {entry.get('each')!r}")  # fmt: skip
        if cap is not None and cap_value is None:
            bad(entry, "daily_cap", f"{name}.daily_cap",
                f"每日上限应为 0 或正数（不设上限就不写），现在是 {cap!r}")  # fmt: skip
        if each is not None and (cap is None or cap_value is not None):
            rules[kind] = Rule(each, cap_value)
    if problems:
        raise InvalidInputError(
            f"积分规则文件 {where} 有 {len(problems)} 处错误", problems, location=Location(where)
        )
    return PointsRules(rules)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) and 0 <= v <= 100_000 else None


def _unit(kind: str) -> str:
    return {"practice": "题", "daily": "次", "exam": "次", "hours": "学时"}[kind]


# ---- rows → activities ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """Something a member did on ``day``: ``units`` of ``kind`` (0 for a wrong answer: a day of
    learning, no points)."""

    day: date
    kind: str
    units: float


def day_of(ts: float, tz: ZoneInfo | None = None) -> date:
    from exam_tools.timezone import local

    return local(ts, tz).date()


class _Days:
    """:func:`day_of`, remembered per quarter hour: a year of verdicts falls in a few thousand
    quarters, and converting each verdict's time in the zone was most of the count's time. A
    quarter whose two ends fall on different dates (a zone whose midnight is not on a quarter
    hour) is converted verdict by verdict."""

    def __init__(self, tz: ZoneInfo | None) -> None:
        from exam_tools.timezone import zone

        self.tz = tz or zone()
        self.known: dict[int, date | None] = {}

    def __call__(self, ts: float) -> date:
        q = int(ts // 900)
        if q not in self.known:
            first, last = day_of(q * 900, self.tz), day_of(q * 900 + 899.999, self.tz)
            self.known[q] = first if first == last else None
        return self.known[q] or day_of(ts, self.tz)


def practice_activities(
    verdicts: Iterable[tuple[float, str, str, int, int | None]], tz: ZoneInfo | None = None
) -> list[Activity]:
    """Verdicts ``(at, exam, qid, n, correct)`` in the order the service gave them: the first
    verdict on a question in a day counts (1 unit if right); a 每日一练 is finished on the day
    its last question was judged."""
    out: list[Activity] = []
    seen: set[tuple[date, str]] = set()
    daily: dict[str, set[int]] = defaultdict(set)
    days = _Days(tz)
    for at, exam, qid, n, correct in verdicts:
        day = days(at)
        if (day, qid) not in seen:
            seen.add((day, qid))
            out.append(Activity(day, "practice", 1.0 if correct else 0.0))
        if is_daily(exam) and len(daily[exam]) < DAILY_SIZE:
            daily[exam].add(n)
            if len(daily[exam]) == DAILY_SIZE:
                out.append(Activity(day, "daily", 1.0))
    return out


def record_activities(
    sessions: Iterable[tuple[str, float]], exams: Iterable[tuple[str, str, bool]]
) -> list[Activity]:
    """From the records: ``sessions`` (date ``YYYY-MM-DD…``, hours attended) and ``exams``
    (date, the exam's id, passed): hours on the session's date; an exam's first pass."""
    out = []
    for when, hours in sessions:
        day = _date(when)
        if day is not None and math.isfinite(float(hours or 0)) and float(hours or 0) > 0:
            out.append(Activity(day, "hours", float(hours)))
    passed: dict[str, date] = {}
    for when, exam, ok in exams:
        day = _date(when)
        if ok and day is not None and (exam not in passed or day < passed[exam]):
            passed[exam] = day
    out.extend(Activity(day, "exam", 1.0) for day in passed.values())
    return out


def _date(text: Any) -> date | None:
    """The date of an ISO date or date-time as written (its own offset's wall clock)."""
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


# ---- activities → points -------------------------------------------------------------------------


@dataclass
class Points:
    """A member's points per day and kind (caps applied), and the days they learnt anything."""

    days: dict[date, dict[str, float]] = field(default_factory=dict)
    active: set[date] = field(default_factory=set)

    def on(self, day: date) -> float:
        return sum(self.days.get(day, {}).values())

    def between(self, start: date, end: date) -> float:
        return sum(sum(k.values()) for d, k in self.days.items() if start <= d <= end)

    def by_kind(self, start: date, end: date) -> dict[str, float]:
        out = dict.fromkeys(KINDS, 0.0)
        for d, kinds in self.days.items():
            if start <= d <= end:
                for kind, p in kinds.items():
                    out[kind] += p
        return out

    def year(self, year: int) -> float:
        return self.between(date(year, 1, 1), date(year, 12, 31))

    def streak(self, today: date) -> int:
        """Days in a row with any learning, up to today (or up to yesterday while today has none
        yet: the streak is not broken before the day is over)."""
        day = today if today in self.active else today - timedelta(days=1)
        n = 0
        while day in self.active:
            n += 1
            day -= timedelta(days=1)
        return n

    def active_within(self, today: date, days: int) -> bool:
        """Any learning in the ``days`` days ending ``today``."""
        start = today - timedelta(days=days - 1)
        return any(start <= d <= today for d in self.active)


def tally(rules: PointsRules, activities: Iterable[Activity]) -> Points:
    units: dict[date, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    out = Points()
    for a in activities:
        out.active.add(a.day)
        units[a.day][a.kind] += a.units
    for day, kinds in units.items():
        for kind, n in kinds.items():
            rule = rules.rules.get(kind)
            if rule is None:
                continue
            p = n * rule.each
            if rule.daily_cap is not None:
                p = min(p, rule.daily_cap)
            if p:
                out.days.setdefault(day, {})[kind] = round(p, 2)
    return out


@dataclass(frozen=True)
class PointsSummary:
    """What a record, 我的学习 and the statistics show of a member's points, as of ``today``."""

    year: int
    today: date
    today_points: float
    year_points: float
    streak: int
    by_kind: dict[str, float]
    active_7: bool
    active_30: bool

    @property
    def line(self) -> str:
        kinds = "，".join(f"{KIND_NAMES[k]} {v:g}" for k, v in self.by_kind.items() if v)
        text = f"本年度学习积分 {self.year_points:g} 分"
        if kinds:
            text += f"（{kinds}）"
        if self.streak:
            text += f"，连续学习 {self.streak} 天"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "as_of": self.today.isoformat(), "today": self.today_points,
                "total": self.year_points, "streak": self.streak, "by_kind": dict(self.by_kind),
                "active_7": self.active_7, "active_30": self.active_30}  # fmt: skip


def summary(points: Points, year: int, today: date) -> PointsSummary:
    """``today``: the day to count from (a past year's summary is as of its last day)."""
    as_of = min(today, date(year, 12, 31))
    return PointsSummary(
        year=year,
        today=as_of,
        today_points=points.on(as_of),
        year_points=round(points.year(year), 2),
        streak=points.streak(as_of),
        by_kind=points.by_kind(date(year, 1, 1), date(year, 12, 31)),
        active_7=points.active_within(as_of, 7),
        active_30=points.active_within(as_of, 30),
    )
