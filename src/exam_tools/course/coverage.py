"""Whether an assessment's pool is deep enough for papers to differ, and practice apart from exams.

Two warnings, given by ``exam-tools course check`` and ``exam-tools bank check``:

* an exam rule whose pool is under :data:`POOL_FACTOR` times the questions it draws: every attempt
  and every member gets nearly the same paper. The pool of a rule is what it can draw from as the
  draw does: its matching questions (案例 and questions awaiting review left out unless the rule
  includes them) less those earlier rules of the same assessment may already have taken (at most
  their ``count`` out of the questions they share);
* a practice sharing more than half its questions with an exam's pool of the same course: a member
  who practises has seen the exam.

They are advice to grow the bank, not faults of a course: they stay out of ``--strict``'s failure
set (the shipped bank is thin today) and are listed after the other problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from exam_tools.course.model import Assessment, Course, Drawable, Mode
from exam_tools.errors import Location, Problem

#: An exam's pool should hold at least this many times the questions a paper draws, per rule.
POOL_FACTOR = 3
#: A practice may share at most this share of its questions with an exam's pool.
MAX_SHARED = 0.5
#: The field the warnings are reported on (so a reader, or a filter, can tell them apart).
FIELD = "pool"


def rule_pools(assessment: Assessment, questions: Sequence[Drawable]) -> list[tuple[int, int]]:
    """For each rule: how many questions it can draw from after the earlier rules took theirs, and
    how many of its matching questions those earlier rules may have taken."""
    matched = [{q.id for q in rule.select(questions)} for rule in assessment.rules]
    pools: list[tuple[int, int]] = []
    for j, ids in enumerate(matched):
        taken = sum(min(assessment.rules[i].count, len(matched[i] & ids)) for i in range(j))
        pools.append((max(0, len(ids) - taken), taken))
    return pools


def pool_ids(assessment: Assessment, questions: Sequence[Drawable]) -> set[str]:
    """Every question some rule of ``assessment`` may draw."""
    return {q.id for rule in assessment.rules for q in rule.select(questions)}


def coverage_problems(course: Course, bank: Iterable[Drawable]) -> list[Problem]:
    """The pool warnings of ``course`` (see the module docstring); empty when deep enough."""
    questions = list(bank)
    path = course.path or "course.yaml"
    out: list[Problem] = []
    exams = [a for a in course.assessments if a.mode is Mode.EXAM]
    for a in exams:
        pools = rule_pools(a, questions)
        for j, (rule, (pool, taken)) in enumerate(zip(a.rules, pools, strict=True), 1):
            if pool >= POOL_FACTOR * rule.count:
                continue
            after = f"（已除去前面规则可能抽走的 {taken} 道）" if taken else ""
            message = (
                f"抽题规则（{rule.describe()}）每卷抽 {rule.count} 道，可抽的题只有 {pool} 道"
                f"{after}，不到 {POOL_FACTOR} 倍：每次考试、每个党员的试卷几乎相同；"
                f"请给题库补题，至少 {POOL_FACTOR * rule.count} 道"
            )
            out.append(
                Problem(Location(path, rule.line), f"{a.id} 第{j}条规则", FIELD, message, "warning")
            )
    for p in course.assessments:
        if p.mode is not Mode.PRACTICE:
            continue
        practice = pool_ids(p, questions)
        for a in exams:
            shared = len(practice & pool_ids(a, questions))
            if practice and shared > MAX_SHARED * len(practice):
                message = (
                    f"练习“{p.title}”可抽的 {len(practice)} 道题中有 {shared} 道也是考试"
                    f"“{a.title}”可抽的题（超过一半）：练过的党员考试时会遇到原题；"
                    "请给题库补题，或让练习与考试抽不同的题（如按知识点、难度分开）"
                )
                out.append(Problem(Location(path, p.line), p.id, FIELD, message, "warning"))
    return out
