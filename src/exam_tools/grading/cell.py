"""What the hidden test cell of an exam-tools nbgrader assignment runs under ``nbgrader autograde``.

It scores the member's saved responses against the key embedded in the (hidden) cell, with the same
rules as ``exam-tools grade``, and returns the points, which nbgrader takes as partial credit. It
never raises: a missing or damaged file scores what can be read (nothing = 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exam_tools.course.key import MultipleRule, key_from_compact, score_item
from exam_tools.course.paper import read_paper
from exam_tools.errors import ExamToolsError
from exam_tools.quiz.store import answer_problem, read_responses


def attempt_to_grade(responses: Any) -> Mapping[str, Any] | None:
    """The attempt that counts: the last one submitted, else the last one (None if none).

    ``exam-tools grade`` uses this too, so both graders always score the same attempt."""
    attempts = responses.get("attempts") if isinstance(responses, Mapping) else None
    if not isinstance(attempts, list):
        return None
    attempts = [a for a in attempts if isinstance(a, Mapping)]
    done = [a for a in attempts if a.get("submitted_at")]
    return done[-1] if done else (attempts[-1] if attempts else None)


def answers_of(attempt: Mapping[str, Any], unreadable: list[str] | None = None) -> dict[int, Any]:
    """The attempt's answers by question number; numbers that are not numbers go to ``unreadable``."""
    answers = attempt.get("answers")
    out: dict[int, Any] = {}
    if isinstance(answers, Mapping):
        for n, value in answers.items():
            try:
                out[int(n)] = value
            except (TypeError, ValueError):
                if unreadable is not None:
                    unreadable.append(str(n))
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
        responses = read_responses(responses_file)
    except (OSError, ValueError):
        responses = {}
    if not isinstance(responses, Mapping) or responses.get("paper") != paper.id:
        return 0.0
    attempt = attempt_to_grade(responses)
    answers = answers_of(attempt) if attempt is not None else {}
    rule = MultipleRule(multiple)
    total = sum(
        score_item(key[i.n], answers.get(i.n), rule).score
        for i in paper.items
        if answer_problem(i.type, answers.get(i.n)) is None
    )
    return round(total, 4)
