"""jupyterquiz's JSON question format (import only).

A file is a list (or ``{"questions": [...]}``) of objects such as::

    {"question": "…", "type": "multiple_choice" | "many_choice" | "string" | "numeric",
     "answers": [{"answer": "…", "correct": true, "feedback": "…"}, …]}

``multiple_choice`` becomes single choice, ``many_choice`` multiple choice, ``string`` a one-blank
fill; ``numeric`` has no counterpart in the bank and is reported. The feedback of the correct
answers becomes the 解析 when there is one.
"""

from __future__ import annotations

import json
from typing import Any

from exam_tools.bank.formats import RawQuestion, fixed_locator
from exam_tools.bank.model import BLANK, LETTERS
from exam_tools.errors import FormatError, Location, Problem
from exam_tools.fileio import decode_text

TYPES = {"multiple_choice": "single", "many_choice": "multiple", "string": "fill"}


def read(data: bytes, source_name: str) -> tuple[list[RawQuestion], list[Problem]]:
    try:
        doc = json.loads(decode_text(data))
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"JSON 格式错误：{exc.msg}", location=Location(source_name, exc.lineno)
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("questions"), list):
        doc = doc["questions"]
    if not isinstance(doc, list):
        raise FormatError(f"{source_name} 不是 jupyterquiz 题目列表（顶层应为 [ … ]）")
    raws: list[RawQuestion] = []
    problems: list[Problem] = []
    for n, item in enumerate(doc, 1):
        loc = Location(source_name, item=n)
        try:
            raws.append(RawQuestion(_question(item), fixed_locator(loc)))
        except ValueError as exc:
            problems.append(Problem(loc, None, None, str(exc)))
    return raws, problems


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _question(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ValueError("题目应为 JSON 对象 { … }")
    kind = item.get("type")
    if kind == "numeric":
        raise ValueError("jupyterquiz 的数值题（numeric）在题库中没有对应题型")
    if not isinstance(kind, str) or kind not in TYPES:
        raise ValueError(f"未知的 jupyterquiz 题型：{kind!r}（支持 {'、'.join(TYPES)}）")
    stem = _text(item.get("question"))
    answers = item.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, dict) for a in answers):
        raise ValueError("answers 应为对象列表")
    texts = [_text(a.get("answer", a.get("code"))) for a in answers]
    correct = [i for i, a in enumerate(answers) if a.get("correct") is True]
    feedback = [_text(a.get("feedback")) for i, a in enumerate(answers) if i in correct]
    raw: dict[str, Any] = {"type": TYPES[kind], "stem": stem}
    if kind == "string":
        raw["stem"] = stem if BLANK in stem else stem + BLANK
        raw["answer"] = [[t for i, t in enumerate(texts) if i in correct and t]]
    else:
        raw["options"] = texts
        letters = [LETTERS[i] for i in correct if i < len(LETTERS)]
        raw["answer"] = letters[0] if kind == "multiple_choice" and len(letters) == 1 else letters
    explanation = "\n".join(f for f in feedback if f)
    if explanation:
        raw["explanation"] = explanation
    return raw
