"""The question model: an immutable, validated question and the bank that holds them.

A :class:`Question` is only ever built by :func:`exam_tools.bank.validate.parse_question`, which
checks a raw mapping (as written in YAML, or produced by an importer) and normalises it. Its
``to_dict`` gives back the canonical YAML mapping, so ``parse(to_dict(q)) == q`` for every question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from exam_tools.errors import Location


class QType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    JUDGE = "judge"
    FILL = "fill"
    SHORT = "short"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]

    @property
    def is_choice(self) -> bool:
        return self in (QType.SINGLE, QType.MULTIPLE)


TYPE_LABELS: dict[QType, str] = {
    QType.SINGLE: "单选",
    QType.MULTIPLE: "多选",
    QType.JUDGE: "判断",
    QType.FILL: "填空",
    QType.SHORT: "简答",
}

DOMAINS: tuple[str, ...] = ("党章党规", "政策理论", "实用技术")
#: Domains whose questions must name their source (document and article).
SOURCED_DOMAINS: frozenset[str] = frozenset({"党章党规", "政策理论"})
TECH_DOMAIN = "实用技术"
DIFFICULTIES: tuple[str, ...] = ("简单", "中等", "困难")

DEFAULT_POINTS: dict[QType, int] = {
    QType.SINGLE: 2,
    QType.MULTIPLE: 2,
    QType.JUDGE: 1,
    QType.FILL: 2,
    QType.SHORT: 5,
}

LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)

#: The canonical blank marker of fill-in stems.
BLANK = "____"
#: A blank in a fill-in stem: three or more underscores, or empty brackets such as （ ） or ( ).
BLANK_RE = re.compile(r"_{3,}|（[ \u3000]*）|\([ \u3000]*\)")

#: The tag of a 案例 question: one place's practice from a case report (a town's approval
#: thresholds, who serves as its 总网格长), not a rule that holds everywhere. Practice and lessons
#: use such questions; draw rules leave them out unless they ask for them.
CASE_TAG = "案例"

#: The value of ``review`` for a question awaiting review against a revised text.
REVIEW_PENDING = "pending"

#: Separators between several tags in one spreadsheet cell; so tags may not contain them.
TAG_SEPARATORS = ",，;；、"

#: Single letter (single), letters (multiple), truth (judge), blanks with alternatives (fill),
#: reference text (short).
Answer = str | bool | tuple[str, ...] | tuple[tuple[str, ...], ...]


def count_blanks(stem: str) -> int:
    return len(BLANK_RE.findall(stem))


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QType
    domain: str
    difficulty: str
    stem: str
    answer: Answer
    explanation: str
    points: float
    options: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    technology: str | None = None
    source: str | None = None
    keywords: tuple[tuple[str, ...], ...] = ()
    #: The date (YYYY-MM-DD) the question was last checked against its source. Editorial: only
    #: the YAML bank keeps it (exchange formats do not), so it takes no part in equality.
    reviewed: str | None = field(default=None, compare=False)
    #: A note for authors and reviewers (what could not be confirmed, and why); members never see
    #: it. Editorial, like ``reviewed``.
    note: str | None = field(default=None, compare=False)
    #: ``"pending"``: the question awaits review against a revised text (its ``note`` says why).
    #: Exams leave it out by default, as they do 案例 questions; practice may draw it. Editorial.
    review: str | None = field(default=None, compare=False)
    origin: Location | None = field(default=None, compare=False, repr=False)

    @property
    def case(self) -> bool:
        """A 案例 question (tagged 案例): it asks one place's practice, not a rule for everywhere."""
        return CASE_TAG in self.tags

    @property
    def pending(self) -> bool:
        """Awaiting review (``review: pending``): left out of exam draws unless a rule asks."""
        return self.review == REVIEW_PENDING

    # ---- typed views of the answer -------------------------------------------------------
    @property
    def correct_letters(self) -> tuple[str, ...]:
        """Correct option letters of a choice question (empty for other types)."""
        if self.type is QType.SINGLE:
            assert isinstance(self.answer, str)
            return (self.answer,)
        if self.type is QType.MULTIPLE:
            assert isinstance(self.answer, tuple)
            return tuple(str(a) for a in self.answer)
        return ()

    @property
    def correct_indices(self) -> tuple[int, ...]:
        return tuple(LETTERS.index(x) for x in self.correct_letters)

    @property
    def truth(self) -> bool:
        if self.type is not QType.JUDGE or not isinstance(self.answer, bool):
            raise TypeError(f"{self.id} is not a judge question")
        return self.answer

    @property
    def blanks(self) -> tuple[tuple[str, ...], ...]:
        """Accepted answers per blank of a fill question."""
        if self.type is not QType.FILL or not isinstance(self.answer, tuple):
            raise TypeError(f"{self.id} is not a fill question")
        return tuple(tuple(alts) for alts in self.answer if isinstance(alts, tuple))

    @property
    def reference(self) -> str:
        if self.type is not QType.SHORT or not isinstance(self.answer, str):
            raise TypeError(f"{self.id} is not a short-answer question")
        return self.answer

    def answer_text(self) -> str:
        """The answer as a member reads it in 解析: "B", "ABD", "正确", "一年｜两名"."""
        if self.type.is_choice:
            return "".join(self.correct_letters)
        if self.type is QType.JUDGE:
            return "正确" if self.truth else "错误"
        if self.type is QType.FILL:
            return "｜".join("/".join(alts) for alts in self.blanks)
        return self.reference

    # ---- canonical YAML form -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The canonical YAML mapping, in the field order authors read it."""
        d: dict[str, Any] = {"id": self.id, "type": str(self.type), "domain": self.domain}
        if self.technology is not None:
            d["technology"] = self.technology
        d["difficulty"] = self.difficulty
        if self.tags:
            d["tags"] = list(self.tags)
        if self.source is not None:
            d["source"] = self.source
        d["stem"] = self.stem
        if self.options:
            d["options"] = list(self.options)
        d["answer"] = _answer_to_yaml(self)
        if self.keywords:
            d["keywords"] = [k[0] if len(k) == 1 else list(k) for k in self.keywords]
        if self.points != DEFAULT_POINTS[self.type]:
            d["points"] = int(self.points) if float(self.points).is_integer() else self.points
        if self.explanation:  # an imported question may still lack its 解析
            d["explanation"] = self.explanation
        if self.reviewed is not None:
            d["reviewed"] = self.reviewed
        if self.review is not None:
            d["review"] = self.review
        if self.note is not None:
            d["note"] = self.note
        return d


def _answer_to_yaml(q: Question) -> Any:
    if q.type is QType.MULTIPLE:
        return list(q.correct_letters)
    if q.type is QType.FILL:
        return [alts[0] if len(alts) == 1 else list(alts) for alts in q.blanks]
    return q.answer


@dataclass(frozen=True)
class Bank:
    """A checked question bank: questions in file order, indexed by id."""

    questions: tuple[Question, ...]
    root: str | None = None
    _by_id: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, questions: tuple[Question, ...] | list[Question], root: str | None = None) -> Bank:
        qs = tuple(questions)
        return cls(qs, root, {q.id: q for q in qs})

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __contains__(self, qid: object) -> bool:
        return qid in self._by_id

    def __getitem__(self, qid: str) -> Question:
        return self._by_id[qid]

    def get(self, qid: str) -> Question | None:
        return self._by_id.get(qid)
