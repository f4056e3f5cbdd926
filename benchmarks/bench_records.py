"""Benchmark: records and organisation statistics at city scale with 1,000,000 question responses.

    python3 benchmarks/bench_records.py [--responses 1000000]

Builds the demo's city (20 乡镇, 281 村, about 12,000 members, 400 sessions, about 37,000
attendances), adds graded attempts until there are N question responses, then times computing every
member's record, the organisation statistics (three views and the targets), and writing the Excel
export. Goals (issue 5): statistics < 5 s, Excel < 10 s, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from exam_tools.course.load import check_courses
from exam_tools.records.county import SCALES, roster_rows, sessions_and_attendance
from exam_tools.records.db import open_db, table
from exam_tools.records.orgstats import org_statistics, target_progress
from exam_tools.records.queries import load_member_years, orgs_by_id
from exam_tools.records.record import certifications, load_all_records
from exam_tools.records.roster import org_id, parse_roster, store_roster
from exam_tools.records.standards import load_standards
from exam_tools.reports import orgs as report

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--responses", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_file = Path(tmp) / "city.db"
        t = time.perf_counter()
        build(db_file, args.responses)
        print(f"built the city database in {time.perf_counter() - t:.1f} s")
        db = open_db(db_file)
        counts = {
            n: db[n].count
            for n in ("orgs", "members", "sessions", "attendance", "attempts", "results")
        }
        print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        year = date.today().year
        std = load_standards()
        certs = certifications(check_courses(ROOT / "courses", None).courses)

        t = time.perf_counter()
        records = load_all_records(db, year, std, certs)
        t_records = time.perf_counter() - t

        t = time.perf_counter()
        years = load_member_years(db, year, std, certs)
        orgs = orgs_by_id(db)
        views = {
            "按乡镇": (org_statistics(years, orgs, "乡镇"), False),
            "按村": (org_statistics(years, orgs, "村"), False),
            "按乡镇和人员类别": (org_statistics(years, orgs, "乡镇", by_category=True), True),
        }
        targets = target_progress(years, orgs, std)
        t_stats = time.perf_counter() - t

        t = time.perf_counter()
        data = report.workbook(views, targets, year)
        (Path(tmp) / "统计.xlsx").write_bytes(data)
        t_excel = time.perf_counter() - t
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        met = sum(r.hours_met for r in records)
        print(
            f"all member records      {t_records:6.2f} s  ({len(records):,} members, {met:,} meet the hours)"
        )
        print(f"organisation statistics {t_stats:6.2f} s  (goal < 5 s)")
        print(f"Excel export            {t_excel:6.2f} s  (goal < 10 s; {len(data) / 1e6:.1f} MB)")
        print(f"peak memory             {peak_mb:6.0f} MB (goal < 2,048 MB)")


if __name__ == "__main__":
    main()
