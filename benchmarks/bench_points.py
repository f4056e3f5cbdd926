"""学习积分 and 每日一练 at the exam service, for a heavy member: a year of practice (30 verdicts a
day for 365 days, about 11,000 rows) among 500 members' verdicts; the practice pools are the shipped
bank's questions in 10 practice papers. Prints the median time of ``GET /api/points``'s work
(:func:`~exam_tools.service.daily.points_for`) and of drawing a new 每日一练
(:func:`~exam_tools.service.daily.new_daily`, one per day), in the store (no HTTP).
Run: python3 benchmarks/bench_points.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from exam_tools.bank.load import load_bank
from exam_tools.course.key import compact_key
from exam_tools.course.model import Assessment, Course, DrawRule, Mode
from exam_tools.course.pool import ExamSpec, exam_spec
from exam_tools.paths import find_bundled
from exam_tools.service.daily import new_daily, points_for
from exam_tools.service.store import ServiceStore

DAY = 86400.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    bank = load_bank(find_bundled("question_bank"))
    questions = list(bank)
    start = time.time() - 365 * DAY
    with tempfile.TemporaryDirectory() as tmp:
        clock = [time.time()]
        store = ServiceStore(Path(tmp) / "svc.sqlite", clock=lambda: clock[0])
        course = Course(id="all", title="全部", category="", lessons=(), assessments=())
        key = {q.id: {**compact_key([q])[q.id], "explanation": q.explanation} for q in bank}
        for i in range(10):
            a = Assessment(id=f"p{i}", title=f"练习{i}", mode=Mode.PRACTICE, attempts=None,
                           rules=(DrawRule(count=5, domain=questions[i].domain),))  # fmt: skip
            text = exam_spec(bank, course, a, seed=i)
            store.put_exam(ExamSpec.from_dict(json.loads(text)), text, key, exam=f"p{i}")
        rng = random.Random(0)
        rows = []
        for m in range(500):
            per_day = 30 if m == 0 else 3
            for d in range(365):
                for k in range(per_day):
                    q = rng.choice(questions)
                    rows.append((start + d * DAY + k * 60, "p0", f"m{m}", 1, 1, q.id,
                                 rng.random() < 0.7))  # fmt: skip
        with store.tx() as db:
            db.executemany("insert into practice (at, exam, member, attempt, n, qid, correct) "
                           "values (?,?,?,?,?,?,?)", rows)  # fmt: skip
        print(f"{len(rows):,} verdicts, {len(questions):,} questions in the pools")

        def timed(f: object) -> float:
            t = time.perf_counter()
            f()  # type: ignore[operator]
            return time.perf_counter() - t

        points = [timed(lambda: points_for(store, "m0")) for _ in range(args.runs)]
        print(f"points_for (the heavy member, a year of 30 a day): "
              f"median {1000 * statistics.median(points):.1f} ms")  # fmt: skip
        draws = []
        for _ in range(args.runs):
            clock[0] += DAY
            draws.append(timed(lambda: new_daily(store, "m0")))
        print(f"new_daily (a new day's draw): median {1000 * statistics.median(draws):.1f} ms")
        again = [timed(lambda: new_daily(store, "m0")) for _ in range(args.runs)]
        print(f"new_daily (the same day again): median {1000 * statistics.median(again):.2f} ms")
        store.close()


if __name__ == "__main__":
    main()
