"""Training records against the standards, with hand-computed expectations."""

from __future__ import annotations

import pytest

from exam_tools.records.db import open_db
from exam_tools.records.record import Certification, build_record
from exam_tools.records.standards import load_standards

STANDARDS = load_standards()
RICE = Certification("shuidao", "cert", "水稻种植", 80)
PIG = Certification("shengzhu", "cert", "生猪养殖", 80)


def session(date: str, hours: float, kind: str = "集中培训") -> dict:
    return {"date": date, "kind": kind, "title": "培训", "hours": hours}


def attempt(course: str, percent: float, date: str = "2026-06-01") -> dict:
    return {
        "course": course, "assessment": "cert", "score": percent, "max_score": 100,
        "percent": percent, "passed": int(percent >= 80), "submitted_at": date,
    }  # fmt: skip


MEMBER = {"id": "m1", "name": "张三", "roles": []}
LEADER = {"id": "m2", "name": "李四", "roles": ["村干部", "班子成员"]}


def test_the_standards_come_from_the_file() -> None:
    assert STANDARDS.default_hours == 32
    assert STANDARDS.required_hours(["书记"]) == 56
    assert STANDARDS.required_hours(["村干部"]) == 32


@pytest.mark.parametrize(
    ("hours", "met"), [((8, 8, 8, 8), True), ((8, 8, 8, 7.5), False), ((8, 8, 8, 8, 2), True)]
)
def test_exactly_32_hours_is_met_and_31_5_is_not(hours: tuple[float, ...], met: bool) -> None:
    rows = [session(f"2026-0{i + 1}-10", h) for i, h in enumerate(hours)]
    record = build_record(MEMBER, 2026, rows, [], STANDARDS, [RICE])
    assert record.hours == sum(hours)
    assert record.hours_met is met


def test_leaders_need_56_hours_and_hours_count_in_their_own_year() -> None:
    rows = [
        session("2025-12-20", 8),
        session("2026-01-05", 40, "远程教育"),
        session("2026-03-01", 16),
    ]
    record = build_record(LEADER, 2026, rows, [], STANDARDS, [])
    assert (record.hours, record.required_hours, record.hours_met) == (56, 56, True)
    assert record.hours_by_kind == {"远程教育": 40, "集中培训": 16}
    assert build_record(LEADER, 2025, rows, [], STANDARDS, []).hours == 8


def test_technologies_need_the_course_pass_mark() -> None:
    attempts = [
        attempt("shuidao", 80),
        attempt("shengzhu", 79.5),
        attempt("shengzhu", 92, "2027-01-02"),
    ]
    record = build_record(
        MEMBER, 2026, [session("2026-05-01", 34)], attempts, STANDARDS, [RICE, PIG]
    )
    assert record.technologies == ["水稻种植"]
    assert record.summary == "学时 34/32 达标; 掌握1门实用技术: 水稻种植"
    later = build_record(MEMBER, 2027, [], attempts, STANDARDS, [RICE, PIG])
    assert later.technologies == ["水稻种植", "生猪养殖"]  # mastered stays mastered
    assert later.summary == "学时 0/32 未达标（差 32 学时）; 掌握2门实用技术: 水稻种植、生猪养殖"


def test_a_member_with_no_activity() -> None:
    record = build_record(MEMBER, 2026, [], [], STANDARDS, [RICE])
    data = record.to_dict()
    assert {k: data[k] for k in ("hours", "required_hours", "hours_met", "exams", "technologies")} == {
        "hours": 0, "required_hours": 32, "hours_met": False, "exams": [], "technologies": [],
    }  # fmt: skip
    assert data["summary"] == "学时 0/32 未达标（差 32 学时）; 尚未掌握实用技术"


def test_opening_an_older_database_upgrades_it_without_losing_rows(tmp_path) -> None:
    import sqlite_utils

    from exam_tools.records import db as dbmod

    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    dbmod.MIGRATIONS[0](old)  # a database from the first release: attempts and results only
    old.execute("PRAGMA user_version = 1")
    old["attempts"].insert({"id": "cert/m1", "assignment": "cert", "member": "m1", "score": 30.0})
    old.conn.commit()
    old.close()
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(dbmod.MIGRATIONS)
    assert [r["score"] for r in db["attempts"].rows] == [30.0]
    assert {"orgs", "members", "sessions", "attendance"} <= set(db.table_names())
    assert "pass_percent" in db["attempts"].columns_dict


def test_plan_closes_the_gaps_for_the_member_category() -> None:
    from exam_tools.course.load import check_courses
    from exam_tools.records.plan import plan

    from .conftest import ROOT

    courses = check_courses(ROOT / "courses", None).courses
    secretary = {"id": "m3", "name": "王五", "category": "村(社区)干部", "roles": ["书记"]}
    rec = build_record(secretary, 2026, [session("2026-02-01", 40)], [], STANDARDS, [])
    suggestions = plan(rec, courses)
    assert suggestions[0].course.technology  # no technology yet: a certification course first
    assert "补上实用技术" in suggestions[0].reason
    assert sum(s.course.hours for s in suggestions) >= 16  # 56 - 40 hours to make up
    grower = {"id": "m4", "name": "赵六", "category": "种养业大户党员", "roles": []}
    done = build_record(
        grower, 2026, [session("2026-02-01", 40)], [attempt("shuidao", 90)], STANDARDS, [RICE]
    )
    assert all(s.course.id != "shuidao" for s in plan(done, courses))  # mastered already
    assert plan(done, courses) == []  # hours met and a technology mastered: nothing to close
