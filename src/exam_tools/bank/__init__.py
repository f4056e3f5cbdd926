"""The question bank (题库): the question model, YAML loading and checking, exchange formats.

The model is imported eagerly; loading and checking (YAML, the validator, the cache) only when used,
so a member's exam kernel, which needs the model's names but never reads the bank, does not load
the code that reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exam_tools.bank.model import (
    DIFFICULTIES,
    DOMAINS,
    Bank,
    QType,
    Question,
)
from exam_tools.lazy import lazy_exports

if TYPE_CHECKING:
    from exam_tools.bank.load import CheckResult, bank_files, check_bank, load_bank
    from exam_tools.bank.validate import parse_question

__all__ = [
    "DIFFICULTIES",
    "DOMAINS",
    "Bank",
    "CheckResult",
    "QType",
    "Question",
    "bank_files",
    "check_bank",
    "load_bank",
    "parse_question",
]

_LAZY = {
    "CheckResult": "exam_tools.bank.load",
    "bank_files": "exam_tools.bank.load",
    "check_bank": "exam_tools.bank.load",
    "load_bank": "exam_tools.bank.load",
    "parse_question": "exam_tools.bank.validate",
}


__getattr__ = lazy_exports(__name__, _LAZY)
