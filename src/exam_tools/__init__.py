"""exam-tools: 基层党员教育培训与考试 — training and examination for grassroots Party members.

The top-level import is deliberately light: it pulls in neither pandas, nbgrader, ipywidgets nor
openpyxl. Subpackages load on first use::

    from exam_tools import load_bank
    bank = load_bank("question_bank")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exam_tools.errors import (
    BankError,
    CourseError,
    ExamToolsError,
    FormatError,
    InvalidInputError,
    Location,
    PaperError,
    Problem,
    QuizError,
    UnsupportedQuestionError,
)
from exam_tools.lazy import lazy_exports

__version__ = "0.1.0"

__all__ = [
    "Bank",
    "BankError",
    "CourseError",
    "ExamToolsError",
    "FormatError",
    "InvalidInputError",
    "Location",
    "PaperError",
    "Problem",
    "Question",
    "QuizError",
    "UnsupportedQuestionError",
    "__version__",
    "check_bank",
    "load_bank",
]

_LAZY = {
    "Bank": "exam_tools.bank",
    "Question": "exam_tools.bank",
    "check_bank": "exam_tools.bank",
    "load_bank": "exam_tools.bank",
}

if TYPE_CHECKING:
    from exam_tools.bank import Bank, Question, check_bank, load_bank


__getattr__ = lazy_exports(__name__, _LAZY)
