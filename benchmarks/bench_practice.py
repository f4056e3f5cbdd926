"""Benchmark: carrying a city's year of practice from the exam service into the records.

    python3 benchmarks/bench_practice.py [--verdicts 1000000] [--members 12000]

Builds an exam service database (the service's own schema, from ServiceStore) holding N practice
verdicts of M hub logins over a year, 1 in 10 of them left to the teacher (简答), and a records
database whose roster has those members (login = roster id, as ``record_logins`` falls back to);
every 100th login is not on the roster. Then times:

* ``pull_practice`` the first time (all N rows, one transaction) and again (nothing new);
* ``Frames.practice()`` (every verdict as a DataFrame) and ``Frames.org_stats("乡镇")`` with
  practice counted (every member's record for the year, then the statistics).

Times are wall-clock and CPU seconds; peak memory is the process's maximum resident size.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from exam_tools.course.load import check_courses
from exam_tools.records.db import open_db, table
from exam_tools.service.practice_export import pull_practice
from exam_tools.service.store import ServiceStore

ROOT = Path(__file__).resolve().parents[1]


def build(service_db: Path, records_db: Path, verdicts: int, members: int) -> None:
    ServiceStore(service_db).close()  # the service's schema, as the service makes it
    spec = {"course": {"id": "shuidao", "title": "水稻"}, "assessment": {"id": "practice"}}
    conn = sqlite3.connect(service_db)
    with conn:
        conn.execute(
            "insert into exams values ('lesson', '课后练习', 'practice', null, null, null, null, "
            "30, ?, '{}', 0)",
            (json.dumps(spec),),
        )
        rng = random.Random(1)
        start = datetime(2026, 1, 1).timestamp()
        step = 365 * 86400 / verdicts
        conn.executemany(
            "insert into practice (at, exam, member, attempt, n, qid, correct) "
            "values (?, 'lesson', ?, 1, ?, ?, ?)",
            (
                (start + i * step, f"m{rng.randrange(members):05d}", i % 10 + 1,
                 f"q{rng.randrange(400):03d}",
                 None if i % 10 == 9 else int(rng.random() < 0.7))
                for i in range(verdicts)
            ),
        )  # fmt: skip
    conn.close()
    db = open_db(records_db)
    with db.conn:
        table(db, "orgs").insert_all(
            [{"id": "T", "name": "城关镇党委", "kind": "乡镇", "parent": None, "path": "城关镇党委"}]
            + [
                {"id": f"V{v}", "name": f"第{v}村党支部", "kind": "村", "parent": "T",
                 "path": f"城关镇党委/第{v}村党支部"}
                for v in range(100)
            ]
        )  # fmt: skip
        table(db, "members").insert_all(
            {"id": f"m{i:05d}", "name": f"党员{i}", "org": f"V{i % 100}", "roles": "[]",
             "status": "正式", "flowing": 0}
            for i in range(members)
            if i % 100 != 99  # not on the roster: skipped and named
        )  # fmt: skip
    db.close()


def timed(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    print(
        f"{label:<44} {time.perf_counter() - wall:7.2f} s wall {time.process_time() - cpu:7.2f} s CPU"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=12_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        service_db, records_db = Path(tmp) / "exam-service.sqlite", Path(tmp) / "records.db"
        timed(f"build: {args.verdicts:,} verdicts, {args.members:,} logins", lambda: build(
            service_db, records_db, args.verdicts, args.members))  # fmt: skip
        first = timed("pull_practice (first run)", lambda: pull_practice(
            service_db, open_db(records_db)))  # fmt: skip
        print(" ", first.message())
        again = timed("pull_practice (again: nothing new)", lambda: pull_practice(
            service_db, open_db(records_db)))  # fmt: skip
        print(" ", again.message())
        from exam_tools.frames import Frames

        courses = check_courses(ROOT / "courses", None).courses
        frames = Frames(records_db, year=2026, courses=courses)
        df = timed("Frames.practice()", frames.practice)
        print(f"  {len(df):,} rows, {df.memory_usage(deep=True).sum() / 2**20:.0f} MiB")
        stats = timed("Frames.org_stats('乡镇') with practice", frames.org_stats)
        print(
            stats[["名称", "党员数", "练习人数", "练习题次", "练习正确率"]].to_string(index=False)
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
