"""Benchmark: building a paper, building its widgets, saving one answer.

    python3 benchmarks/bench_quiz.py [--runs 7]

A synthetic 20,000-question bank (as in bench_bank.py) and a 100-question assessment with four rules
and per-member variants. Goals (issue 3): paper < 50 ms, widgets < 0.5 s, one saved answer < 5 ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_bank import make_bank  # the same synthetic bank (the script's folder is on sys.path)
from exam_tools.bank.load import load_bank
from exam_tools.course.model import Assessment, Course, DrawRule, Mode
from exam_tools.course.paper import build_paper
from exam_tools.quiz import open_quiz

RULES = (
    DrawRule(count=40, domain="党章党规"),
    DrawRule(count=20, domain="政策理论", difficulty=("中等", "困难")),
    DrawRule(count=30, technology="水稻种植"),
    DrawRule(count=10, technology="生猪养殖", type=None),
)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.2f} ms (min {min(samples) * 1000:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bank").mkdir()
        make_bank(root / "bank")
        bank = load_bank(root / "bank")
        course = Course(
            id="bench", title="基准测试", category="党章党规", lessons=(), assessments=()
        )
        exam = Assessment(
            id="exam", title="百题测试", mode=Mode.EXAM, rules=RULES, time_limit=90, variants=True
        )
        paper_times, widget_times, save_times = [], [], []
        for run in range(args.runs):
            t = time.perf_counter()
            paper = build_paper(bank, course, exam, member=f"m{run:04d}", seed=run)
            paper_times.append(time.perf_counter() - t)
            assert len(paper) == 100
            path = root / f"paper{run}.json"
            path.write_text(paper.to_json(), encoding="utf-8")
            t = time.perf_counter()
            app = open_quiz(path, timer=False)
            widget_times.append(time.perf_counter() - t)
            # one answer per question, through the widgets, each saved at once
            for item in paper.items:
                app.goto(item.n)
                view = app.view(item.n)
                first = view.inputs[0]
                t = time.perf_counter()
                if hasattr(first, "index"):
                    first.index = 0
                elif hasattr(first, "click") and not hasattr(first, "value"):
                    first.click()
                elif isinstance(first.value, bool):
                    first.value = True
                else:
                    first.value = "答案"
                save_times.append(time.perf_counter() - t)
            assert len(app.answers) == 100
        print(
            f"bank: {len(bank):,} questions; paper: 100 questions, 4 rules, variants; {args.runs} runs"
        )
        print(f"build a paper                {median_ms(paper_times)}   goal < 50 ms")
        print(f"open the quiz (widgets)      {median_ms(widget_times)}   goal < 500 ms")
        print(f"answer + save one question   {median_ms(save_times)}   goal < 5 ms")


if __name__ == "__main__":
    main()
