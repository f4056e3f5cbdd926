"""Benchmark: records and organisation statistics at city scale with 1,000,000 question responses.

    python3 benchmarks/bench_records.py [--responses 1000000]

Builds the demo's city (20 乡镇, 281 村, about 12,000 members, 400 sessions, about 37,000
attendances), adds graded attempts until there are N question responses (in a child process, so its
memory is not counted), then times:

* the DataFrames of exam_tools.frames: members, sessions, attendance, attempts, every one of the N
  per-question results, member years, statistics at three levels and the targets
  (goal, issue 13: < 3 s and < 1 GB);
* the per-member workbook (one row per member: hours, requirement, technologies) and the item
  analysis of one exam read from the results table;
* every member's record, the organisation statistics (three views and the targets), and the
  statistics workbook (goals, issue 5: statistics < 5 s, Excel < 10 s, peak memory < 2 GB).

Times are wall-clock and CPU seconds: on a shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from exam_tools.course.load import check_courses
from exam_tools.records.county import SCALES, roster_rows, sessions_and_attendance
from exam_tools.records.db import open_db, table
from exam_tools.records.orgstats import org_statistics, target_progress
from exam_tools.records.queries import load_member_years, orgs_by_id
from exam_tools.records.record import certifications, load_all_records
from exam_tools.records.roster import org_id, parse_roster, store_roster
from exam_tools.records.standards import load_standards
from exam_tools.reports import orgs as report
from exam_tools.reports.tables import frames_workbook

ROOT = Path(__file__).resolve().parents[1]


def build(db_file: Path, responses: int) -> None:
    from exam_tools.demo import _roster_xlsx

    rng = random.Random(1)
    scale = SCALES["city"]
    db = open_db(db_file)
    rows = roster_rows(scale, rng)
    roster = parse_roster(_roster_xlsx(rows), "花名册.xlsx")
    store_roster(db, roster)
    orgs = {o["path"]: o for o in roster.orgs.values()}
    members = [{**r, "org_path": r["所在党组织"]} for r in rows]
    year = date.today().year
    held = sessions_and_attendance(year, members, orgs, scale, rng)
    with db.conn:
        table(db, "sessions").insert_all(
            ({"id": f"s{i}", "date": s["date"].isoformat(), "org": org_id(s["org"]), "kind": s["kind"],
              "title": s["title"], "course": s["course"], "hours": s["hours"]} for i, s in enumerate(held)),
            pk="id",
        )  # fmt: skip
        table(db, "attendance").insert_all(
            ({"session": f"s{i}", "member": m, "hours": h} for i, s in enumerate(held) for m, h in s["attendance"]),
            pk=("session", "member"),
        )  # fmt: skip
    per_attempt = 20
    n_attempts = responses // per_attempt
    ids = [r["编号"] for r in rows]
    courses = ("shuidao", "shengzhu", "shucai", "dangzhang", "tiaoli", "jiceng_zhili")
    attempts, results = [], []
    for k in range(n_attempts):
        member = ids[k % len(ids)]
        course = courses[(k // len(ids)) % len(courses)]
        aid = f"{course}-{k // len(ids)}/{member}"
        marks = [rng.random() < 0.7 for _ in range(per_attempt)]
        percent = 100 * sum(marks) / per_attempt
        attempts.append({"id": aid, "assignment": f"{course}-{k // len(ids)}", "course": course,
                         "assessment": "cert" if course in courses[:3] else "exam", "member": member,
                         "paper": "p", "attempt": 1, "submitted_at": f"{year}-06-01T10:00:00",
                         "score": sum(marks) * 5.0, "max_score": 100.0, "percent": percent,
                         "passed": int(percent >= 80), "manual_pending": 0, "graded_at": "",
                         "problems": "", "pass_percent": 80.0})  # fmt: skip
        for n, ok in enumerate(marks, 1):
            results.append({"attempt_id": aid, "n": n, "qid": f"q{n}", "type": "single",
                            "response": json.dumps("A"), "shown": "[0,1,2,3]", "score": 5.0 * ok,
                            "points": 5.0, "correct": int(ok), "manual": 0})  # fmt: skip
        if len(results) >= 200_000:
            with db.conn:
                table(db, "attempts").insert_all(attempts, pk="id")
                table(db, "results").insert_all(results, pk=("attempt_id", "n"))
            attempts, results = [], []
    with db.conn:
        table(db, "attempts").insert_all(attempts, pk="id")
        table(db, "results").insert_all(results, pk=("attempt_id", "n"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def build_frames(
    db_file: Path, year: int, courses: list[Any]
) -> tuple[Any, dict[str, Any], dict[str, float]]:
    """Every frame, from a new Frames (nothing cached); the CPU seconds each took."""
    from exam_tools.frames import Frames

    f = Frames(db_file, year=year, courses=courses)
    calls: dict[str, Callable[[], Any]] = {
        "members": f.members,
        "sessions": lambda: f.sessions(year),
        "attendance": lambda: f.attendance(year),
        "attempts": f.attempts,
        "results": f.results,
        "member_years": f.member_years,
        "by 乡镇": lambda: f.org_stats("乡镇"),
        "by 村": lambda: f.org_stats("村"),
        "by 乡镇 and category": lambda: f.org_stats("乡镇", by_category=True),
        "targets": f.targets,
    }
    frames, cpu = {}, {}
    for name, call in calls.items():
        frames[name], _, cpu[name] = timed(call)
    return f, frames, cpu


def bench_frames(db_file: Path, year: int, courses: list[Any], runs: int = 3) -> Any:
    import exam_tools.frames  # noqa: F401  # pandas' import time is not the frames' build time

    before = peak_mb()
    best: tuple[float, float, Any] | None = None
    for run in range(runs):  # best of three: the machine is shared, the least disturbed run counts
        (f, frames, cpu), wall, total_cpu = timed(lambda: build_frames(db_file, year, courses))
        if run == 0:
            peak = peak_mb()  # one build's peak, before later runs overlap with kept frames
        if best is None or wall < best[0]:
            best = (wall, total_cpu, (f, frames, cpu))
    assert best is not None
    wall, total_cpu, (f, frames, cpu) = best
    held = sum(df.memory_usage(deep=True).sum() for df in frames.values()) / 1e6
    print(
        f"DataFrames (frames)     {wall:6.2f} s  (best of {runs}; CPU {total_cpu:.2f} s; goal < 3 s; "
        f"peak memory {peak:,.0f} MB, {before:,.0f} MB before; goal < 1,024 MB; "
        f"the frames hold {held:.0f} MB)"
    )
    print("  CPU s: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()))
    print("  rows:  " + ", ".join(f"{k} {len(v):,}" for k, v in frames.items()))
    results = frames["results"]
    assert len(results) == f.db["results"].count, "every per-question result is read"
    print(f"  mean score per question over {len(results):,} answers: "
          f"{results.groupby('题号', observed=True)['得分'].mean().mean():.3f}")  # fmt: skip
    return f, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_file = Path(tmp) / "city.db"
        t = time.perf_counter()
        child = multiprocessing.Process(target=build, args=(db_file, args.responses))
        child.start()
        child.join()
        assert child.exitcode == 0, "building the city database failed"
        print(f"built the city database in {time.perf_counter() - t:.1f} s")
        db = open_db(db_file)
        counts = {
            n: db[n].count
            for n in ("orgs", "members", "sessions", "attendance", "attempts", "results")
        }
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        year = date.today().year
        std = load_standards()
        courses = check_courses(ROOT / "courses", None).courses
        certs = certifications(courses)

        f, frames = bench_frames(db_file, year, courses)
        data, wall, cpu = timed(lambda: frames_workbook({"党员学时": frames["member_years"]}))
        (Path(tmp) / "党员学时.xlsx").write_bytes(data)
        print(
            f"per-member workbook     {wall:6.2f} s  (CPU {cpu:.2f} s; {len(frames['member_years']):,} "
            f"rows; {len(data) / 1e6:.1f} MB)"
        )
        assignment = frames["attempts"]["作业"].iloc[0]
        items, wall, cpu = timed(lambda: f.item_stats(assignment))
        answers = int((frames["results"]["作业"] == assignment).sum())
        print(
            f"item analysis, one exam {wall:6.2f} s  (CPU {cpu:.2f} s; {answers:,} answers, "
            f"{len(items)} questions)"
        )

        records, t_records, _ = timed(lambda: load_all_records(db, year, std, certs))

        def statistics() -> Any:
            years = load_member_years(db, year, std, certs)
            orgs = orgs_by_id(db)
            views = {
                "按乡镇": (org_statistics(years, orgs, "乡镇"), False),
                "按村": (org_statistics(years, orgs, "村"), False),
                "按乡镇和人员类别": (org_statistics(years, orgs, "乡镇", by_category=True), True),
            }
            return views, target_progress(years, orgs, std)

        (views, targets), t_stats, _ = timed(statistics)
        data, t_excel, _ = timed(lambda: report.workbook(views, targets, year))
        (Path(tmp) / "统计.xlsx").write_bytes(data)
        met = sum(r.hours_met for r in records)
        print(
            f"all member records      {t_records:6.2f} s  ({len(records):,} members, {met:,} meet the hours)"
        )
        print(f"organisation statistics {t_stats:6.2f} s  (goal < 5 s)")
        print(f"Excel export            {t_excel:6.2f} s  (goal < 10 s; {len(data) / 1e3:.0f} kB)")
        print(f"peak memory             {peak_mb():6.0f} MB (goal < 2,048 MB)")


if __name__ == "__main__":
    main()
