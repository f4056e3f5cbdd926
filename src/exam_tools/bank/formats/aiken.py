"""Moodle's Aiken format: single-choice questions only.

    预备党员的预备期为（ ）。
    A. 半年
    B) 一年
    ANSWER: B

Aiken has no 解析, source or metadata: imported questions are drafts to be completed (the import
says which), and only single-choice questions with one-line texts can be exported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from exam_tools.bank.formats import RawQuestion, fixed_locator
from exam_tools.bank.model import LETTERS, QType, Question
from exam_tools.bank.validate import halfwidth
from exam_tools.errors import Location, Problem
from exam_tools.fileio import decode_text

#: An option line; its letter may be full-width (Ａ．半年), its text is kept as typed.
OPTION_RE = re.compile(r"^([A-Za-zＡ-Ｚａ-ｚ])\s*[.)．、）]\s*(.*)$")
#: The answer line, matched after :func:`halfwidth` (ＡＮＳＷＥＲ：Ｂ is ANSWER:B).
ANSWER_RE = re.compile(r"^ANSWER\s*:\s*([A-Za-z])\s*$", re.IGNORECASE)


def read(data: bytes, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    stem: list[str] = []
    options: list[str] = []
    start = 0

    def fail(line: int, message: str) -> None:
        problems.append(
            Problem(Location(source_name, line), None, None, f"Aiken 格式错误：{message}")
        )

    for n, line in enumerate(decode_text(data).splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        answer = ANSWER_RE.match(halfwidth(text))
        option = OPTION_RE.match(text)
        if answer:
            if not stem or len(options) < 2:
                fail(n, "ANSWER 行之前应有题干和至少两个选项")
            else:
                raw = {"type": "single", "stem": " ".join(stem), "options": options,
                       "answer": answer.group(1).upper()}  # fmt: skip
                raws.append(RawQuestion(raw, fixed_locator(Location(source_name, start))))
            stem, options = [], []
        elif option and stem and halfwidth(option.group(1)).upper() == LETTERS[len(options) % 8]:
            options.append(option.group(2).strip())
        elif options:
            fail(n, f"选项之后应是下一个选项（{LETTERS[len(options) % 8]}. …）或 ANSWER: 行")
            stem, options = [], []
        else:
            if not stem:
                start = n
            stem.append(text)
    if stem:
        fail(start, "题目缺少 ANSWER: 行")
    return raws, problems


def unsupported(q: Question) -> str | None:
    if q.type is not QType.SINGLE:
        return f"Aiken 格式只能表达单选题，不能表达{q.type.label}题"
    if "\n" in q.stem or any("\n" in o for o in q.options):
        return "Aiken 格式的题干和选项只能各占一行"
    return None


def dump(questions: Sequence[Question]) -> bytes:
    blocks = []
    for q in questions:
        lines = [q.stem]
        lines += [f"{LETTERS[i]}. {o}" for i, o in enumerate(q.options)]
        lines.append(f"ANSWER: {q.answer}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
