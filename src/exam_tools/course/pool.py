"""The keyless exam spec: an assessment plus every question its rules may draw, without answers.

``exam-tools assign`` writes it into an nbgrader assignment; every member fetches the same release
and the quiz draws that member's own paper from it in the member's kernel (``variants``). It holds
what a member may read anyway (stems and options) and nothing else: no answer, 解析 or keywords.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exam_tools.bank.model import CASE_TAG, QType
from exam_tools.course.model import (
    CASE_FILTERS,
    GRADING_NAMES,
    REVIEW_FILTERS,
    Assessment,
    Course,
    Drawable,
    DrawRule,
    Mode,
)
from exam_tools.errors import PaperError

SPEC_FORMAT = "exam-tools/exam"


@dataclass(frozen=True, slots=True)
class PublicQuestion:
    """A question as a member may see it: everything drawing needs, no answer."""

    id: str
    type: QType
    domain: str
    difficulty: str
    stem: str
    points: float
    options: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    technology: str | None = None
    source: str | None = None
    pending: bool = False  # awaiting review: only in a pool whose rules include such questions

    @property
    def case(self) -> bool:
        return CASE_TAG in self.tags

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": self.type.value, "domain": self.domain}
        d["difficulty"] = self.difficulty
        d["stem"] = self.stem
        d["points"] = self.points
        if self.options:
            d["options"] = list(self.options)
        if self.tags:
            d["tags"] = list(self.tags)
        if self.technology:
            d["technology"] = self.technology
        if self.source:
            d["source"] = self.source
        if self.pending:
            d["review"] = "pending"
        return d

    @classmethod
    def of(cls, q: Drawable, tags: frozenset[str] | None = None) -> PublicQuestion:
        """``tags``: the only tags the member may see (None: all of them)."""
        kept = q.tags if tags is None else tuple(t for t in q.tags if t in tags)
        return cls(
            q.id, q.type, q.domain, q.difficulty, q.stem, q.points, q.options, kept,
            q.technology, q.source, q.pending,
        )  # fmt: skip


def _rule_dict(rule: DrawRule) -> dict[str, Any]:
    d: dict[str, Any] = {"count": rule.count}
    for name in ("domain", "technology", "points"):
        if getattr(rule, name) is not None:
            d[name] = getattr(rule, name)
    if rule.type is not None:
        d["type"] = rule.type.value
    if rule.case != "exclude":
        d["case"] = rule.case
    if rule.review != "exclude":
        d["review"] = rule.review
    for name in ("tags", "difficulty", "source"):
        if getattr(rule, name):
            d[name] = list(getattr(rule, name))
    return d


def exam_spec(bank: Iterable[Drawable], course: Course, assessment: Assessment, seed: int) -> str:
    """The keyless spec (JSON text) of ``assessment``: its settings and its candidate questions."""
    questions = list(bank)
    # a question's knowledge points are released only where a rule draws by them (and 案例):
    # a fill question tagged with its own answer (定干, 休药期) would hand the answer to anyone
    # who reads the released file
    drawn_by = frozenset({CASE_TAG, *(t for r in assessment.rules for t in r.tags)})
    pool: dict[str, Drawable] = {}
    for rule in assessment.rules:
        for q in rule.select(questions):
            pool.setdefault(q.id, q)
    a = assessment
    data = {
        "format": SPEC_FORMAT,
        "version": 1,
        "course": {"id": course.id, "title": course.title},
        "assessment": {
            "id": a.id, "title": a.title, "mode": a.mode.value, "pass_percent": a.pass_percent,
            "time_limit": a.time_limit, "attempts": a.attempts, "grading": a.grading.value,
            "shuffle_questions": a.shuffle_questions, "shuffle_options": a.shuffle_options,
            "variants": a.variants, "rules": [_rule_dict(r) for r in a.rules],
        },
        "seed": seed,
        "questions": [PublicQuestion.of(q, drawn_by).to_dict()
                      for q in sorted(pool.values(), key=lambda q: q.id)],
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


LAUNCHER_FORMAT = "exam-tools/service-exam"


def launcher_spec(spec: ExamSpec, exam: str) -> str:
    """What a service exam's release carries in place of the spec (issue 16): its name at the
    exam service and its titles; no question, no rule, no seed. The service holds the spec and
    hands each member their paper on 开始考试."""
    a = spec.assessment
    data = {
        "format": LAUNCHER_FORMAT, "version": 1, "exam": exam,
        "course": {"id": spec.course.id, "title": spec.course.title},
        "assessment": {"id": a.id, "title": a.title, "mode": a.mode.value},
    }  # fmt: skip
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def launcher_exam(path: str | Path) -> str | None:
    """The service exam's name if ``path`` is a launcher (:func:`launcher_spec`), else None
    (a full spec, or a file that is not there or not JSON: the caller reports those)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("format") == LAUNCHER_FORMAT:
        return str(data.get("exam") or Path(path).resolve().parent.name)
    return None


@dataclass(frozen=True)
class ExamSpec:
    course: Course
    assessment: Assessment
    seed: int
    questions: tuple[PublicQuestion, ...]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "exam.json") -> ExamSpec:
        if not isinstance(d, Mapping) or d.get("format") != SPEC_FORMAT:
            raise PaperError(f"{where} 不是 exam-tools 考试文件（缺少 format: {SPEC_FORMAT}）")
        try:
            a = d["assessment"]
            rules = tuple(
                DrawRule(
                    count=int(r["count"]),
                    domain=r.get("domain"),
                    technology=r.get("technology"),
                    tags=tuple(r.get("tags", ())),
                    type=QType(r["type"]) if r.get("type") else None,
                    difficulty=tuple(r.get("difficulty", ())),
                    source=tuple(r.get("source", ())),
                    points=r.get("points"),
                    case=_case_filter(r.get("case", "exclude")),
                    review=_filter(r.get("review", "exclude"), REVIEW_FILTERS),
                )
                for r in a["rules"]
            )
            assessment = Assessment(
                id=str(a["id"]), title=str(a["title"]), mode=Mode(a["mode"]), rules=rules,
                pass_percent=float(a["pass_percent"]), time_limit=a.get("time_limit"),
                attempts=a.get("attempts"), grading=GRADING_NAMES[str(a.get("grading") or "highest")],
                shuffle_questions=bool(a["shuffle_questions"]),
                shuffle_options=bool(a["shuffle_options"]), variants=bool(a["variants"]),
            )  # fmt: skip
            c = d["course"]
            course = Course(
                id=str(c["id"]), title=str(c["title"]), category="", lessons=(), assessments=()
            )
            questions = tuple(
                PublicQuestion(
                    id=str(q["id"]),
                    type=QType(q["type"]),
                    domain=str(q["domain"]),
                    difficulty=str(q["difficulty"]),
                    stem=str(q["stem"]),
                    points=float(q["points"]),
                    options=tuple(q.get("options", ())),
                    tags=tuple(q.get("tags", ())),
                    technology=q.get("technology"),
                    source=q.get("source"),
                    pending=q.get("review") == "pending",
                )
                for q in d["questions"]
            )
            return cls(course, assessment, int(d.get("seed", 0)), questions)
        except (KeyError, TypeError, ValueError) as exc:
            raise PaperError(f"{where} 不是有效的考试文件：缺少或写错了 {exc}") from None


def _filter(value: Any, known: Mapping[str, str]) -> str:
    if value not in known:
        raise ValueError(f"review: {value}")
    return str(value)


def _case_filter(value: Any) -> str:
    if value not in CASE_FILTERS:
        raise ValueError(f"case: {value}")
    return str(value)


def read_exam_spec(path: str | Path) -> ExamSpec:
    from exam_tools.course.paper import read_json_file

    path = Path(path)
    return ExamSpec.from_dict(read_json_file(path, "考试文件"), str(path))
