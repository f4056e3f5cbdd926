"""What the hidden test cell of an exam-tools nbgrader assignment runs under ``nbgrader autograde``.

It scores the member's saved responses against the key embedded in the (hidden) cell, with the same
rules as ``exam-tools grade``, and returns the points, which nbgrader takes as partial credit.
Several attempts are combined by the assessment's grading method (:func:`counted_attempts`,
:func:`choose`): the same functions ``exam-tools grade`` uses. It
never raises: a missing or damaged file scores what can be read (nothing = 0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from exam_tools.course.key import MultipleRule, key_from_compact, score_item
from exam_tools.course.model import Grading
from exam_tools.course.paper import read_paper
from exam_tools.errors import ExamToolsError
from exam_tools.quiz.store import answer_problem, read_responses


def given(value: Any) -> bool:
    """Whether an answer says anything (a blank text or a list of blanks does not)."""
    if isinstance(value, list):
        return any(given(v) for v in value)
    return value is not None and value != ""


def answered(attempt: Mapping[str, Any]) -> bool:
    """Whether the attempt answers at least one question."""
    return any(given(v) for v in answers_of(attempt).values())


def counted_attempts(responses: Any) -> list[Mapping[str, Any]]:
    """The attempts a grading method chooses among, in order: those that answer a question (all,
    if every one is empty: issue 17 item 1), and of those the ones handed in (all, if none was).

    ``exam-tools grade`` uses this too, so both graders always score the same attempts."""
    attempts = responses.get("attempts") if isinstance(responses, Mapping) else None
    if not isinstance(attempts, list):
        return []
    attempts = [a for a in attempts if isinstance(a, Mapping)]
    pool = [a for a in attempts if answered(a)] or attempts
    return [a for a in pool if a.get("submitted_at")] or pool


def choose(scores: Sequence[float], method: Grading | str) -> tuple[int, float]:
    """(index of the attempt whose answers stand for the result, the score) among the counted
    attempts' ``scores`` (at least one). highest: the best (the earliest of equals); first, last:
    that one; average: the mean of all, with the best attempt's answers standing for it."""
    if not scores:
        raise ValueError("no attempt to grade")
    method = Grading(method)
    if method is Grading.FIRST:
        return 0, scores[0]
    if method is Grading.LAST:
        return len(scores) - 1, scores[-1]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    if method is Grading.HIGHEST:
        return best, scores[best]
    return best, round(sum(scores) / len(scores), 4)


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
    paper_file: str,
    compact_key: Mapping[str, Any],
    multiple: str = "all-or-nothing",
    grading: str | None = None,
) -> float:
    """Points of the saved responses to ``paper_file`` (0.0 when there are none), the attempts
    combined by ``grading`` (the assignment's method, written in the hidden cell; without it, as
    the paper says: files from before issue 17 say nothing, which is highest)."""
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
    try:
        method = Grading(grading) if grading else paper.grading
    except ValueError:
        method = paper.grading
    rule = MultipleRule(multiple)

    def total(attempt: Mapping[str, Any]) -> float:
        answers = answers_of(attempt)
        return round(
            sum(
                score_item(key[i.n], answers.get(i.n), rule).score
                for i in paper.items
                if answer_problem(i.type, answers.get(i.n)) is None
            ),
            4,
        )

    attempts = counted_attempts(responses)
    if not attempts:
        return 0.0
    return round(choose([total(a) for a in attempts], method)[1], 4)
