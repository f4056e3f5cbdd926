"""The end-to-end demo: a synthetic county's training year, through the real components.

roster.xlsx → ``roster import`` → a year of sessions and attendance → an nbgrader course with
certification exams (real ``nbgrader generate_assignment``), simulated members' submissions →
``exam-tools grade`` → records and statistics exported to the output folder.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from exam_tools.bank.model import Bank
from exam_tools.course.model import Course
from exam_tools.fileio import write_atomic

ASSIGNMENTS = (("shuidao", "cert"), ("shengzhu", "cert"))


def _roster_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    from exam_tools.records.roster import COLUMNS, SHEET
    from exam_tools.reports.safe import append

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    append(ws, COLUMNS)
    for r in rows:
        append(ws, [r.get(c, "") for c in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _practice(
    out: Path,
    db: Any,
    bank: Bank,
    by_id: dict[str, Course],
    takers: list[dict[str, Any]],
    rng: random.Random,
    limit: int,
) -> tuple[int, int, int]:
    """Practice as on a hub: each course's practice handed to an exam service (its own database
    here), members answer and check there, then ``pull-practice`` carries the verdicts into the
    records. (members, checks, rows imported)."""
    from exam_tools.grading.simulate import simulate_practice
    from exam_tools.service.handout import practice_handout
    from exam_tools.service.practice_export import pull_practice
    from exam_tools.service.store import ServiceStore

    service_db = out / "exam-service.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{service_db}{suffix}").unlink(missing_ok=True)
    store = ServiceStore(service_db)
    members: set[str] = set()
    checks = 0
    try:
        for course_id, _assessment in ASSIGNMENTS:
            course = by_id[course_id]
            spec, text, key = practice_handout(bank, course, course.assessment("practice"))
            exam = f"{course_id}-practice"
            store.put_exam(spec, text, key, exam=exam)
            chosen = rng.sample(takers, min(limit, len(takers)))
            members.update(r["编号"] for r in chosen)
            checks += simulate_practice(store, exam, [(r["编号"], rng.uniform(0.5, 0.95))
                                                      for r in chosen], bank, seed=len(exam))  # fmt: skip
    finally:
        store.close()
    return len(members), checks, pull_practice(service_db, db).imported


def run_demo(
    out: Path, scale_name: str, bank: Bank, courses: list[Course], say: Callable[[str], None]
) -> dict[str, Any]:
    from exam_tools.grading.assign import source_assignment, write_assignment
    from exam_tools.grading.grade import grade_submission, read_assignment_key, submissions
    from exam_tools.grading.nbgrader_cli import run_nbgrader
    from exam_tools.grading.simulate import simulate_submissions
    from exam_tools.grading.store import recording
    from exam_tools.records.county import SCALES, roster_rows, sessions_and_attendance
    from exam_tools.records.db import open_db, table
    from exam_tools.records.orgstats import org_statistics, target_progress
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.records.record import certifications, load_record
    from exam_tools.records.roster import org_id, parse_roster, store_roster
    from exam_tools.records.standards import load_standards
    from exam_tools.reports import orgs as report

    started = time.perf_counter()
    scale = SCALES[scale_name]
    rng = random.Random(2026)
    year = date.today().year
    out.mkdir(parents=True, exist_ok=True)
    db_file = out / "exam_tools.db"
    db_file.unlink(missing_ok=True)
    db = open_db(db_file)
    std = load_standards()
    by_id = {c.id: c for c in courses}

    rows = roster_rows(scale, rng)
    roster_file = out / "花名册.xlsx"
    write_atomic(roster_file, _roster_xlsx(rows))
    roster = parse_roster(roster_file.read_bytes(), str(roster_file))
    store_roster(db, roster)
    say(f"花名册：{len(roster.members)} 名党员，{len(roster.orgs)} 个党组织 → {roster_file}")

    orgs = {o["path"]: o for o in roster.orgs.values()}
    members = [{**r, "org_path": r["所在党组织"]} for r in rows]
    held = sessions_and_attendance(year, members, orgs, scale, rng)
    with db.conn:
        table(db, "sessions").insert_all(
            (
                {"id": f"s-demo-{i:04d}", "date": s["date"].isoformat(), "org": org_id(s["org"]),
                 "kind": s["kind"], "title": s["title"], "course": s["course"], "hours": s["hours"]}
                for i, s in enumerate(held)
            ),
            pk="id",
        )  # fmt: skip
        table(db, "attendance").insert_all(
            (
                {"session": f"s-demo-{i:04d}", "member": m, "hours": h}
                for i, s in enumerate(held)
                for m, h in s["attendance"]
            ),
            pk=("session", "member"),
        )
    attendances = sum(len(s["attendance"]) for s in held)
    say(f"培训：{len(held)} 次活动，{attendances} 人次签到")

    course_dir = out / "nbgrader"
    takers = [r for r in rows if r["人员类别"] in ("种养业大户党员", "村(社区)干部")]
    limit = 150 if scale_name == "small" else 2000
    for course_id, assessment_id in ASSIGNMENTS:
        course = by_id[course_id]
        name = f"{course_id}-{assessment_id}"
        write_assignment(
            course_dir, name, source_assignment(bank, course, course.assessment(assessment_id))
        )
        run_nbgrader("generate_assignment", name, "--force", cwd=course_dir)
        chosen = rng.sample(takers, min(limit, len(takers)))
        simulate_submissions(
            course_dir,
            name,
            [(r["编号"], rng.uniform(0.45, 0.98)) for r in chosen],
            bank,
            seed=len(name),
        )
        key = read_assignment_key(course_dir, name)
        results = [
            grade_submission(folder, m, name, key) for m, folder in submissions(course_dir, name)
        ]
        with recording(db) as write:
            for r in results:
                write(r)
        passed = sum(r.passed for r in results)
        exam = course.assessment(assessment_id).title
        say(f"考试：{exam}，{len(results)} 人提交，{passed} 人合格 → {course_dir}")

    practised, checks, imported = _practice(out, db, bank, by_id, takers, rng, limit // 4)
    say(f"练习：{practised} 人在考试服务上练习，核对答案 {checks} 次，{imported} 条记入档案")

    certs = certifications(courses)
    years = load_member_years(db, year, std, certs)
    orgs_db = orgs_by_id(db)
    targets = target_progress(years, orgs_db, std)
    views = {
        "按乡镇": (org_statistics(years, orgs_db, "乡镇"), False),
        "按村": (org_statistics(years, orgs_db, "村"), False),
        "按乡镇和人员类别": (org_statistics(years, orgs_db, "乡镇", by_category=True), True),
    }
    stats_file = out / "统计.xlsx"
    write_atomic(stats_file, report.workbook(views, targets, year))
    write_atomic(out / "统计-按村.csv", report.csv_text(views["按村"][0], False))
    from exam_tools.reports.charts import ChartError

    chart: Path | None = out / "统计.png"
    try:
        png = report.png_chart(views["按乡镇"][0], f"{year} 年度各乡镇学时达标率与实用技术掌握率")
        write_atomic(out / "统计.png", png)
    except ChartError as exc:  # the statistics stand without their picture
        say(f"{exc}；统计图没有写出，其余结果不受影响")
        chart = None
    towns = views["按乡镇"][0]
    say(report.text_table(towns, False, targets))
    examples = [r["编号"] for r in rows[:3]] + [r["编号"] for r in chosen[:2]]
    record_dir = out / "档案"
    for member in examples:
        rec = load_record(db, member, year, std, certs)
        write_atomic(
            record_dir / f"{member}.txt", f"{rec.member['name']}（{member}）：{rec.summary}\n"
        )
    say(f"党员档案示例：{record_dir}（{len(examples)} 人）")
    return {
        "db": db_file,
        "stats": stats_file,
        "chart": chart,
        "members": len(roster.members),
        "sessions": len(held),
        "attendances": attendances,
        "example_member": examples[-1],
        "seconds": time.perf_counter() - started,
    }
