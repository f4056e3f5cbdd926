"""学习积分: the rules file (积分规则.yaml) and its errors, the pure count (first verdict per
question per day, daily caps, the streak), and the points in the records (record, stats org,
Frames) and at the service (published hours and exams added to its own verdicts)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exam_tools.errors import InvalidInputError
from exam_tools.records.db import open_db, table
from exam_tools.records.points import (
    DAILY_SIZE,
    KINDS,
    Activity,
    PointsRules,
    Rule,
    daily_exam,
    load_points_rules,
    parse_points_rules,
    practice_activities,
    record_activities,
    summary,
    tally,
)
from exam_tools.timezone import zone

from .conftest import ROOT

SHIPPED = load_points_rules()
D6 = date(2026, 12, 6)


def at(day: date, hour: int = 9, minute: int = 0) -> float:
    """Epoch seconds of ``hour:minute`` Beijing time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone()).timestamp()


# ---- the rules file --------------------------------------------------------------------------------


def test_the_shipped_rules_name_every_kind_with_a_daily_cap() -> None:
    assert set(SHIPPED.rules) == set(KINDS)
    assert all(r.each > 0 and r.daily_cap is not None for r in SHIPPED.rules.values())
    assert PointsRules.from_dict(SHIPPED.to_dict()) == SHIPPED  # as published to the service


GOOD = (ROOT / "src/exam_tools/records/积分规则.yaml").read_text("utf-8")


@pytest.mark.parametrize(
    ("change", "line_of", "field", "message"),
    [
        (("each: 1\n", "each: -1\n"), "each: -1", "points.practice.each", "0 或正数"),
        (("daily_cap: 10\n", "daily_cap: 十\n"), "daily_cap: 十", "points.practice.daily_cap",
         "每日上限"),
        (("  hours:\n", "  hour:\n"), "  hour:", "points.hour", "不认识的积分类别"),
        (("    each: 5\n", "    each: 5\n    bonus: 3\n"), "bonus: 3", "points.daily.bonus",
         "不认识的字段"),
        (("each: 10\n", "each: .nan\n"), "each: .nan", "points.exam.each", "0 或正数"),
    ],
)  # fmt: skip
def test_a_bad_rules_file_names_its_line_and_field(
    tmp_path: Path, change: tuple[str, str], line_of: str, field: str, message: str
) -> None:
    text = GOOD.replace(*change, 1)
    assert text != GOOD
    bad = tmp_path / "积分规则.yaml"
    bad.write_text(text, "utf-8")
    with pytest.raises(InvalidInputError) as exc:
        load_points_rules(bad)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if line_of in t)
    found = [p for p in exc.value.problems if p.field == field]
    assert found, str(exc.value)
    assert found[0].location.line == line and found[0].location.path == str(bad)
    assert message in found[0].message
    assert f"{bad}:{line}" in str(exc.value)


def test_missing_kinds_and_broken_yaml_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"缺少 points\.hours"):
        parse_points_rules(
            "points:\n  practice: {each: 1}\n  daily: {each: 1}\n  exam: {each: 1}\n"
        )
    with pytest.raises(InvalidInputError, match="格式不对") as syntax:
        parse_points_rules("points:\n  practice: {each: 1\n", "x.yaml")
    assert syntax.value.location is not None and syntax.value.location.line is not None
    with pytest.raises(InvalidInputError, match="缺少 points"):
        parse_points_rules("- 1\n- 2\n")
    # no cap is allowed: written as null or left out
    rules = parse_points_rules(GOOD.replace("daily_cap: 16", "daily_cap: null"))
    assert rules.rules["hours"] == Rule(2.0, None)


values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**7), st.floats(allow_nan=True),
    st.text(max_size=5), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*KINDS, "other"]),
        st.one_of(values, st.dictionaries(st.sampled_from(["each", "daily_cap", "x"]), values)),
    )
)
def test_any_rules_file_loads_or_fails_with_a_located_error(points: dict[str, object]) -> None:
    text = yaml.safe_dump({"points": points}, allow_unicode=True)
    try:
        rules = parse_points_rules(text, "r.yaml")
    except InvalidInputError as exc:
        assert exc.problems and all(p.location.path == "r.yaml" for p in exc.problems)
        assert all(p.location.line is not None for p in exc.problems)
        return
    assert set(rules.rules) == set(KINDS)
    for kind, rule in rules.rules.items():
        entry = points[kind]
        assert isinstance(entry, dict) and rule.each == float(entry["each"])  # type: ignore[arg-type]


# ---- the count (pure) ------------------------------------------------------------------------------


def test_only_the_first_verdict_on_a_question_in_a_day_counts() -> None:
    verdicts = [
        (at(D6, 9), "drill", "q1", 1, 0),  # wrong first: no point, even when right later
        (at(D6, 10), "drill", "q1", 1, 1),
        (at(D6, 10), "_review-2", "q1", 1, 1),  # again in the 错题本 the same day
        (at(D6, 11), "drill", "q2", 2, 1),
        (at(D6, 11), "drill", "q3", 3, None),  # 简答: a day of learning, no point
        (at(D6 + timedelta(days=1), 8), "drill", "q1", 1, 1),  # the next day it counts
        (at(D6, 23, 59) + 120, "drill", "q2", 2, 1),  # 00:01 Beijing on the 7th (16:01 UTC)
    ]
    pts = tally(SHIPPED, practice_activities(verdicts))
    assert pts.days == {D6: {"practice": 1}, D6 + timedelta(days=1): {"practice": 2}}
    assert pts.active == {D6, D6 + timedelta(days=1)}


def test_a_daily_quiz_counts_once_all_its_questions_are_judged() -> None:
    exam = daily_exam(D6)
    first = [(at(D6, 9, n), exam, f"q{n}", n, 1) for n in range(1, DAILY_SIZE)]
    acts = practice_activities(first)
    assert [a.kind for a in acts] == ["practice"] * (DAILY_SIZE - 1)
    again = [(at(D6, 10), exam, "q1", 1, 1)]  # the same question again: still not finished
    last = [(at(D6, 11), exam, f"q{DAILY_SIZE}", DAILY_SIZE, 0)]
    acts = practice_activities(first + again + last + again)
    assert [a for a in acts if a.kind == "daily"] == [Activity(D6, "daily", 1.0)]
    s = summary(tally(SHIPPED, acts), 2026, D6)
    assert s.by_kind == {"practice": 4, "daily": 5, "exam": 0, "hours": 0}
    assert (s.today_points, s.year_points, s.streak) == (9, 9, 1)


def test_caps_streaks_and_activity_windows() -> None:
    many = [(at(D6, 9), "drill", f"q{i}", i, 1) for i in range(30)]  # 30 right: capped at 10
    sessions = [("2026-12-05", 8.0), ("2026-12-04", 4), ("2026-11-01", 2)]
    exams = [("2026-06-01T10:00:00+08:00", "shuidao/cert", True),
             ("2026-07-01", "shuidao/cert", True),  # the same exam passed again: once
             ("2026-06-02", "shengzhu/cert", False)]  # fmt: skip
    acts = practice_activities(many) + record_activities(sessions, exams)
    pts = tally(SHIPPED, acts)
    assert pts.days[D6] == {"practice": 10}
    assert pts.days[date(2026, 12, 5)] == {"hours": 16}  # 8 hours × 2, at the cap
    assert pts.days[date(2026, 12, 4)] == {"hours": 8}
    assert pts.days[date(2026, 6, 1)] == {"exam": 10} and date(2026, 7, 1) not in pts.days
    s = summary(pts, 2026, D6)
    assert s.streak == 3 and s.active_7 and s.active_30
    assert s.year_points == 10 + 16 + 8 + 4 + 10
    assert "连续学习 3 天" in s.line and "培训学时 28" in s.line
    later = summary(pts, 2026, D6 + timedelta(days=2))  # nothing on the 7th and 8th
    assert later.streak == 0 and later.active_7 and later.today_points == 0
    assert summary(pts, 2026, date(2027, 1, 20)).today == date(2026, 12, 31)  # a past year
    assert not summary(pts, 2026, date(2026, 10, 20)).active_30


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from(KINDS), st.floats(0, 12)), max_size=60),
    st.dictionaries(
        st.sampled_from(KINDS),
        st.tuples(st.floats(0, 20), st.one_of(st.none(), st.floats(0, 50))),
        min_size=4,
    ),
)
def test_every_day_and_kind_is_units_times_points_up_to_the_cap(
    raw: list[tuple[int, str, float]], rule_values: dict[str, tuple[float, float | None]]
) -> None:
    rules = PointsRules({k: Rule(e, c) for k, (e, c) in rule_values.items()})
    acts = [Activity(D6 - timedelta(days=d), kind, u) for d, kind, u in raw]
    pts = tally(rules, list(reversed(acts)))
    assert tally(rules, acts).days == pts.days  # order does not matter
    for day, kinds in pts.days.items():
        for kind, p in kinds.items():
            units = sum(a.units for a in acts if a.day == day and a.kind == kind)
            r = rules.rules[kind]
            expected = units * r.each if r.daily_cap is None else min(units * r.each, r.daily_cap)
            assert p == pytest.approx(round(expected, 2))
    s = summary(pts, 2026, D6)
    assert s.year_points == pytest.approx(sum(s.by_kind.values()))
    assert 0 <= s.streak <= len({a.day for a in acts})


# ---- the records: record, stats org, Frames --------------------------------------------------------


def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "EXAM_TOOLS_TZ": "Asia/Shanghai"}
    r = subprocess.run([sys.executable, "-m", "exam_tools", *args], capture_output=True,
                       text=True, env=env, check=False)  # fmt: skip
    assert (r.returncode == 0) == ok, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    return r


@pytest.fixture
def records(tmp_path: Path) -> Path:
    """Two members of one village: a practised (the service's verdicts, carried over), trained
    and passed an exam; b did nothing."""
    file = tmp_path / "党员.db"
    db = open_db(file)
    with db.conn:
        table(db, "orgs").insert_all([
            {"id": "T1", "name": "城关镇党委", "kind": "乡镇", "parent": None, "path": "城关镇党委"},
            {"id": "V1", "name": "花王村党支部", "kind": "村", "parent": "T1",
             "path": "城关镇党委/花王村党支部"},
        ])  # fmt: skip
        table(db, "members").insert_all(
            {"id": i, "name": n, "org": "V1", "category": "种养业大户党员", "roles": "[]",
             "birth_year": 1970, "status": "正式", "flowing": 0}
            for i, n in (("a", "张三"), ("b", "李四"))
        )  # fmt: skip
        table(db, "sessions").insert(
            {"id": "s1", "date": "2026-12-05", "org": "V1", "kind": "党课", "title": "党章学习",
             "course": None, "hours": 4.0}
        )  # fmt: skip
        table(db, "attendance").insert({"session": "s1", "member": "a", "hours": 4.0})
        table(db, "attempts").insert(
            {"id": "rice-cert/a", "assignment": "rice-cert", "course": "rice",
             "assessment": "cert", "member": "a", "paper": "p", "attempt": 1,
             "submitted_at": "2026-12-04T10:00:00+08:00", "score": 90.0, "max_score": 100.0,
             "percent": 90.0, "passed": 1, "pass_percent": 80.0, "manual_pending": 0,
             "graded_at": "2026-12-04T12:00:00+08:00"}
        )  # fmt: skip
        from exam_tools.timezone import stamp

        for i, (n, correct) in enumerate([(1, 1), (2, 1), (3, 0), (1, 1)], 1):
            ts = at(D6, 9, i)
            table(db, "practice").insert(
                {"id": i, "member": "a", "at": stamp(ts), "exam": "drill", "course": "rice",
                 "assessment": "practice", "qid": f"q{n}", "correct": correct, "login": "a",
                 "attempt": 1, "n": n, "stamp": ts, "source": "svc", "service_row": i}
            )  # fmt: skip
    db.close()
    return file


def test_the_record_in_every_format_carries_the_points(records: Path, tmp_path: Path) -> None:
    from exam_tools.records.points_db import points_summaries

    s = points_summaries(open_db(records), 2026, SHIPPED, as_of=D6)["a"]
    # 2 right (q1 twice counts once) + 4 hours × 2 + an exam passed
    assert s.by_kind == {"practice": 2, "daily": 0, "exam": 10, "hours": 8}
    assert (s.year_points, s.streak) == (20, 3)
    text = cli("record", "a", "--year", "2026", "--db", str(records)).stdout
    assert "积分：本年度学习积分 20 分（练习答对 2，考试合格 10，培训学时 8）" in text
    data = json.loads(cli("record", "a", "--year", "2026", "--db", str(records),
                          "--format", "json").stdout)  # fmt: skip
    assert data["points"]["total"] == 20 and data["points"]["by_kind"]["hours"] == 8
    page = cli("record", "a", "--year", "2026", "--db", str(records), "--format", "html").stdout
    assert "<h2>学习积分</h2>" in page and "<td>培训学时</td><td>8</td>" in page
    xlsx = tmp_path / "档案.xlsx"
    cli("record", "a", "--year", "2026", "--db", str(records), "--format", "xlsx", "-o", str(xlsx))
    from openpyxl import load_workbook

    cells = {r[0]: r[1] for r in load_workbook(xlsx)["培训档案"].iter_rows(values_only=True)}
    assert str(cells["学习积分"]).startswith("本年度学习积分 20 分")
    nobody = json.loads(cli("record", "b", "--year", "2026", "--db", str(records),
                            "--format", "json").stdout)  # fmt: skip
    assert nobody["points"]["total"] == 0 and nobody["points"]["streak"] == 0
    # the county's own rules: practice worth 3, hours nothing
    county = tmp_path / "县积分规则.yaml"
    county.write_text(GOOD.replace("each: 1\n", "each: 3\n").replace("each: 2\n", "each: 0\n"))
    data = json.loads(cli("record", "a", "--year", "2026", "--db", str(records), "--format",
                          "json", "--points-rules", str(county)).stdout)  # fmt: skip
    assert data["points"]["by_kind"] == {"practice": 6, "daily": 0, "exam": 10, "hours": 0}
    broken = tmp_path / "坏.yaml"
    broken.write_text(GOOD.replace("each: 1\n", "each: 很多\n"))
    err = cli("record", "a", "--db", str(records), "--points-rules", str(broken), ok=False)
    assert "积分规则文件" in err.stderr and "points.practice.each" in err.stderr


def test_stats_org_and_frames_count_points_and_active_members(records: Path) -> None:
    from exam_tools.frames import Frames
    from exam_tools.records.orgstats import org_statistics
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.records.standards import load_standards

    db = open_db(records)
    members = load_member_years(db, 2026, load_standards(), [])
    (village,) = org_statistics(members, orgs_by_id(db), "村")
    rates = village.rates
    assert rates["平均积分"] == pytest.approx(20 / 2)  # a's 20, b's 0
    # "active" is as of today: a learnt on 4-6 December 2026
    today = date.today()
    assert rates["近30天活跃人数"] == int((today - D6).days < 30 and today >= D6)
    out = cli("stats", "org", "--level", "村", "--year", "2026", "--db", str(records)).stdout
    assert "平均积分  近7天活跃人数  近30天活跃人数" in out and "10.0" in out

    f = Frames(records, year=2026, courses=[])
    pts = f.points()
    assert list(pts.columns) == [
        "日期",
        "党员编号",
        "姓名",
        "所在党组织",
        "乡镇",
        "村",
        "类别",
        "积分",
    ]
    assert pts.groupby("类别", observed=True)["积分"].sum().to_dict() == {
        "练习答对": 2.0,
        "考试合格": 10.0,
        "培训学时": 8.0,
    }
    assert set(pts["姓名"]) == {"张三"} and pts["日期"].dtype.kind == "M"
    assert f.org_stats("村")["平均积分"].tolist() == [pytest.approx(10.0)]


def test_the_service_adds_published_hours_and_exams_to_its_own_verdicts(
    records: Path, tmp_path: Path
) -> None:
    """我的学习's points: the service's verdicts plus what the organisers published (the county's
    rules, the dated hours and exams); a member's own files play no part."""
    from exam_tools.records.record import load_record
    from exam_tools.records.standards import load_standards
    from exam_tools.service.daily import points_for
    from exam_tools.service.export import published
    from exam_tools.service.store import ServiceStore

    from .conftest import FakeClock

    clock = FakeClock(at(D6, 20))
    store = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    assert points_for(store, "a")["total"] == 0  # nothing published, nothing practised
    county = PointsRules({**SHIPPED.rules, "hours": Rule(5, 100)})
    rec = load_record(open_db(records), "a", 2026, load_standards(), [], points_rules=county)
    store.publish_records({"a": published(rec, county)})
    p = points_for(store, "a")
    assert p["by_kind"] == {"practice": 0, "daily": 0, "exam": 10, "hours": 20}
    assert (p["today"], p["streak"]) == (0, 2)  # the 4th and 5th; nothing yet today
    store.db.execute("insert into practice (at, exam, member, attempt, n, qid, correct) "
                     "values (?, 'drill', 'a', 1, 1, 'q1', 1)", (at(D6, 19),))  # fmt: skip
    p = points_for(store, "a")
    assert (p["today"], p["total"], p["streak"]) == (1, 31, 3)
