"""Courses, their lessons and assessments, and the draw rules papers are built from.

These are plain frozen values made by :mod:`exam_tools.course.load` from ``course.yaml``; they know
where in that file they were written (``line``) so that a rule the bank cannot satisfy is reported
at its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar

from exam_tools.bank.model import CASE_TAG, QType
from exam_tools.errors import CourseError

#: How a draw rule treats 案例 questions (one place's practice, tagged 案例 in the bank):
#: ``exclude`` (the default) leaves them out, ``include`` draws them with the rest, ``only`` draws
#: nothing else. A rule whose ``tags`` name 案例 asks for them, so it includes them.
CASE_FILTERS: dict[str, str] = {
    "exclude": "不抽案例题",
    "include": "含案例题",
    "only": "只抽案例题",
}


class Mode(StrEnum):
    """How a paper is taken: practice shows answers at once, exam shows nothing until released."""

    PRACTICE = "practice"
    EXAM = "exam"

    @property
    def label(self) -> str:
        return "练习" if self is Mode.PRACTICE else "考试"


class Grading(StrEnum):
    """Which attempts make the score when a member may answer more than once (as Moodle's quiz
    "grading method"). Attempts with no answered question are left out by every method, unless
    every attempt is empty, so a try that was opened and handed in blank never lowers a score."""

    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"

    @property
    def label(self) -> str:
        """What the rules page and the README say: ``按最高分计`` …"""
        return GRADING_LABELS[self]

    @property
    def rule(self) -> str:
        """The sentence a member reads on the rules page."""
        return GRADING_RULES[self] + "没有作答任何题的一次不计分。"


GRADING_LABELS: dict[Grading, str] = {
    Grading.HIGHEST: "按最高分计",
    Grading.LAST: "按最后一次计",
    Grading.FIRST: "按第一次计",
    Grading.AVERAGE: "按平均分计",
}

GRADING_RULES: dict[Grading, str] = {
    Grading.HIGHEST: "多次作答按最高分计：取得分最高的一次。",
    Grading.LAST: "多次作答按最后一次计：取最后交卷的一次。",
    Grading.FIRST: "多次作答按第一次计：取第一次交卷的一次。",
    Grading.AVERAGE: "多次作答按平均分计：取各次得分的平均。",
}

#: What ``grading:`` may say in course.yaml (English or Chinese).
GRADING_NAMES: dict[str, Grading] = {
    **{g.value: g for g in Grading},
    "最高分": Grading.HIGHEST,
    "最后一次": Grading.LAST,
    "第一次": Grading.FIRST,
    "平均分": Grading.AVERAGE,
}


class Drawable(Protocol):
    """What drawing needs of a question; a bank :class:`~exam_tools.bank.model.Question` has it,
    and so does a keyless public copy of one (no answer, no 解析)."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> QType: ...
    @property
    def domain(self) -> str: ...
    @property
    def difficulty(self) -> str: ...
    @property
    def stem(self) -> str: ...
    @property
    def options(self) -> tuple[str, ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def technology(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...
    @property
    def points(self) -> float: ...
    @property
    def case(self) -> bool: ...
    @property
    def pending(self) -> bool: ...


#: How a draw rule treats questions awaiting review (``review: pending`` in the bank): exams leave
#: them out unless a rule says ``review: include``; practice draws them unless it says ``exclude``.
REVIEW_FILTERS: dict[str, str] = {
    "exclude": "不抽待复核题",
    "include": "含待复核题",
}


D = TypeVar("D", bound=Drawable)


@dataclass(frozen=True, slots=True)
class DrawRule:
    """Draw ``count`` questions matching every filter given; ``points`` overrides each one's value.

    ``tags``, ``difficulty`` and ``source`` match any of their values; a ``source`` value matches a
    part of the question's source (``党章`` matches ``党章 第七条``). ``case`` says what to do with
    案例 questions (see :data:`CASE_FILTERS`): by default a rule leaves them out. ``review`` says
    what to do with questions awaiting review (:data:`REVIEW_FILTERS`); the course loader makes it
    ``include`` by default for practice, ``exclude`` for exams.
    """

    count: int
    domain: str | None = None
    technology: str | None = None
    tags: tuple[str, ...] = ()
    type: QType | None = None
    difficulty: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    points: float | None = None
    case: str = "exclude"
    review: str = "exclude"
    line: int | None = None

    @property
    def case_filter(self) -> str:
        """``case`` as applied: a rule asking for the tag 案例 includes 案例 questions."""
        if self.case == "exclude" and CASE_TAG in self.tags:
            return "include"
        return self.case

    def _case_ok(self, q: Drawable) -> bool:
        case = self.case_filter
        if case == "include":
            return True
        return q.case if case == "only" else not q.case

    def matches(self, q: Drawable) -> bool:
        return (
            self._case_ok(q)
            and (self.review == "include" or not q.pending)
            and (self.domain is None or q.domain == self.domain)
            and (self.technology is None or q.technology == self.technology)
            and (self.type is None or q.type == self.type)
            and (not self.difficulty or q.difficulty in self.difficulty)
            and (not self.tags or any(t in q.tags for t in self.tags))
            and (
                not self.source
                or (q.source is not None and any(s in q.source for s in self.source))
            )
        )

    def select(self, questions: Sequence[D]) -> list[D]:
        """The questions that match, in their order; one pass per filter (fast on large banks)."""
        out = list(questions)
        if self.case_filter != "include":
            out = [q for q in out if self._case_ok(q)]
        if self.review != "include":
            out = [q for q in out if not q.pending]
        if self.domain is not None:
            out = [q for q in out if q.domain == self.domain]
        if self.technology is not None:
            out = [q for q in out if q.technology == self.technology]
        if self.type is not None:
            out = [q for q in out if q.type == self.type]
        if self.difficulty:
            out = [q for q in out if q.difficulty in self.difficulty]
        if self.tags:
            tags = set(self.tags)
            out = [q for q in out if not tags.isdisjoint(q.tags)]
        if self.source:
            out = [q for q in out if q.source and any(s in q.source for s in self.source)]
        return out

    def describe(self) -> str:
        """The filters in Chinese, e.g. ``技术=水稻种植，题型=多选``."""
        parts = []
        if self.domain:
            parts.append(f"领域={self.domain}")
        if self.technology:
            parts.append(f"技术={self.technology}")
        if self.type:
            parts.append(f"题型={self.type.label}")
        if self.difficulty:
            parts.append(f"难度={'/'.join(self.difficulty)}")
        if self.tags:
            parts.append(f"知识点={'/'.join(self.tags)}")
        if self.source:
            parts.append("出处含" + "或".join(f"“{s}”" for s in self.source))
        if self.case != "exclude":
            parts.append(CASE_FILTERS[self.case])
        return "，".join(parts) or "全部题目"


@dataclass(frozen=True, slots=True)
class Assessment:
    id: str
    title: str
    mode: Mode
    rules: tuple[DrawRule, ...]
    pass_percent: float = 60.0
    time_limit: int | None = None  # minutes; None = untimed
    attempts: int | None = 1  # None = unlimited
    grading: Grading = Grading.HIGHEST  # which attempts make the score
    shuffle_questions: bool = True
    shuffle_options: bool = True
    variants: bool = False  # each member draws their own paper
    line: int | None = None

    @property
    def size(self) -> int:
        return sum(r.count for r in self.rules)


@dataclass(frozen=True, slots=True)
class Lesson:
    notebook: str
    title: str
    hours: float


@dataclass(frozen=True, slots=True)
class Certification:
    """Passing ``assessment`` with at least ``pass_percent`` means mastering ``technology``."""

    assessment: str
    pass_percent: float


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    title: str
    category: str
    lessons: tuple[Lesson, ...]
    assessments: tuple[Assessment, ...]
    audience: tuple[str, ...] = ()
    description: str = ""
    technology: str | None = None
    certification: Certification | None = None
    path: str | None = None  # the course.yaml it was read from

    @property
    def hours(self) -> float:
        return sum(lesson.hours for lesson in self.lessons)

    def assessment(self, assessment_id: str) -> Assessment:
        for a in self.assessments:
            if a.id == assessment_id or a.title == assessment_id:
                return a
        known = "、".join(f"{a.id}（{a.title}）" for a in self.assessments) or "无"
        raise CourseError(f"课程“{self.title}”没有考核“{assessment_id}”；可用的有：{known}")
