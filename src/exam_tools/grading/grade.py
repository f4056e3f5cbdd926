"""Grade nbgrader submissions from their saved responses, without running any notebook.

``grade_submission`` is pure apart from reading one submission folder: it rebuilds the member's
paper from the keyless exam spec and the member's id (so an edited paper file is noticed), reads the
responses (missing, empty or damaged means unanswered, and is reported), and scores every item with
the same rules as the hidden test cell that ``nbgrader autograde`` runs. Several attempts are
combined by the assessment's grading method (highest, first, last: that attempt's items; average:
the best attempt's items, with the mean of the counted attempts as the score), leaving out attempts
that answer nothing (see :mod:`exam_tools.grading.cell`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exam_tools.course.key import MultipleRule, key_from_compact, score_item
from exam_tools.course.model import Grading
from exam_tools.course.paper import Paper, build_paper, read_json_file
from exam_tools.course.pool import ExamSpec, read_exam_spec
from exam_tools.errors import ExamToolsError, PaperError
from exam_tools.grading.assign import KEY_DIR, KEY_FORMAT, PAPER, spec_file
from exam_tools.grading.cell import answers_of, choose, counted_attempts
from exam_tools.quiz.store import MAX_RESPONSES_BYTES, answer_problem, read_responses


@dataclass(frozen=True)
class ItemResult:
    n: int
    qid: str
    type: str
    response: Any
    shown: tuple[str, ...]
    score: float
    points: float
    correct: bool | None
    manual: bool


@dataclass
class SubmissionResult:
    member: str
    assignment: str
    course: str
    assessment: str
    paper: str
    attempt: int
    submitted_at: str | None
    submitted_by: str | None
    max_score: float
    pass_percent: float
    items: list[ItemResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: the grading method's score when it is not the items' sum (average: the mean of the counted
    #: attempts, while ``items`` and ``attempt`` are those of the best one)
    combined: float | None = None

    @property
    def score(self) -> float:
        if self.combined is not None:
            return self.combined
        return round(sum(i.score for i in self.items), 4)

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 2) if self.max_score else 0.0

    @property
    def passed(self) -> bool:
        return self.percent >= self.pass_percent

    @property
    def manual_pending(self) -> int:
        return sum(1 for i in self.items if i.manual)


@dataclass(frozen=True)
class AssignmentKey:
    course: str
    assessment: str
    pass_percent: float
    multiple: MultipleRule
    total_points: float
    key: Mapping[str, Any]
    spec: ExamSpec


def read_assignment_key(course_dir: Path, name: str) -> AssignmentKey:
    path = course_dir / KEY_DIR / f"{name}.key.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PaperError(
            f"找不到作业“{name}”的答案文件 {path}；这个作业是用 exam-tools assign 生成的吗？"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PaperError(f"答案文件 {path} 已损坏：{exc}") from None
    if data.get("format") != KEY_FORMAT:
        raise PaperError(f"{path} 不是 exam-tools 作业答案文件")
    spec = read_exam_spec(spec_file(course_dir, name))
    return AssignmentKey(
        course=data["course"],
        assessment=data["assessment"],
        pass_percent=float(data["pass_percent"]),
        multiple=MultipleRule(data["multiple"]),
        total_points=float(data["total_points"]),
        key=data["key"],
        spec=spec,
    )


def _responses(folder: Path, paper: Paper, problems: list[str]) -> list[Mapping[str, Any]]:
    """The attempts the grading method chooses among (:func:`counted_attempts`); [] when there is
    nothing to grade (the reason goes to ``problems``)."""
    path = folder / f"{Path(PAPER).stem}.responses.json"
    if not path.exists():
        problems.append("没有作答记录（未作答）")
        return []
    try:
        data = read_responses(path)
    except OSError:
        problems.append("作答记录已损坏，无法读取，按未作答计")
        return []
    except ValueError as exc:
        problems.append(f"{exc}，按未作答计")
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("attempts"), list):
        problems.append("作答记录格式不对，按未作答计")
        return []
    if data.get("paper") != paper.id:
        problems.append("作答记录不属于这份试卷（被改动或拷错），按未作答计")
        return []
    problems.extend(limit_problems(data, paper))
    attempts = counted_attempts(data)
    if not attempts:
        problems.append("作答记录是空的（未作答）")
    return attempts


def limit_problems(data: Mapping[str, Any], paper: Paper, grace: float = 30.0) -> list[str]:
    """Attempts beyond the paper's limit and hand-ins after a deadline: the exam service refuses
    them at the source; found in a responses file, they are reported (issue 12)."""
    from datetime import datetime

    out = []
    attempts = [a for a in data["attempts"] if isinstance(a, Mapping)]
    if paper.attempts is not None and len(attempts) > paper.attempts:
        out.append(f"作答 {len(attempts)} 次，超过规定的 {paper.attempts} 次")
    for a in attempts:
        try:
            started = datetime.fromisoformat(str(a["started_at"])).timestamp()
            deadline = a.get("deadline")
            end = datetime.fromisoformat(str(deadline)).timestamp() if deadline else None
            done = a.get("submitted_at")
            at = datetime.fromisoformat(str(done)).timestamp() if done else None
        except (KeyError, TypeError, ValueError):
            out.append(f"第 {a.get('number', '?')} 次作答的时间无法识别")
            continue
        if paper.time_limit and end is not None and end - started > paper.time_limit * 60 + 1:
            out.append(f"第 {a.get('number', '?')} 次作答的截止时间被推后了")
            end = started + paper.time_limit * 60
        if at is not None and end is not None and at > end + grace:
            out.append(f"第 {a.get('number', '?')} 次作答在截止时间之后才交卷")
    return out


def _paper_problem(path: Path, expected: Paper) -> str | None:
    """What is wrong with the member's saved paper file, if anything."""
    if path.stat().st_size > MAX_RESPONSES_BYTES:
        return "试卷文件过大（被改动过），按应发的试卷评分"
    try:
        data = read_json_file(path, "试卷")
        if data == expected.to_dict():
            return None  # the file as the quiz wrote it (fast: no second Paper to build)
        saved = Paper.from_dict(data, str(path))
    except ExamToolsError:
        return "试卷文件已损坏，按应发的试卷评分"
    if saved != expected:
        return "试卷文件与按党员编号抽出的试卷不一致（被改动过），按应发的试卷评分"
    return None


def grade_submission(
    folder: Path, member: str, name: str, assignment: AssignmentKey
) -> SubmissionResult:
    """Score one member's submission folder (``submitted/<member>/<name>/``)."""
    spec = assignment.spec
    problems: list[str] = []
    expected = build_paper(
        spec.questions, spec.course, spec.assessment, member=member, seed=spec.seed
    )
    paper = expected
    paper_file = folder / PAPER
    if not paper_file.exists():
        problems.append("没有试卷文件（没有打开过考试），按未作答计")
    else:
        problem = _paper_problem(paper_file, expected)
        if problem:
            problems.append(problem)
    attempts = _responses(folder, paper, problems) if paper_file.exists() else []
    key = key_from_compact(paper, assignment.key)
    scored = [_score(paper, key, a, assignment.multiple) for a in attempts] or [
        _score(paper, key, {}, assignment.multiple)
    ]
    method = spec.assessment.grading
    best, combined = choose([round(sum(i.score for i in it), 4) for it, _ in scored], method)
    items, found = scored[best]
    attempt = attempts[best] if attempts else {}
    if attempt and not attempt.get("submitted_at"):
        problems.append("没有点“交卷”，按提交时的作答评分")
    problems.extend(found)
    number = attempt.get("number", 0)
    return SubmissionResult(
        member=member,
        assignment=name,
        course=assignment.course,
        assessment=assignment.assessment,
        paper=paper.id,
        attempt=number if isinstance(number, int) else 0,
        submitted_at=attempt.get("submitted_at"),
        submitted_by=attempt.get("submitted_by"),
        max_score=paper.total_points,
        pass_percent=assignment.pass_percent,
        items=items,
        problems=problems,
        combined=combined if len(scored) > 1 and method is Grading.AVERAGE else None,
    )


def _score(
    paper: Paper, key: Any, attempt: Mapping[str, Any], multiple: MultipleRule
) -> tuple[list[ItemResult], list[str]]:
    """One attempt's items, scored, and what was wrong with its answers."""
    problems: list[str] = []
    unreadable: list[str] = []
    answers = answers_of(attempt, unreadable)
    problems.extend(f"作答记录里有无法识别的题号 {n!r}" for n in unreadable)
    items = []
    for item in paper.items:
        response = answers.get(item.n)
        problem = answer_problem(item.type, response)
        if problem is not None:  # not kept: a wrong type or a huge text scores 0
            problems.append(f"第 {item.n} 题{problem}，计 0 分")
            response = None
        verdict = score_item(key[item.n], response, multiple)
        items.append(
            ItemResult(
                n=item.n,
                qid=item.qid,
                type=item.type.value,
                response=response,
                shown=tuple(str(i) for i in item.order),
                score=verdict.score,
                points=verdict.points,
                correct=verdict.correct,
                manual=verdict.manual,
            )
        )
    return items, problems


def submission_members(course_dir: Path, name: str) -> tuple[Path, list[str]]:
    """The folder holding the members' folders (``submitted/``, else ``autograded/``) and the sorted
    ids of the members who have a ``<member>/<name>/`` folder there. Names only, so a course of
    100,000 submissions costs a few megabytes, not a ``Path`` per member."""
    import os

    for root in ("submitted", "autograded"):
        base = course_dir / root
        try:
            entries = os.scandir(base)
        except OSError:  # no such folder (or unreadable): try the next
            continue
        with entries:
            found = sorted(e.name for e in entries if (base / e.name / name).is_dir())
        if found:
            return base, found
    return course_dir / "submitted", []


def submissions(course_dir: Path, name: str) -> list[tuple[str, Path]]:
    """(member, folder) of every submission of ``name``, from ``submitted/`` (or ``autograded/``)."""
    base, members = submission_members(course_dir, name)
    return [(m, base / m / name) for m in members]
