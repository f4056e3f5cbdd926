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


# Measures one command from a small process: a child forked from this (large) benchmark would
# report this process's memory as its own peak. Prints seconds, CPU seconds, max RSS (KiB), status.
MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
      os.waitstatus_to_exitcode(status))
"""


def run(*args: str, cwd: Path) -> tuple[float, float, int]:
    """Seconds, CPU seconds (user + system, children included) and peak memory (KiB, max RSS) of
    one command, which must succeed."""
    proc = subprocess.run([sys.executable, "-c", MEASURE, *args], cwd=cwd, capture_output=True,
                          text=True, check=True)  # fmt: skip
    seconds, cpu, rss, status = proc.stdout.split()
    if int(status):
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return float(seconds), float(cpu), int(rss)


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


def grade_dir(root: Path, members: list[str], where: Path, gradebook: bool = False) -> Path:
    where.mkdir()
    for name in ("source", "release", "exam_tools", *(("gradebook.db",) if gradebook else ())):
        src = root / name
        if src.exists():
            (shutil.copytree if src.is_dir() else shutil.copy)(src, where / name)
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

        nb: dict[int, tuple[float, float, int]] = {}
        for n in (args.nb_small, args.nb_large):
            where = nbgrader_dir(root, members[:n], Path(tmp) / f"nb{n}")
            nb[n] = run(sys.executable, "-m", "nbgrader", "autograde", NAME, "--create",
                           cwd=where)  # fmt: skip
        et: dict[int, tuple[float, float, int]] = {}
        for n in (args.small, args.large):
            where = grade_dir(root, members[:n], Path(tmp) / f"et{n}")
            open_db(where / "exam.db").conn.close()  # a county's database exists (roster import)
            et[n] = run(sys.executable, "-m", "exam_tools", "grade", NAME, "--course-dir",
                        str(where), "--db", str(where / "exam.db"), cwd=where)  # fmt: skip
        # the same run where the course has nbgrader's gradebook (published with
        # generate_assignment): the scores are also written there, for formgrader (issue 9)
        where = grade_dir(root, members[: args.small], Path(tmp) / "et-gb", gradebook=True)
        open_db(where / "exam.db").conn.close()
        with_gb, _, _ = run(sys.executable, "-m", "exam_tools", "grade", NAME, "--course-dir",
                            str(where), "--db", str(where / "exam.db"), cwd=where)  # fmt: skip
        # the very first run also creates the database (sqlite-utils, which loads pandas)
        first, _, _ = run(sys.executable, "-m", "exam_tools", "grade", NAME, "--course-dir",
                       str(Path(tmp) / f"et{args.small}"), "--db", str(Path(tmp) / "new.db"),
                       cwd=Path(tmp))  # fmt: skip

        from nbgrader.api import Gradebook

        db = open_db(Path(tmp) / f"et{args.large}" / "exam.db")
        ours = {r["member"]: r["score"] for r in db.query("select member, score from attempts")}
        graded_nb = members[: args.nb_large]
        with Gradebook(f"sqlite:///{Path(tmp) / f'nb{args.nb_large}' / 'gradebook.db'}") as gb:
            theirs = {m: gb.find_submission(NAME, m).score for m in graded_nb}
        agree = all(abs(ours[m] - s) < 1e-9 for m, s in theirs.items())

    def per_added(
        runs: dict[int, tuple[float, float, int]], small: int, large: int, i: int
    ) -> float:
        return (runs[large][i] - runs[small][i]) / (large - small)

    nb_s, nb_l, et_s, et_l = args.nb_small, args.nb_large, args.small, args.large
    print(f"paper: {COURSE}/{ASSESSMENT}, 30 questions, one variant per member")
    print("(CPU = user + system seconds, less sensitive than wall time to a busy machine)")
    for label, runs, small, large, scale in (
        ("nbgrader autograde", nb, nb_s, nb_l, 1.0),
        ("exam-tools grade  ", et, et_s, et_l, 1e3),
    ):
        unit = "s" if scale == 1.0 else "ms"
        print(f"{label}: {small} in {runs[small][0]:.2f} s, {large} in {runs[large][0]:.2f} s -> "
              f"{per_added(runs, small, large, 0) * scale:.3f} {unit} per added submission "
              f"(CPU {per_added(runs, small, large, 1) * scale:.3f} {unit})")  # fmt: skip
    for what, i in (("wall time", 0), ("CPU time", 1)):
        ratio = per_added(nb, nb_s, nb_l, i) / per_added(et, et_s, et_l, i)
        verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
        print(f"ratio per added submission ({what}): {ratio:,.0f}x nbgrader "
              f"(goal >= {GOAL_RATIO:,}x: {verdict})")  # fmt: skip
    t_small, cpu_small, mem_small = et[et_s]
    mem_large = et[et_l][2]
    verdict = "met" if t_small < GOAL_SECONDS_1K else "NOT met"
    print(f"whole `exam-tools grade` process, {et_s} submissions into the county's database: "
          f"{t_small:.2f} s, CPU {cpu_small:.2f} s (goal < {GOAL_SECONDS_1K} s: {verdict})")  # fmt: skip
    print(f"  the same into a new database (created on the way): {first:.2f} s")
    print(f"  the same, also writing nbgrader's gradebook (formgrader's scores): {with_gb:.2f} s")
    print(f"peak memory (max RSS): {mem_small / 1024:.0f} MiB at {et_s}, "
          f"{mem_large / 1024:.0f} MiB at {et_l} (goal: flat)")  # fmt: skip
    print(f"scores agree on the {len(theirs)} submissions both graded: {agree}")


if __name__ == "__main__":
    main()
