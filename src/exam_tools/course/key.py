"""The answer key of a paper, and the scoring rules that compare a response with it.

Instructor side only (and practice, where showing the answer is the point): the key is rebuilt from
the bank and the paper, in the paper's terms, i.e. with option letters as the member saw them.
Nothing on the member's side of an exam imports this module.

Responses are data, never code:

=========  ================================  ==========================================
type       response                          scoring
=========  ================================  ==========================================
single     ``"B"``                           all or nothing
multiple   ``["A", "C"]``                    all or nothing, or ``partial`` (see below)
judge      ``true`` / ``false``              all or nothing
fill       ``["一年", "两名"]`` (per blank)   per blank; full/half width and spaces ignored
short      ``"text"``                        keyword share as a *suggestion*; graded by hand
=========  ================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from exam_tools.bank.model import LETTERS, QType, Question
from exam_tools.bank.validate import normalize_text
from exam_tools.course.paper import Paper, PaperItem, fingerprint
from exam_tools.course.verdict import Verdict
from exam_tools.errors import Location, PaperError, Problem


class MultipleRule(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    PARTIAL = "partial"  # each right option chosen earns a share; any wrong option earns zero


@dataclass(frozen=True, slots=True)
class KeyItem:
    n: int
    qid: str
    type: QType
    points: float
    answer: Any  # in paper terms: "B", ("A", "C"), True, (("一年", "1年"), ...), "reference"
    explanation: str
    source: str | None
    keywords: tuple[tuple[str, ...], ...] = ()

    def answer_text(self, options: tuple[str, ...] = ()) -> str:
        """The correct answer as a member reads it, e.g. ``B. 一年`` or ``正确``."""
        if self.type is QType.SINGLE:
            i = LETTERS.index(self.answer)
            return f"{self.answer}. {options[i]}" if options else str(self.answer)
        if self.type is QType.MULTIPLE:
            if options:
                return "；".join(f"{x}. {options[LETTERS.index(x)]}" for x in self.answer)
            return "".join(self.answer)
        if self.type is QType.JUDGE:
            return "正确" if self.answer else "错误"
        if self.type is QType.FILL:
            return "；".join(
                f"第{i}空：{' 或 '.join(alts)}" for i, alts in enumerate(self.answer, 1)
            )
        return str(self.answer)


@dataclass(frozen=True, slots=True)
class AnswerKey:
    paper_id: str
    items: tuple[KeyItem, ...]

    def __getitem__(self, n: int) -> KeyItem:
        return self.items[n - 1]

    def check(
        self, n: int, response: Any, rule: MultipleRule = MultipleRule.ALL_OR_NOTHING
    ) -> Verdict:
        return score_item(self[n], response, rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": "exam-tools/answer-key",
            "paper": self.paper_id,
            "items": [
                {
                    "n": k.n,
                    "qid": k.qid,
                    "type": k.type.value,
                    "answer": list(map(list, k.answer))
                    if k.type is QType.FILL
                    else (list(k.answer) if k.type is QType.MULTIPLE else k.answer),
                    "points": k.points,
                    "explanation": k.explanation,
                    "source": k.source,
                }
                for k in self.items
            ],
        }


def bank_answer(q: Question) -> Any:
    """A question's answer in bank terms, as JSON data (for a key embedded in a notebook)."""
    if q.type is QType.SINGLE:
        return q.correct_letters[0]
    if q.type is QType.MULTIPLE:
        return list(q.correct_letters)
    if q.type is QType.FILL:
        return [list(alts) for alts in q.blanks]
    return q.answer


def _key_item(item: PaperItem, qtype: QType, answer: Any, **extra: Any) -> KeyItem:
    """The key of one paper item from the bank's answer, with letters as the member saw them."""
    if qtype is QType.SINGLE:
        answer = LETTERS[item.order.index(LETTERS.index(answer))]
    elif qtype is QType.MULTIPLE:
        answer = tuple(sorted(LETTERS[item.order.index(LETTERS.index(x))] for x in answer))
    elif qtype is QType.FILL:
        answer = tuple(tuple(alts) for alts in answer)
    return KeyItem(n=item.n, qid=item.qid, type=qtype, points=item.points, answer=answer, **extra)


def answer_key(paper: Paper, bank: Mapping[str, Question] | Iterable[Question]) -> AnswerKey:
    """The key of ``paper`` from the bank; raises :class:`PaperError` if a question is gone or
    its text changed since the paper was built (the paper would no longer match the key)."""
    by_id = bank if isinstance(bank, Mapping) else {q.id: q for q in bank}
    problems = []
    items = []
    for item in paper.items:
        q = by_id.get(item.qid)
        if q is None:
            message = f"题库中已没有这道题（{item.qid}）"
        elif q.type is not item.type or len(q.options) != len(item.options):
            message = f"题目 {item.qid} 的题型或选项数已改变"
        elif item.fingerprint and fingerprint(q.stem, q.options) != item.fingerprint:
            message = f"题目 {item.qid} 的题干或选项在组卷后被修改过"
        else:
            items.append(
                _key_item(
                    item,
                    q.type,
                    bank_answer(q),
                    explanation=q.explanation,
                    source=q.source,
                    keywords=q.keywords,
                )
            )
            continue
        problems.append(Problem(Location(paper.id, item=item.n), item.qid, None, message))
    if problems:
        raise PaperError(f"试卷 {paper.id} 与题库不一致，无法生成答案", problems)
    return AnswerKey(paper.id, tuple(items))


def compact_key(questions: Iterable[Question]) -> dict[str, Any]:
    """Answers by question id, as JSON data: what an nbgrader hidden test cell embeds."""
    return {q.id: {"type": q.type.value, "answer": bank_answer(q)} for q in questions}


def key_from_compact(paper: Paper, compact: Mapping[str, Any]) -> AnswerKey:
    """The key of ``paper`` from :func:`compact_key` data (no 解析: for scoring only)."""
    items = []
    for item in paper.items:
        entry = compact.get(item.qid)
        if entry is None or entry.get("type") != item.type.value:
            raise PaperError(f"答案中没有第 {item.n} 题（{item.qid}）")
        items.append(_key_item(item, item.type, entry["answer"], explanation="", source=None))
    return AnswerKey(paper.id, tuple(items))


# ---- scoring --------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return normalize_text(text).casefold()


def _letters(response: Any) -> tuple[str, ...] | None:
    if isinstance(response, str):
        response = list(response.replace(",", "").replace(" ", ""))
    if not isinstance(response, list | tuple) or not all(isinstance(x, str) for x in response):
        return None
    return tuple(sorted({x.strip().upper() for x in response if x.strip()}))


def is_answered(qtype: QType, response: Any) -> bool:
    if response is None:
        return False
    if qtype is QType.JUDGE:
        return isinstance(response, bool)
    if qtype is QType.MULTIPLE:
        return bool(_letters(response))
    if qtype is QType.FILL:
        return isinstance(response, list | tuple) and any(
            isinstance(x, str) and x.strip() for x in response
        )
    return isinstance(response, str) and bool(response.strip())


def score_item(
    key: KeyItem, response: Any, rule: MultipleRule = MultipleRule.ALL_OR_NOTHING
) -> Verdict:
    """Score one response against its key item. A malformed response scores zero, never raises."""
    answered = is_answered(key.type, response)
    full = key.points

    def verdict(score: float, correct: bool | None, manual: bool = False) -> Verdict:
        return Verdict(key.n, round(score, 4), full, correct, answered, manual)

    if not answered:
        return verdict(0.0, False)
    if key.type is QType.SINGLE:
        ok = isinstance(response, str) and response.strip().upper() == key.answer
        return verdict(full if ok else 0.0, ok)
    if key.type is QType.JUDGE:
        return verdict(full if response is key.answer else 0.0, response is key.answer)
    if key.type is QType.MULTIPLE:
        chosen = _letters(response) or ()
        right = set(key.answer)
        if set(chosen) == right:
            return verdict(full, True)
        if rule is MultipleRule.PARTIAL and set(chosen) <= right:
            return verdict(full * len(chosen) / len(right), False)
        return verdict(0.0, False)
    if key.type is QType.FILL:
        given = list(response)[: len(key.answer)]
        hits = sum(
            1
            for alts, text in zip(key.answer, given, strict=False)
            if isinstance(text, str) and _norm(text) in {_norm(a) for a in alts}
        )
        return verdict(full * hits / len(key.answer), hits == len(key.answer))
    # short: a suggestion from the keywords found; a person decides
    text = _norm(response)
    if not key.keywords:
        return verdict(0.0, None, manual=True)
    found = sum(1 for group in key.keywords if any(_norm(k) in text for k in group))
    return verdict(full * found / len(key.keywords), None, manual=True)
