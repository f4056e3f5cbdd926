"""Benchmark: `exam-tools grade` against the real `nbgrader autograde` on the same submissions.

    python3 benchmarks/bench_grade.py [--members 1000] [--nbgrader-members 20]

Creates a real nbgrader course with one assessment of the test course (10 questions, variants),
N submissions with saved responses, runs `nbgrader autograde` on the first M of them (it executes
every notebook, so all N would take long) and `exam-tools grade` on all N, prints seconds per
submission for each and their ratio, and checks that the scores agree on the M both graded.
Goals (issue 4): 1,000 submissions in under 5 s, at least 100 times faster per submission.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exam_tools.bank.load import load_bank
from exam_tools.course.key import answer_key
from exam_tools.course.paper import build_paper
from exam_tools.course.pool import read_exam_spec
from exam_tools.quiz.store import ResponseStore
from exam_tools.records.db import open_db

ROOT = Path(__file__).resolve().parents[1]


def sh(*args: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--nbgrader-members", type=int, default=20)
    args = parser.parse_args()
    bank = load_bank(ROOT / "question_bank")
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sh(sys.executable, "-m", "exam_tools", "assign", "rice", "cert", "--course-dir", str(root),
           "--courses", str(ROOT / "tests" / "data" / "courses"), cwd=root)  # fmt: skip
        sh(sys.executable, "-m", "nbgrader", "generate_assignment", "cert", cwd=root)
        spec = read_exam_spec(root / "release" / "cert" / "exam.json")
        members = [f"m{i:05d}" for i in range(args.members)]
        for member in members:
            folder = root / "submitted" / member / "cert"
            shutil.copytree(root / "release" / "cert", folder)
            paper = build_paper(spec.questions, spec.course, spec.assessment, member=member)
            (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
            key = answer_key(paper, bank)
            store = ResponseStore(folder / "exam.paper.responses.json", paper, member=member)
            store.start()
            for k in key.items:  # about two thirds right
                if k.type.value in ("single", "judge") and rng.random() < 0.67:
                    store.set_answer(k.n, k.answer)
                elif k.type.value == "multiple" and rng.random() < 0.5:
                    store.set_answer(k.n, list(k.answer))
                elif k.type.value == "fill":
                    store.set_answer(k.n, [a[0] for a in k.answer])
            store.submit()
        # nbgrader autograde on the first M members only (it runs a kernel per notebook)
        sub = root / "nb"
        sub.mkdir()
        for name in ("source", "release", "exam_tools", "nbgrader_config.py", "gradebook.db"):
            src = root / name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, sub / name)
        for member in members[: args.nbgrader_members]:
            shutil.copytree(root / "submitted" / member, sub / "submitted" / member)
        t_nb = sh(sys.executable, "-m", "nbgrader", "autograde", "cert", "--create", cwd=sub)
        t_et = sh(sys.executable, "-m", "exam_tools", "grade", "cert", "--course-dir", str(root),
                  "--db", str(root / "exam.db"), cwd=root)  # fmt: skip
        from nbgrader.api import Gradebook

        db = open_db(root / "exam.db")
        ours = {r["member"]: r["score"] for r in db.query("select member, score from attempts")}
        with Gradebook(f"sqlite:///{sub / 'gradebook.db'}") as gb:
            theirs = {
                m: gb.find_submission("cert", m).score for m in members[: args.nbgrader_members]
            }
        agree = all(abs(ours[m] - s) < 1e-9 for m, s in theirs.items())
        per_nb = t_nb / args.nbgrader_members
        per_et = t_et / args.members
        n_nb, n_et = args.nbgrader_members, args.members
        print(
            f"nbgrader autograde : {n_nb:5d} submissions in {t_nb:7.2f} s = {per_nb * 1e3:8.1f} ms each"
        )
        print(
            f"exam-tools grade   : {n_et:5d} submissions in {t_et:7.2f} s = {per_et * 1e3:8.2f} ms each"
        )
        print(f"ratio per submission: {per_nb / per_et:,.0f}x faster (goal >= 100x)")
        print(f"scores agree on the {len(theirs)} submissions both graded: {agree}")


if __name__ == "__main__":
    main()
