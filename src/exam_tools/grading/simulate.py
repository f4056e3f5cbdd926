"""Synthetic submissions for demos and instructor practice: never real people's answers.

Each simulated member opens the released exam (their own paper is drawn from their id, as
``show_exam`` does), answers each question right with a probability set by their ability, and
submits; files land in nbgrader's ``submitted/<member>/<name>/`` as a real submission would.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from exam_tools.bank.model import LETTERS, Bank, QType
from exam_tools.course.key import KeyItem, answer_key
from exam_tools.course.paper import PaperItem, build_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.grading.assign import PAPER, SPEC
from exam_tools.quiz.store import ResponseStore

if TYPE_CHECKING:
    from exam_tools.service.store import ServiceStore


def _response(k: KeyItem, item: PaperItem, right: bool, rng: random.Random) -> object:
    if k.type is QType.SINGLE:
        letters = LETTERS[: len(item.options)]
        return k.answer if right else rng.choice([x for x in letters if x != k.answer])
    if k.type is QType.MULTIPLE:
        if right:
            return list(k.answer)
        choices = list(LETTERS[: len(item.options)])
        return sorted(rng.sample(choices, rng.randint(1, len(choices) - 1)))
    if k.type is QType.JUDGE:
        return k.answer if right else not k.answer
    if k.type is QType.FILL:
        return [alts[0] if right else "不清楚" for alts in k.answer]
    return "按课上所学作答：" + "，".join(g[0] for g in k.keywords[: 2 if right else 0])


def simulate_submissions(
    course_dir: Path,
    name: str,
    members: Iterable[tuple[str, float]],
    bank: Bank,
    *,
    seed: int = 0,
) -> int:
    """Write a submission for each (member id, ability 0..1); returns how many were written."""
    release = course_dir / "release" / name
    spec = read_exam_spec(release / SPEC)
    rng = random.Random(seed)
    count = 0
    for member, ability in members:
        folder = course_dir / "submitted" / member / name
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(release, folder)
        paper = build_paper(
            spec.questions, spec.course, spec.assessment, member=member, seed=spec.seed
        )
        (folder / PAPER).write_text(paper.to_json(), encoding="utf-8")
        key = answer_key(paper, bank)
        store = ResponseStore(folder / f"{Path(PAPER).stem}.responses.json", paper, member=member)
        store.start()
        for item in paper.items:
            if rng.random() < 0.05:
                continue  # left blank
            right = rng.random() < ability
            store.set_answer(item.n, _response(key[item.n], item, right, rng))
        store.submit()
        count += 1
    return count


def simulate_practice(
    store: ServiceStore,
    exam: str,
    members: Iterable[tuple[str, float]],
    bank: Bank,
    *,
    seed: int = 0,
) -> int:
    """Each (member id, ability) practises ``exam`` at the exam service: their paper drawn there,
    every question answered and checked with 核对答案, as on the hub. The verdicts recorded."""
    rng = random.Random(seed)
    count = 0
    for member, ability in members:
        paper = store.paper(exam, member)
        attempt = store.start(exam, member, paper.id).number
        key = answer_key(paper, bank)
        for item in paper.items:
            right = rng.random() < ability
            value = _response(key[item.n], item, right, rng)
            store.save(exam, member, paper.id, attempt, item.n, value)
            store.check(exam, member, paper.id, attempt, item.n)
            count += 1
        store.submit(exam, member, paper.id, attempt)
    return count
