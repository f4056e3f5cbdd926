"""The question bank (题库): the question model, YAML loading and checking, exchange formats."""

from exam_tools.bank.load import CheckResult, bank_files, check_bank, load_bank
from exam_tools.bank.model import (
    DIFFICULTIES,
    DOMAINS,
    Bank,
    QType,
    Question,
)
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
