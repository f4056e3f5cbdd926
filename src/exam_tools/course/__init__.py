"""Courses, draw rules and papers (组卷): pure functions from the bank to a paper and its key.

``exam_tools.course.paper`` is safe on a member's side (papers carry no key);
``exam_tools.course.key`` is the instructor's (and practice's) side.
"""

from __future__ import annotations

from exam_tools.course.model import Assessment, Course, DrawRule, Lesson, Mode
from exam_tools.course.paper import Paper, PaperItem, build_paper, read_paper

__all__ = [
    "Assessment",
    "Course",
    "DrawRule",
    "Lesson",
    "Mode",
    "Paper",
    "PaperItem",
    "build_paper",
    "read_paper",
]
