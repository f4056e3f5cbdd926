"""What 我的档案 asks of the exam service: a member's published hours, exam results, technologies.

The member's kernel never opens the records database (it could not keep a key or a score from the
member); the published figures come through the exam service (issue 12), which implements
:class:`RecordClient`. Until it exists, :class:`NotPublished` answers ``None`` and the page says
plainly where the figures will appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PLACEHOLDER = "学时和考试成绩由组织委员发布后在这里显示"

# 《中国共产党党员教育管理工作条例》第二十条: 党员每年集中学习培训一般不少于 32 学时;
# 《2019—2023年全国党员教育培训工作规划》: 基层党组织书记和班子成员每年不少于 56 学时.
MEMBER_HOURS = 32
SECRETARY_HOURS = 56


def practice_line(items: int, correct: int, graded: int) -> str:
    """本年度练习 N 题次，答对 M 题次: a year's practice as a record and 我的档案 show it;
    ``graded`` of the ``items`` were judged automatically (the rest are marked by hand)."""
    if not items:
        return "本年度还没有练习记录"
    text = f"本年度练习 {items} 题次，答对 {correct} 题次"
    if graded < items:
        text += f"（另有 {items - graded} 题次需人工评阅，不计对错）"
    return text


@dataclass(frozen=True)
class ExamResult:
    title: str
    score: float
    total: float
    passed: bool
    course_id: str = ""  # ids, to put the score on the exam's 待考 tile
    assessment_id: str = ""


@dataclass(frozen=True)
class PublishedRecord:
    year: int
    hours: float
    required_hours: int  # MEMBER_HOURS or SECRETARY_HOURS
    exams: tuple[ExamResult, ...] = ()
    technologies: tuple[str, ...] = ()  # 掌握的实用技术 (certified)
    practice_items: int | None = None  # the year's practice verdicts (None: not published)
    practice_correct: int = 0
    practice_graded: int = 0  # judged automatically
    name: str = ""  # the member's name on the roster, as the organisers published it

    @property
    def practice_line(self) -> str | None:
        """本年度练习 N 题次，答对 M 题次; None for a record published without practice."""
        if self.practice_items is None:
            return None
        return practice_line(self.practice_items, self.practice_correct, self.practice_graded)


class RecordClient(Protocol):
    def published_record(self, member: str) -> PublishedRecord | None:
        """The member's record as published by the organisers; None while nothing is published."""


class NotPublished:
    """The client until the exam service answers: nothing published yet."""

    def published_record(self, member: str) -> PublishedRecord | None:
        return None
