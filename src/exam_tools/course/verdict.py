"""A response's verdict, apart from the key code so that the member's side (practice checked by the
exam service) can hold verdicts without importing :mod:`exam_tools.course.key`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Verdict:
    """The score of one response; ``correct`` is None for a short answer awaiting a grader."""

    n: int
    score: float
    points: float
    correct: bool | None
    answered: bool
    manual: bool = False
