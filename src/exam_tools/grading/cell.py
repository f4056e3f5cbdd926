"""What the hidden test cell of an exam-tools nbgrader assignment runs under ``nbgrader autograde``.

It scores the member's saved responses against the key embedded in the (hidden) cell, with the same
rules as ``exam-tools grade``, and returns the points, which nbgrader takes as partial credit. It
never raises: a missing or damaged file scores what can be read (nothing = 0).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exam_tools.course.key import MultipleRule, key_from_compact, score_item
from exam_tools.course.paper import read_paper
from exam_tools.errors import ExamToolsError


def submitted_answers(responses: Any) -> dict[int, Any]:
    """The answers of the last attempt in a responses file's data ({} if there is none)."""
    attempts = responses.get("attempts") if isinstance(responses, Mapping) else None
    if not isinstance(attempts, list) or not attempts or not isinstance(attempts[-1], Mapping):
        return {}
    answers = attempts[-1].get("answers")
    if not isinstance(answers, Mapping):
        return {}
    out: dict[int, Any] = {}
    for n, value in answers.items():
        try:
            out[int(n)] = value
        except (TypeError, ValueError):
            continue
    return out


def score_saved(
    paper_file: str, compact_key: Mapping[str, Any], multiple: str = "all-or-nothing"
) -> float:
    """Total points of the saved responses to ``paper_file`` (0.0 when there are none)."""
    path = Path(paper_file)
    try:
        paper = read_paper(path)
        key = key_from_compact(paper, compact_key)
    except ExamToolsError:
        return 0.0
    responses_file = path.with_name(f"{path.stem}.responses.json")
    try:
        responses = json.loads(responses_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        responses = {}
    if not isinstance(responses, Mapping) or responses.get("paper") != paper.id:
        return 0.0
    answers = submitted_answers(responses)
    rule = MultipleRule(multiple)
    total = sum(score_item(key[i.n], answers.get(i.n), rule).score for i in paper.items)
    return round(total, 4)
