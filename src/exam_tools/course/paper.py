"""Papers: the questions one member answers, drawn from the bank by an assessment's rules.

A paper is what a member receives, so it holds **no answer key**: no answers, no 解析, no keywords.
Each item records the bank question it came from (``qid``), the order its options are shown in
(``order``) and a fingerprint of the question's text, so the instructor side can rebuild the key
from the bank (:mod:`exam_tools.course.key`) and notice a question edited since.

Drawing is pure and seeded: the same (course, assessment, member, seed) always gives the same paper.
It needs only the keyless fields of a question (:class:`~exam_tools.course.model.Drawable`), so a
member's kernel can draw its own variant from a keyless pool.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any

from exam_tools.bank.model import LETTERS, QType, count_blanks
from exam_tools.course.model import (
    GRADING_NAMES,
    Assessment,
    Course,
    Drawable,
    DrawRule,
    Grading,
    Mode,
)
from exam_tools.errors import Location, PaperError, Problem

PAPER_FORMAT = "exam-tools/paper"
PAPER_VERSION = 1


@lru_cache(maxsize=4096)  # the same questions recur on every member's paper
def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def fingerprint(stem: str, options: Iterable[str]) -> str:
    """A short digest of what a member reads (stem and options, bank order); no answer in it."""
    return _fingerprint("\x1f".join((stem, *options)))


@dataclass(frozen=True, slots=True)
class PaperItem:
    n: int  # 1-based position on the paper
    qid: str
    type: QType
    stem: str
    options: tuple[str, ...]  # in the order shown
    order: tuple[int, ...]  # order[i] = bank index of the option shown i-th
    blanks: int
    points: float
    fingerprint: str

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"n": self.n, "qid": self.qid, "type": self.type.value}
        d["stem"] = self.stem
        if self.options:
            d["options"] = list(self.options)
            d["order"] = list(self.order)
        if self.type is QType.FILL:
            d["blanks"] = self.blanks
        d["points"] = self.points
        d["fingerprint"] = self.fingerprint
        return d


@dataclass(frozen=True, slots=True)
class Paper:
    id: str
    course: str
    course_title: str
    assessment: str
    title: str
    mode: Mode
    items: tuple[PaperItem, ...]
    member: str | None = None
    seed: int = 0
    time_limit: int | None = None  # minutes
    attempts: int | None = 1  # None = unlimited
    pass_percent: float = 60.0
    grading: Grading = Grading.HIGHEST  # which attempts make the score (files without it: highest)

    @property
    def total_points(self) -> float:
        return sum(i.points for i in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def item(self, n: int) -> PaperItem:
        return self.items[n - 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PAPER_FORMAT,
            "version": PAPER_VERSION,
            "id": self.id,
            "course": self.course,
            "course_title": self.course_title,
            "assessment": self.assessment,
            "title": self.title,
            "mode": self.mode.value,
            "member": self.member,
            "seed": self.seed,
            "time_limit": self.time_limit,
            "attempts": self.attempts,
            "grading": self.grading.value,
            "pass_percent": self.pass_percent,
            "total_points": self.total_points,
            "items": [i.to_dict() for i in self.items],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "paper.json") -> Paper:
        def bad(message: str, item: int | None = None) -> PaperError:
            loc = Location(where, item=item)
            return PaperError(
                f"{where} 不是有效的试卷：{message}", [Problem(loc, None, None, message)]
            )

        if not isinstance(d, Mapping) or d.get("format") != PAPER_FORMAT:
            raise bad(
                f"缺少 format: {PAPER_FORMAT}（这是用 exam-tools paper build 生成的文件吗？）"
            )
        if d.get("version") != PAPER_VERSION:
            raise bad(
                f"版本 {d.get('version')} 不受支持（应为 {PAPER_VERSION}），请升级 exam-tools"
            )
        try:
            items = []
            for n, raw in enumerate(d["items"], 1):
                try:
                    qtype = QType(raw["type"])
                    options = tuple(str(o) for o in raw.get("options", ()))
                    item = PaperItem(
                        n=n,
                        qid=str(raw["qid"]),
                        type=qtype,
                        stem=str(raw["stem"]),
                        options=options,
                        order=tuple(int(i) for i in raw.get("order", range(len(options)))),
                        blanks=int(raw.get("blanks", 0)) if qtype is QType.FILL else 0,
                        points=float(raw["points"]),
                        fingerprint=str(raw.get("fingerprint", "")),
                    )
                except (KeyError, TypeError, ValueError) as exc:
                    raise bad(f"第 {n} 题缺少或写错了字段 {exc}", n) from None
                if sorted(item.order) != list(range(len(options))):
                    raise bad(f"第 {n} 题的选项顺序 order 不对", n)
                items.append(item)
            limit = d.get("time_limit")
            attempts = d.get("attempts")
            return cls(
                id=str(d["id"]),
                course=str(d["course"]),
                course_title=str(d.get("course_title", d["course"])),
                assessment=str(d["assessment"]),
                title=str(d["title"]),
                mode=Mode(d["mode"]),
                items=tuple(items),
                member=None if d.get("member") is None else str(d["member"]),
                seed=int(d.get("seed", 0)),
                time_limit=None if limit is None else int(limit),
                attempts=None if attempts is None else int(attempts),
                pass_percent=float(d.get("pass_percent", 60.0)),
                grading=GRADING_NAMES[str(d.get("grading") or "highest")],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"缺少或写错了字段 {exc}") from None


def read_json_file(path: Path, what: str) -> Any:
    """A JSON file a member or instructor was given (``what``: 试卷, 考试文件 …); PaperError if bad."""
    try:
        return json.loads(path.read_bytes())  # bytes: UTF-8 decoded by json, faster than read_text
    except FileNotFoundError:
        raise PaperError(f"找不到{what}：{path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # deep nesting too
        raise PaperError(f"{path} 不是有效的{what}（JSON 格式错误：{exc}）") from None


def read_paper(path: str | Path) -> Paper:
    path = Path(path)
    return Paper.from_dict(read_json_file(path, "试卷"), str(path))


# ---- drawing --------------------------------------------------------------------------------


def paper_rng(course: str, assessment: str, member: str | None, seed: int) -> random.Random:
    """The random stream of one paper; independent of Python's hash seed and of the platform."""
    key = f"{course}\x1f{assessment}\x1f{member or ''}\x1f{seed}".encode()
    return random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))


def _left_out_cases(rule: DrawRule, questions: list[Drawable], matching: int) -> str:
    """A hint when 案例 questions, left out by default, would have matched ``rule``."""
    if rule.case_filter != "exclude":
        return ""
    left_out = len(replace(rule, case="include").select(questions)) - matching
    if not left_out:
        return ""
    return f"（另有 {left_out} 道案例题默认不抽；确要抽时在规则中写 case: include）"


def _left_out_pending(rule: DrawRule, questions: list[Drawable], matching: int) -> str:
    """A hint when questions awaiting review, left out of exams by default, would have matched."""
    if rule.review == "include":
        return ""
    left_out = len(replace(rule, review="include").select(questions)) - matching
    if not left_out:
        return ""
    return f"（另有 {left_out} 道待复核题考试默认不抽；复核后去掉 review: pending）"


def draw_questions(
    bank: Iterable[Drawable],
    course: Course,
    assessment: Assessment,
    *,
    member: str | None,
    seed: int,
) -> list[tuple[Drawable, float]]:
    """The questions of a paper with their points, rule by rule; raises :class:`PaperError`.

    Each rule draws from the questions it matches that an earlier rule has not taken; candidates are
    taken in id order so that moving questions between bank files changes nothing.
    """
    rng = paper_rng(course.id, assessment.id, member if assessment.variants else None, seed)
    questions = list(bank)
    taken: set[str] = set()
    drawn: list[tuple[Drawable, float]] = []
    for j, rule in enumerate(assessment.rules, 1):
        matching = rule.select(questions)
        candidates = [q for q in matching if q.id not in taken] if taken else matching
        candidates.sort(key=attrgetter("id"))
        if len(candidates) < rule.count:
            taken_here = len(matching) - len(candidates)
            overlap = f"（其中 {taken_here} 道已被前面的规则抽走）" if taken_here else ""
            cases = _left_out_cases(rule, questions, len(matching))
            cases += _left_out_pending(rule, questions, len(matching))
            message = (
                f"抽题规则（{rule.describe()}）需要 {rule.count} 道题，"
                f"题库中只有 {len(candidates)} 道符合{overlap}；请减少 count 或放宽条件{cases}"
            )
            where = f"{course.id}/{assessment.id} 第{j}条规则"
            loc = Location(course.path or "course.yaml", rule.line)
            raise PaperError(
                f"无法为“{course.title}”的考核“{assessment.title}”组卷：",
                [Problem(loc, where, "count", message)],
            )
        chosen = rng.sample(candidates, rule.count)
        if not assessment.shuffle_questions:
            chosen.sort(key=attrgetter("id"))
        for q in chosen:
            taken.add(q.id)
            drawn.append((q, rule.points if rule.points is not None else q.points))
    if assessment.shuffle_questions:
        rng.shuffle(drawn)
    return drawn


def build_paper(
    bank: Iterable[Drawable],
    course: Course,
    assessment: Assessment,
    *,
    member: str | None = None,
    seed: int = 0,
) -> Paper:
    """Draw a member's paper (pure); different members differ only if the assessment has variants."""
    drawn = draw_questions(bank, course, assessment, member=member, seed=seed)
    return assemble_paper(drawn, course, assessment, member=member, seed=seed)


def assemble_paper(
    drawn: Iterable[tuple[Drawable, float]],
    course: Course,
    assessment: Assessment,
    *,
    member: str | None = None,
    seed: int = 0,
) -> Paper:
    """A paper of the questions given, in that order, with options shuffled as the assessment asks."""
    rng = paper_rng(
        course.id, assessment.id + "/options", member if assessment.variants else None, seed
    )
    items = []
    for n, (q, points) in enumerate(drawn, 1):
        order = list(range(len(q.options)))
        if assessment.shuffle_options and q.type.is_choice:
            rng.shuffle(order)
        items.append(
            PaperItem(
                n=n,
                qid=q.id,
                type=q.type,
                stem=q.stem,
                options=tuple(q.options[i] for i in order),
                order=tuple(order),
                blanks=count_blanks(q.stem) if q.type is QType.FILL else 0,
                points=points,
                fingerprint=fingerprint(q.stem, q.options),
            )
        )
    digest = hashlib.sha256(
        json.dumps([i.to_dict() for i in items], ensure_ascii=False).encode()
    ).hexdigest()[:10]
    return Paper(
        id=f"{course.id}.{assessment.id}.{digest}",
        course=course.id,
        course_title=course.title,
        assessment=assessment.id,
        title=assessment.title,
        mode=assessment.mode,
        items=tuple(items),
        member=member,
        seed=seed,
        time_limit=assessment.time_limit,
        attempts=assessment.attempts,
        pass_percent=assessment.pass_percent,
        grading=assessment.grading,
    )
