"""Exchange formats: import questions from other systems' files and export the bank to them.

Every reader turns its file into *raw questions* in the YAML shape (plus a locator that names
sheet/row/column or line), and every raw question goes through the same
:func:`~exam_tools.bank.validate.parse_question` as the YAML bank. So an imported question obeys
exactly the rules of a hand-written one, and an error names the place in the source file.

Readers and writers are pure (bytes in, questions out; questions in, bytes out); files are read
and written only by :func:`import_file`, :func:`export_file` and :func:`write_bank_file`.

A file larger than :data:`MAX_IMPORT_BYTES` (10 MB, some 25,000 questions of GIFT, more than a
county's whole bank) is refused before it is read, saying the limit: a 50 MB file would take minutes
to check and is far more likely a mistake (or an attack) than a bank.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from exam_tools.bank.load import check_questions
from exam_tools.bank.model import TECH_DOMAIN, Question
from exam_tools.bank.validate import ID_RE, Locator, halfwidth, parse_question
from exam_tools.bank.yamlio import dump_questions
from exam_tools.errors import (
    BankError,
    FormatError,
    Location,
    Problem,
    ProblemList,
    UnsupportedQuestionError,
)
from exam_tools.fileio import decode_text, write_atomic

READERS: dict[str, str] = {
    "xlsx": "exam_tools.bank.formats.xlsx",
    "gift": "exam_tools.bank.formats.gift",
    "aiken": "exam_tools.bank.formats.aiken",
    "moodle-xml": "exam_tools.bank.formats.moodle_xml",
    "jupyterquiz": "exam_tools.bank.formats.jupyterquiz",
}
WRITERS: dict[str, str] = {
    "xlsx": "exam_tools.bank.formats.xlsx",
    "gift": "exam_tools.bank.formats.gift",
    "aiken": "exam_tools.bank.formats.aiken",
    "moodle-xml": "exam_tools.bank.formats.moodle_xml",
    "qti": "exam_tools.bank.formats.qti",
}
FORMAT_NAMES = {
    "xlsx": "Excel",
    "gift": "GIFT",
    "aiken": "Aiken",
    "moodle-xml": "Moodle XML",
    "jupyterquiz": "jupyterquiz JSON",
    "qti": "QTI 3.0",
}


@dataclass
class RawQuestion:
    """One question as read from a source file, in the YAML shape, with its location."""

    data: dict[str, Any]
    locate: Locator


def fixed_locator(location: Location) -> Locator:
    """A locator for formats where every field of a question has the same location."""

    def locate(fld: str | None) -> Location:
        return location

    return locate


@dataclass(frozen=True)
class ImportDefaults:
    domain: str | None = None
    difficulty: str | None = None
    technology: str | None = None
    id_prefix: str | None = None


@dataclass
class ImportResult:
    questions: list[Question]
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)
    skipped_count: int = 0
    #: What the reader passed over that is no fault (a workbook's 填写说明 or empty sheet).
    notes: list[Problem] = field(default_factory=list)

    def per_sheet(self) -> list[tuple[str, int, dict[str, int]]]:
        """Per sheet of a workbook, in order: its name, the questions imported from it and their
        count per type label (empty for formats without sheets)."""
        sheets: dict[str, dict[str, int]] = {}
        for q in self.questions:
            sheet = q.origin.sheet if q.origin else None
            if sheet is not None:
                counts = sheets.setdefault(sheet, {})
                counts[q.type.label] = counts.get(q.type.label, 0) + 1
        return [(name, sum(c.values()), c) for name, c in sheets.items()]

    @property
    def incomplete_ids(self) -> list[str]:
        return sorted(
            {
                p.qid
                for p in self.warnings
                if p.qid and p.field in ("explanation", "source", "answer")
            }
        )


def stable_id(prefix: str, data: dict[str, Any]) -> str:
    """The same question text always gets the same id, so re-importing a file changes nothing."""
    parts = [str(data.get("type", "")), str(data.get("stem", ""))]
    opts = data.get("options")
    if isinstance(opts, list):
        parts.extend(str(o) for o in opts)
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{digest}"


def default_prefix(path: str | Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(path).stem).strip("-_").lower()
    return stem[:24] if stem and ID_RE.match(stem) else "imp"


def convert(
    raws: Sequence[RawQuestion],
    reader_problems: Sequence[Problem],
    defaults: ImportDefaults,
    *,
    source_name: str,
    skip_invalid: bool = False,
) -> ImportResult:
    """Validate raw questions as a whole import: all or nothing unless ``skip_invalid``."""
    prefix = defaults.id_prefix or default_prefix(source_name)
    notes = [p for p in reader_problems if p.severity == "warning" and p.field == SHEET_NOTE]
    found = ProblemList([p for p in reader_problems if p not in notes])
    failed = len({(p.location, p.qid) for p in found.errors})
    questions: list[Question] = []
    for raw in raws:
        data = dict(raw.data)
        if not data.get("domain") and defaults.domain:
            data["domain"] = defaults.domain
        if not data.get("difficulty") and defaults.difficulty:
            data["difficulty"] = defaults.difficulty
        if data.get("domain") == TECH_DOMAIN and not data.get("technology") and defaults.technology:
            data["technology"] = defaults.technology
        if not data.get("id"):
            data["id"] = stable_id(prefix, data)
        q, problems = parse_question(data, raw.locate, draft=True, missing_hints=_OPTION_HINTS)
        found.extend(problems)
        if q is None:
            failed += 1
        else:
            questions.append(q)
    unique, problems = check_questions(questions)
    found.extend(problems)
    failed += len(questions) - len(unique)
    if found.errors and not skip_invalid:
        raise BankError(
            f"导入失败：{failed} 道题有错误，没有写出任何文件"
            "（加 --skip-invalid 可跳过有错的题）：",
            found.errors,
        )
    return ImportResult(unique, found.warnings, found.errors, failed, notes)


#: The field of a reader's note on a part of the file it passed over (a workbook's 填写说明 sheet).
SHEET_NOTE = "sheet"

#: What to say when a source format lacks a required field that an option can supply.
_OPTION_HINTS = {
    "domain": "源文件没有领域，请用 --domain 指定（党章党规、政策理论、实用技术）",
    "difficulty": "源文件没有难度，请用 --difficulty 指定（简单、中等、困难）",
    "technology": "源文件没有所属实用技术，请用 --technology 指定（如 水稻种植）",
}


def share_percent(n: int) -> str:
    """Each of ``n`` correct options' share of the marks, as Moodle writes grade fractions."""
    return f"{100 / n:.5f}".rstrip("0").rstrip(".")


def _module(table: dict[str, str], fmt: str) -> ModuleType:
    if fmt not in table:
        raise FormatError(f"不支持的格式：{fmt}（可用：{'、'.join(table)}）")
    return importlib.import_module(table[fmt])


#: An Aiken answer line, matched after :func:`halfwidth` (ＡＮＳＷＥＲ：B is ANSWER:B).
_AIKEN_ANSWER = re.compile(r"^\s*ANSWER\s*:", re.MULTILINE | re.IGNORECASE)


def _looks_like_aiken(data: bytes) -> bool:
    try:
        text = decode_text(data)
    except FormatError:
        return False
    return _AIKEN_ANSWER.search(halfwidth(text)) is not None


def detect_format(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return "xlsx"
    if suffix == ".xml" or data.lstrip()[:5] in (b"<?xml", b"<quiz"):
        return "moodle-xml"
    if suffix == ".json" or data.lstrip()[:1] in (b"[", b"{"):
        return "jupyterquiz"
    if suffix == ".gift":
        return "gift"
    if _looks_like_aiken(data):
        return "aiken"
    if b"{" in data:
        return "gift"
    raise FormatError(f"无法判断 {path.name} 的格式；请用 --format 指定（{'、'.join(READERS)}）")


def read_raw(data: bytes, fmt: str, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    """Run one reader on a file's bytes."""
    reader: Callable[[bytes, str], tuple[list[RawQuestion], list[Problem]]]
    reader = _module(READERS, fmt).read
    return reader(data, source_name)


#: The largest file ``bank import`` reads (see the module docstring).
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _check_size(size: int, source_name: str) -> None:
    if size > MAX_IMPORT_BYTES:
        raise FormatError(
            f"文件有 {size / 1024 / 1024:.1f} MB，超过导入上限 "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB（约 2.5 万道题）；请拆成几个较小的文件分别导入",
            location=Location(source_name),
        )


def import_bytes(
    data: bytes,
    fmt: str,
    source_name: str,
    defaults: ImportDefaults | None = None,
    *,
    skip_invalid: bool = False,
) -> ImportResult:
    """Import a file's content (pure: no file is read or written)."""
    _check_size(len(data), source_name)
    raws, problems = read_raw(data, fmt, source_name)
    if not raws and not problems:
        raise FormatError(f"{source_name} 中没有找到任何题目（格式：{FORMAT_NAMES[fmt]}）")
    return convert(
        raws,
        problems,
        defaults or ImportDefaults(),
        source_name=source_name,
        skip_invalid=skip_invalid,
    )


def import_file(
    path: Path,
    fmt: str = "auto",
    defaults: ImportDefaults | None = None,
    *,
    skip_invalid: bool = False,
) -> ImportResult:
    _check_size(path.stat().st_size, path.name)  # before reading it all into memory
    data = path.read_bytes()
    if fmt == "auto":
        fmt = detect_format(path, data)
    return import_bytes(data, fmt, path.name, defaults, skip_invalid=skip_invalid)


def write_bank_file(path: Path, questions: Sequence[Question], header: str | None = None) -> None:
    write_atomic(path, dump_questions([q.to_dict() for q in questions], header))


# ---- export ----------------------------------------------------------------------------------


@dataclass
class ExportReport:
    written: int
    skipped: list[Problem]


def unsupported(questions: Sequence[Question], fmt: str) -> list[Problem]:
    """A problem for each question the format cannot express, saying why."""
    why: Callable[[Question], str | None] = _module(WRITERS, fmt).unsupported
    out: list[Problem] = []
    for q in questions:
        reason = why(q)
        if reason:
            out.append(Problem(q.origin or Location(), q.id, "type", reason))
    return out


def export_bytes(
    questions: Sequence[Question], fmt: str, *, skip_unsupported: bool = False
) -> tuple[bytes, ExportReport]:
    """The exported file's content (pure)."""
    if not questions:
        raise FormatError("没有可导出的题目")
    skipped = unsupported(questions, fmt)
    if skipped and not skip_unsupported:
        raise UnsupportedQuestionError(
            f"{FORMAT_NAMES[fmt]} 格式无法表达 {len(skipped)} 道题，没有写出文件"
            "（加 --skip-unsupported 可只导出其余题目）：",
            skipped,
        )
    bad = {p.qid for p in skipped}
    keep = [q for q in questions if q.id not in bad]
    if not keep:
        raise UnsupportedQuestionError(f"{FORMAT_NAMES[fmt]} 格式无法表达任何一道题", skipped)
    dump: Callable[[Sequence[Question]], bytes] = _module(WRITERS, fmt).dump
    return dump(keep), ExportReport(len(keep), skipped)


def export_file(
    questions: Sequence[Question], fmt: str, output: Path, *, skip_unsupported: bool = False
) -> ExportReport:
    data, report = export_bytes(questions, fmt, skip_unsupported=skip_unsupported)
    write_atomic(output, data)
    return report


__all__ = [
    "ExportReport",
    "ImportDefaults",
    "ImportResult",
    "RawQuestion",
    "convert",
    "detect_format",
    "export_bytes",
    "export_file",
    "import_bytes",
    "import_file",
    "unsupported",
    "write_bank_file",
]
