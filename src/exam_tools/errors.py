"""One error hierarchy for the whole package.

Library code raises these; the CLI prints them as one-line messages (no traceback) and exits 1.
Every error and every reported problem carries where it happened: a file and line, or a
spreadsheet's sheet, row and column, plus the question id and field when known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Location:
    """Where something is: ``path:line`` for text files, sheet/row/column for spreadsheets."""

    path: str | None = None
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    item: int | None = None  # n-th question of a file without lines (JSON, XML)

    def __str__(self) -> str:
        parts: list[str] = []
        head = self.path or "-"
        if self.line is not None:
            head += f":{self.line}"
        parts.append(head)
        if self.sheet is not None:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column is not None:
            parts.append(f"{self.column}列")
        if self.item is not None:
            parts.append(f"第{self.item}题")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of a check: printed as ``location: id: field: message``."""

    location: Location
    qid: str | None
    field: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "警告：" if self.severity == "warning" else ""
        return f"{self.location}: {self.qid or '-'}: {self.field or '-'}: {prefix}{self.message}"


def errors_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def warnings_of(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "warning"]


class ProblemReport:
    """For results that carry ``problems``: their errors and their warnings."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return errors_of(self.problems)

    @property
    def warnings(self) -> list[Problem]:
        return warnings_of(self.problems)


class ExamToolsError(Exception):
    """Base of every error exam-tools raises on purpose."""

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class DatabaseFileError(ExamToolsError, OSError):
    """The database file cannot be used: missing, locked by another program, not a database."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


class InvalidInputError(ExamToolsError, ValueError):
    """Input that cannot be used; carries every problem found, not just the first."""

    def __init__(
        self,
        message: str,
        problems: Iterable[Problem] = (),
        *,
        location: Location | None = None,
    ) -> None:
        super().__init__(message, location=location)
        self.problems: list[Problem] = list(problems)

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines.extend(str(p) for p in self.problems)
        return "\n".join(lines)


class BankError(InvalidInputError):
    """The question bank (or a file being imported into it) is invalid."""


class FormatError(InvalidInputError):
    """A file in an exchange format (xlsx, GIFT, Moodle XML, ...) cannot be read or written."""


class CourseError(InvalidInputError):
    """A course (``course.yaml``, its lessons or assessments) is invalid."""


class PaperError(InvalidInputError):
    """A paper cannot be built (a draw rule the bank cannot satisfy) or read."""


class QuizError(InvalidInputError):
    """A quiz cannot be shown: a bad paper or responses file, or a key offered in exam mode."""


class UnsupportedQuestionError(FormatError):
    """Questions that an export format cannot express; reported, never silently dropped."""


@dataclass
class ProblemList:
    """Collects problems while checking, errors and warnings together, in the order found."""

    items: list[Problem] = field(default_factory=list)

    def add(
        self,
        location: Location,
        qid: str | None,
        fld: str | None,
        message: str,
        severity: Severity = "error",
    ) -> None:
        self.items.append(Problem(location, qid, fld, message, severity))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return errors_of(self.items)

    @property
    def warnings(self) -> list[Problem]:
        return warnings_of(self.items)
