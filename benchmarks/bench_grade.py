"""Benchmark: `exam-tools grade` against the real `nbgrader autograde` on the same submissions.

    python3 benchmarks/bench_grade.py [--small 1000] [--large 10000] [--nb-small 3] [--nb-large 9]

Creates a real nbgrader course with the 30-question 党章 exam (the length of the real certification
exams; every member gets their own variant) and saved responses for each member, then:

* runs `nbgrader autograde` (it executes every notebook) on two small sets of submissions and
  `exam-tools grade` on two large ones; the cost per *added* submission (difference of the two
  sizes), so process start-up does not flatter the ratio;
* times the whole `exam-tools grade` process for the small set (1,000 by default);
* reports the peak memory (max RSS) of the grading process at both sizes;
* checks that both graders give the same scores on the submissions both graded.

Goals (issue 10): at least 1,000 times nbgrader autograde per added submission; 1,000 submissions
in under 1.5 s for the whole `exam-tools grade` process; memory flat in the number of submissions.
"""

from __future__ import annotations

import argparse
import os
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
COURSE, ASSESSMENT, NAME = "dangzhang", "exam", "exam"
GOAL_RATIO = 1000
GOAL_SECONDS_1K = 1.5


def run(*args: str, cwd: Path) -> tuple[float, int]:
    """Seconds and peak memory (KiB, max RSS) of one command, which must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{err.decode()}")
    return seconds, usage.ru_maxrss


def make_submissions(root: Path, members: list[str], seed: int) -> None:
    bank = load_bank(ROOT / "question_bank")
    spec = read_exam_spec(root / "release" / NAME / "exam.json")
    rng = random.Random(seed)
    release = root / "release" / NAME
    for member in members:
        folder = root / "submitted" / member / NAME
        shutil.copytree(release, folder)
        paper = build_paper(spec.questions, spec.course, spec.assessment, member=member)
        (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
        key = answer_key(paper, bank)
        store = ResponseStore(folder / "exam.paper.responses.json", paper, member=member)
        attempt = store.start()
        for k in key.items:  # about two thirds right
            if k.type.value in ("single", "judge") and rng.random() < 0.67:
                attempt.answers[k.n] = k.answer
            elif k.type.value == "single":
                attempt.answers[k.n] = "A"
            elif k.type.value == "multiple" and rng.random() < 0.5:
                attempt.answers[k.n] = list(k.answer)
            elif k.type.value == "fill":
                attempt.answers[k.n] = [a[0] for a in k.answer]
        store.submit()  # saves the file once


def course(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "exam_tools", "assign", COURSE, ASSESSMENT,
                    "--course-dir", str(root)], cwd=root, check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", NAME],
                   cwd=root, check=True, capture_output=True)  # fmt: skip


def nbgrader_dir(root: Path, members: list[str], where: Path) -> Path:
    where.mkdir()
    for name in ("source", "release", "exam_tools", "nbgrader_config.py", "gradebook.db"):
        src = root / name
        if src.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, where / name)
    for member in members:
        shutil.copytree(root / "submitted" / member, where / "submitted" / member)
    return where


def grade_dir(root: Path, members: list[str], where: Path) -> Path:
    where.mkdir()
    for name in ("source", "release", "exam_tools"):
        if (root / name).exists():
            shutil.copytree(root / name, where / name)
    (where / "submitted").mkdir()
    for member in members:
        (where / "submitted" / member).symlink_to(root / "submitted" / member)
    return where


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=10000)
    parser.add_argument("--nb-small", type=int, default=3)
    parser.add_argument("--nb-large", type=int, default=9)
    args = parser.parse_args()
    members = [f"m{i:05d}" for i in range(args.large)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "course"
        root.mkdir()
        course(root)
        t0 = time.perf_counter()
        make_submissions(root, members, seed=1)
        print(f"({args.large} submissions written in {time.perf_counter() - t0:.0f} s)")

        nb = {}
        for n in (args.nb_small, args.nb_large):
            where = nbgrader_dir(root, members[:n], Path(tmp) / f"nb{n}")
            nb[n], _ = run(sys.executable, "-m", "nbgrader", "autograde", NAME, "--create",
                           cwd=where)  # fmt: skip
        et: dict[int, tuple[float, int]] = {}
        for n in (args.small, args.large):
            where = grade_dir(root, members[:n], Path(tmp) / f"et{n}")
            open_db(where / "exam.db").conn.close()  # a county's database exists (roster import)
            et[n] = run(sys.executable, "-m", "exam_tools", "grade", NAME, "--course-dir",
                        str(where), "--db", str(where / "exam.db"), cwd=where)  # fmt: skip
        # the very first run also creates the database (sqlite-utils, which loads pandas)
        first, _ = run(sys.executable, "-m", "exam_tools", "grade", NAME, "--course-dir",
                       str(Path(tmp) / f"et{args.small}"), "--db", str(Path(tmp) / "new.db"),
                       cwd=Path(tmp))  # fmt: skip

        from nbgrader.api import Gradebook

        db = open_db(Path(tmp) / f"et{args.large}" / "exam.db")
        ours = {r["member"]: r["score"] for r in db.query("select member, score from attempts")}
        graded_nb = members[: args.nb_large]
        with Gradebook(f"sqlite:///{Path(tmp) / f'nb{args.nb_large}' / 'gradebook.db'}") as gb:
            theirs = {m: gb.find_submission(NAME, m).score for m in graded_nb}
        agree = all(abs(ours[m] - s) < 1e-9 for m, s in theirs.items())

    per_nb = (nb[args.nb_large] - nb[args.nb_small]) / (args.nb_large - args.nb_small)
    (t_small, mem_small), (t_large, mem_large) = et[args.small], et[args.large]
    per_et = (t_large - t_small) / (args.large - args.small)
    ratio = per_nb / per_et
    print(f"paper: {COURSE}/{ASSESSMENT}, 30 questions, one variant per member")
    print(f"nbgrader autograde : {args.nb_small} in {nb[args.nb_small]:.1f} s, {args.nb_large} in "
          f"{nb[args.nb_large]:.1f} s -> {per_nb * 1e3:.0f} ms per added submission")  # fmt: skip
    print(f"exam-tools grade   : {args.small} in {t_small:.2f} s, {args.large} in {t_large:.2f} s "
          f"-> {per_et * 1e3:.3f} ms per added submission")  # fmt: skip
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(
        f"ratio per added submission: {ratio:,.0f}x nbgrader (goal >= {GOAL_RATIO:,}x: {verdict})"
    )
    verdict = "met" if t_small < GOAL_SECONDS_1K else "NOT met"
    print(f"whole `exam-tools grade` process, {args.small} submissions into the county's database: "
          f"{t_small:.2f} s "
          f"(goal < {GOAL_SECONDS_1K} s: {verdict})")  # fmt: skip
    print(f"  the same into a new database (created on the way): {first:.2f} s")
    print(f"peak memory (max RSS): {mem_small / 1024:.0f} MiB at {args.small}, "
          f"{mem_large / 1024:.0f} MiB at {args.large} (goal: flat)")  # fmt: skip
    print(f"scores agree on the {len(theirs)} submissions both graded: {agree}")


if __name__ == "__main__":
    main()
