"""Read a question bank from YAML files and check it as a whole."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from exam_tools.bank import cache
from exam_tools.bank.model import Bank, Question
from exam_tools.bank.review import review_every, review_problems
from exam_tools.bank.similar import DEFAULT_THRESHOLD, near_duplicates
from exam_tools.bank.validate import parse_question
from exam_tools.bank.yamlio import LineDict, YamlSyntaxError, load_yaml, locator
from exam_tools.errors import (
    BankError,
    Location,
    Problem,
    ProblemList,
    ProblemReport,
)

BANK_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class CheckResult(ProblemReport):
    bank: Bank
    problems: list[Problem]
    files: list[str]


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel


def bank_files(path: str | Path) -> list[Path]:
    """A bank's YAML files: ``path`` itself, or every *.yaml below it (hidden folders skipped)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise BankError(f"找不到题库：{p}（应为题库目录或 .yaml 文件）")
    files = [
        f
        for f in p.rglob("*")
        if f.suffix in BANK_SUFFIXES
        and f.is_file()
        and not any(part.startswith(".") for part in f.relative_to(p).parts)
    ]
    return sorted(files)


def parse_bank_text(text: str, path: str) -> tuple[list[Question], list[Problem]]:
    """Parse one bank file's text; pure (no I/O), so tests and importers can use it directly."""
    problems = ProblemList()
    try:
        data: Any = load_yaml(text, path)
    except YamlSyntaxError as exc:
        problems.add(Location(path, exc.line), None, None, str(exc))
        return [], problems.items
    if data is None:
        problems.add(Location(path, 1), None, None, "文件中没有题目", "warning")
        return [], problems.items
    if not isinstance(data, list):
        problems.add(
            Location(path, getattr(data, "line", 1)),
            None,
            None,
            "题库文件的顶层应是题目列表（每道题以“- id: …”开头）",
        )
        return [], problems.items
    questions: list[Question] = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, LineDict):
            problems.add(
                Location(path, None), None, None, f"第 {n} 项不是题目（应为若干“字段: 值”）"
            )
            continue
        locate = locator(path, item)
        for key, line in item.duplicate_keys:
            problems.add(Location(path, line), item.get("id"), key, f"字段 {key} 在本题中写了两次")
        q, found = parse_question(item, locate)
        problems.extend(found)
        if q is not None:
            questions.append(q)
    return questions, problems.items


def check_questions(
    questions: list[Question], threshold: float | None = DEFAULT_THRESHOLD
) -> tuple[list[Question], list[Problem]]:
    """Bank-wide rules: unique ids (naming both places) and near-duplicate warnings.

    ``threshold=None`` skips the near-duplicate search (loading a bank for use needs only ids).
    """
    problems = ProblemList()
    first: dict[str, Question] = {}
    unique: list[Question] = []
    for q in questions:
        if q.id in first:
            problems.add(
                q.origin or Location(),
                q.id,
                "id",
                f"编号重复：{first[q.id].origin} 已经使用了这个编号",
            )
            continue
        first[q.id] = q
        unique.append(q)
    if threshold is None:
        return unique, problems.items
    found = near_duplicates(unique, threshold)
    for i, j, sim in found.pairs:
        a, b = unique[i], unique[j]
        problems.add(
            b.origin or Location(),
            b.id,
            "stem",
            f"与 {a.origin}（{a.id}）的题目几乎相同（相似度 {sim:.0%}），是否重复出题？",
            "warning",
        )
    if found.stopped_at is not None:
        q = unique[found.stopped_at]
        problems.add(
            q.origin or Location(),
            q.id,
            "stem",
            f"疑似重复题检查到此停止：{len(unique)} 道题中有太多题目用字相近，已达比较次数上限；"
            f"从本题起的 {len(unique) - found.stopped_at} 道题没有检查是否重复",
            "warning",
        )
    return unique, problems.items


def check_bank(
    path: str | Path = "question_bank", *, similar: bool = True, today: date | None = None
) -> CheckResult:
    """Read and check every file of a bank; never raises for content problems, only reports them.

    Review warnings (imprecise sources, reviews missing or older than a file's ``review_every``)
    are computed against ``today`` (the real date unless given), so they are never cached.
    """
    today = today or date.today()
    files = bank_files(path)
    questions: list[Question] = []
    problems: list[Problem] = []
    shown: list[str] = []
    for f in files:
        shown_path = display_path(f)
        shown.append(shown_path)
        data = f.read_bytes()
        cached = cache.get(data, shown_path)
        if cached is not None:
            qs, found = cached
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                message = "文件不是 UTF-8 编码，请用编辑器另存为 UTF-8"
                problems.append(Problem(Location(shown_path), None, None, message))
                continue
            qs, found = parse_bank_text(text, shown_path)
            cache.put(data, shown_path, (qs, found))
        every = review_every(data.decode("utf-8", errors="replace"))
        questions.extend(qs)
        problems.extend(found)
        problems.extend(review_problems(qs, every, today))
    order = {path: i for i, path in enumerate(shown)}
    problems.sort(key=lambda p: (order.get(p.location.path or "", 0), p.location.line or 0))
    unique, found = check_questions(questions, DEFAULT_THRESHOLD if similar else None)
    problems.extend(found)
    return CheckResult(Bank.of(unique, str(path)), problems, shown)


def load_bank(path: str | Path = "question_bank") -> Bank:
    """The checked bank; raises :class:`BankError` listing every error if there is any."""
    result = check_bank(path, similar=False)
    if result.errors:
        raise BankError(f"题库有 {len(result.errors)} 处错误：", result.errors)
    return result.bank
