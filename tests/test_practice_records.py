"""Practice on the hub reaches the organisers' records: ``exam-tools exam pull-practice`` reads the
exam service's database (a real :class:`ServiceStore` where members 核对答案), and the records,
statistics, frames and 我的档案 count it.

Roster (records database)          hub logins practising
T1 城关镇党委 (乡镇)                 a          → a (login is the roster id)
 ├─ V1 花王村党支部 (村): a, b       etsvc-zhang → b (only through --login)
 └─ V2 石门村党支部 (村): c          etsvc-x    → nobody on the roster
T2 石桥镇党委 (乡镇): d (no practice)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import compact_key, key_from_compact
from exam_tools.course.load import check_courses, load_course
from exam_tools.course.pool import ExamSpec, exam_spec
from exam_tools.errors import DatabaseFileError, InvalidInputError
from exam_tools.records.db import open_db, table
from exam_tools.records.record import certifications, exam_titles, load_record
from exam_tools.records.standards import load_standards
from exam_tools.service.practice_export import pull_practice
from exam_tools.service.store import ServiceStore
from exam_tools.timezone import zone

from .conftest import DATA, ROOT, FakeClock

COURSES = check_courses(DATA / "courses", None).courses
STD = load_standards()
DEC_1 = datetime(2026, 12, 1, 9, 0, tzinfo=zone()).timestamp()  # 09:00 in the configured zone

ORGS = [
    ("T1", "城关镇党委", "乡镇", None, "城关镇党委"),
    ("V1", "花王村党支部", "村", "T1", "城关镇党委/花王村党支部"),
    ("V2", "石门村党支部", "村", "T1", "城关镇党委/石门村党支部"),
    ("T2", "石桥镇党委", "乡镇", None, "石桥镇党委"),
]
MEMBERS = [("a", "张三", "V1"), ("b", "李四", "V1"), ("c", "王五", "V2"), ("d", "赵六", "T2")]


def cli(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "exam_tools", *args], capture_output=True,
                       text=True, env=env, check=False)  # fmt: skip
    assert (r.returncode == 0) == ok, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    return r


@pytest.fixture
def records(tmp_path: Path) -> Path:
    file = tmp_path / "党员.db"
    db = open_db(file)
    with db.conn:
        table(db, "orgs").insert_all(
            {"id": i, "name": n, "kind": k, "parent": p, "path": path} for i, n, k, p, path in ORGS
        )
        table(db, "members").insert_all(
            {"id": i, "name": n, "org": o, "category": "种养业大户党员", "roles": "[]",
             "birth_year": 1970, "status": "正式", "flowing": 0}
            for i, n, o in MEMBERS
        )  # fmt: skip
    db.close()
    return file


def practice_spec(bank: Bank) -> tuple[ExamSpec, str]:
    """A practice drawn by the test course's certification rules (so it has a 简答 question,
    which the service cannot judge): an instructor's 综合练习."""
    course = load_course("rice", DATA / "courses")
    d = json.loads(exam_spec(bank, course, course.assessment("cert"), seed=0))
    d["assessment"].update(id="drill", title="综合练习", mode="practice", time_limit=None,
                           attempts=None)  # fmt: skip
    return ExamSpec.from_dict(d), json.dumps(d, ensure_ascii=False)


@pytest.fixture
def service(tmp_path: Path, bank: Bank) -> tuple[ServiceStore, FakeClock]:
    clock = FakeClock(DEC_1)
    store = ServiceStore(tmp_path / "exam-service.sqlite", clock=clock)
    spec, text = practice_spec(bank)
    key = {q.id: {**compact_key([q])[q.id], "explanation": q.explanation} for q in bank}
    store.put_exam(spec, text, key, exam="drill")
    return store, clock


def practise(store: ServiceStore, clock: FakeClock, login: str) -> list[bool | None]:
    """The member answers the judge and single questions right, writes a 简答 answer (which the
    service leaves to the teacher), leaves the rest blank, and asks for the verdict on every
    question; the service's verdicts, in order."""
    paper = store.paper("drill", login)
    attempt = store.start("drill", login, paper.id).number
    key = key_from_compact(paper, store.key("drill"))
    verdicts = []
    for item in key.items:
        if item.type in (QType.JUDGE, QType.SINGLE):
            store.save("drill", login, paper.id, attempt, item.n, item.answer)
        elif item.type is QType.SHORT:
            store.save("drill", login, paper.id, attempt, item.n, "及时晒田，控制无效分蘖")
        clock.advance(20)
        verdicts.append(store.check("drill", login, paper.id, attempt, item.n)["correct"])
    store.submit("drill", login, paper.id, attempt)
    return verdicts


def rows(records: Path) -> list[dict[str, Any]]:
    db = open_db(records)
    return list(db.query("select * from practice order by id"))


def test_verdicts_come_over_once_per_member_and_unknown_accounts_are_named(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    store, clock = service
    mine = practise(store, clock, "a")
    theirs = practise(store, clock, "etsvc-x")
    assert True in mine and False in mine and None in mine  # right, wrong and hand-marked

    result = pull_practice(store.path, open_db(records))
    assert (result.imported, result.members, result.already) == (len(mine), 1, 0)
    assert dict(result.unmapped) == {"etsvc-x": len(theirs)}
    assert result.message() == (
        f"已导入 {len(mine)} 条练习记录（1 名党员）；{len(theirs)} 条来自名册中没有的账号"
        "（etsvc-x），未导入，可补登名册或用 --login 账号=编号 对应后再运行本命令"
    )
    got = rows(records)
    service_rows = store.db.execute(
        "select id, at, qid, correct from practice where member = 'a' order by id"
    ).fetchall()
    assert [(r["member"], r["exam"], r["course"], r["assessment"]) for r in got] == [
        ("a", "drill", "rice", "drill")
    ] * len(mine)
    assert [(r["service_row"], r["qid"], r["correct"]) for r in got] == [
        (s["id"], s["qid"], s["correct"]) for s in service_rows
    ]
    assert [r["correct"] for r in got] == [None if v is None else int(v) for v in mine]
    first = datetime.fromisoformat(got[0]["at"])
    assert first.timestamp() == pytest.approx(DEC_1 + 20, abs=0.001)
    assert got[0]["at"].startswith("2026-12-01T09:00:20")  # wall-clock time in the zone

    again = pull_practice(store.path, open_db(records))
    assert (again.imported, again.members, again.already) == (0, 0, len(mine))
    assert len(rows(records)) == len(mine)

    # more practice later, and the unknown account named on the command line: only the new rows
    more = practise(store, clock, "a")
    later = pull_practice(store.path, open_db(records), {"etsvc-x": "c"})
    assert (later.imported, later.members, later.already) == (len(more) + len(theirs), 2, len(mine))
    assert not later.unmapped
    assert (
        later.message()
        == f"已导入 {len(more) + len(theirs)} 条练习记录（2 名党员），{len(mine)} 条以前已导入"
    )
    assert {r["member"] for r in rows(records) if r["login"] == "etsvc-x"} == {"c"}


def test_a_failure_mid_import_leaves_the_records_as_they_were(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    store, clock = service
    practise(store, clock, "a")
    practise(store, clock, "b")
    db = open_db(records)
    # the records database refuses the 13th row (a full disk or a bug would fail the same way)
    db.execute(
        "create trigger refuse before insert on practice when (select count(*) from practice) >= 12 "
        "begin select raise(abort, 'disk full'); end"
    )
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        pull_practice(store.path, db)
    assert rows(records) == []
    r = cli(
        "exam", "pull-practice", "--service-db", str(store.path), "--db", str(records), ok=False
    )
    assert r.stderr.strip() == f"错误：数据库 {records} 出错：disk full"
    assert rows(records) == []
    db.execute("drop trigger refuse")
    assert pull_practice(store.path, db).imported == 20


def test_the_service_keeps_writing_while_its_database_is_read(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    store, clock = service
    practise(store, clock, "a")
    with store.tx():  # the service in the middle of a write: the import neither waits nor blocks
        store.db.execute("insert into refusals (at, code, detail) values (1, 'x', 'y')")
        assert pull_practice(store.path, open_db(records)).imported == 10
    practise(store, clock, "a")  # and the service goes on recording verdicts afterwards
    assert store.db.execute("select count(*) from practice").fetchone()[0] == 20


def test_bad_service_databases_and_login_pairs_are_errors_that_change_nothing(
    service: tuple[ServiceStore, FakeClock], records: Path, tmp_path: Path
) -> None:
    store, clock = service
    practise(store, clock, "a")
    with pytest.raises(DatabaseFileError, match="找不到考试服务的数据库"):
        pull_practice(tmp_path / "typo.sqlite", open_db(records))
    assert not (tmp_path / "typo.sqlite").exists()
    with pytest.raises(DatabaseFileError, match="不是考试服务的数据库"):
        pull_practice(records, open_db(records))
    with pytest.raises(InvalidInputError, match="etsvc-zhang=nobody"):
        pull_practice(store.path, open_db(records), {"etsvc-zhang": "nobody"})
    assert rows(records) == []
    r = cli("exam", "pull-practice", "--service-db", str(tmp_path / "typo.sqlite"),
            "--db", str(records), ok=False)  # fmt: skip
    assert r.stderr.startswith("错误：找不到考试服务的数据库") and r.stderr.count("\n") == 1
    r = cli("exam", "pull-practice", "--service-db", str(store.path), "--db", str(records),
            "--login", "etsvc-zhang", ok=False)  # fmt: skip
    assert "应写成 登录名=党员编号" in r.stderr


def test_the_command_maps_logins_and_prints_one_chinese_line(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    store, clock = service
    practise(store, clock, "a")
    practise(store, clock, "etsvc-zhang")
    practise(store, clock, "etsvc-x")
    args = ["exam", "pull-practice", "--service-db", str(store.path), "--db", str(records)]
    out = cli(*args, "--login", "etsvc-zhang=b").stdout
    assert out == (
        "已导入 20 条练习记录（2 名党员）；10 条来自名册中没有的账号（etsvc-x），未导入，"
        "可补登名册或用 --login 账号=编号 对应后再运行本命令\n"
    )
    assert cli(*args, "--login", "etsvc-zhang=b").stdout.startswith(
        "已导入 0 条练习记录（0 名党员），20 条以前已导入；10 条"
    )


def verdict_counts(records: Path, member: str, year: int) -> tuple[int, int, int]:
    (items, graded, correct), = open_db(records).execute(
        "select count(*), count(correct), coalesce(sum(correct), 0) from practice "
        "where member = ? and substr(at, 1, 4) = ?", (member, str(year))
    ).fetchall()  # fmt: skip
    return items, graded, correct


def test_the_record_says_how_much_the_member_practised_this_year(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    from openpyxl import load_workbook

    from exam_tools.quiz.landing_parts import profile_rows
    from exam_tools.quiz.profile import profile_html
    from exam_tools.quiz.record_client import PublishedRecord
    from exam_tools.reports.record import record_html, record_workbook
    from exam_tools.service.export import published

    store, clock = service
    practise(store, clock, "a")
    clock.now = datetime(2026, 12, 31, 23, 58, tzinfo=zone()).timestamp()
    practise(store, clock, "a")  # the last questions are answered on 2027-01-01, local time
    pull_practice(store.path, open_db(records))
    items, graded, correct = verdict_counts(records, "a", 2026)
    assert 10 < items < 20 and graded < items and correct > 0  # a 简答 (hand-marked) among them

    db = open_db(records)
    rec = load_record(db, "a", 2026, STD, certifications(COURSES), exam_titles(COURSES))
    line = f"本年度练习 {items} 题次，答对 {correct} 题次（另有 {items - graded} 题次需人工评阅，不计对错）"
    assert rec.practice.line == line
    assert rec.to_dict()["practice"] == {"items": items, "graded": graded, "correct": correct}
    assert f"<h2>练习</h2><p>{line}</p>" in record_html(rec)
    import io

    sheet = load_workbook(io.BytesIO(record_workbook(rec)))["培训档案"]
    assert ["练习", line] in [[c.value for c in r][:2] for r in sheet.iter_rows()]
    next_year = load_record(db, "a", 2027, STD, certifications(COURSES), exam_titles(COURSES))
    assert next_year.practice.items == 20 - items
    nobody = load_record(db, "d", 2026, STD, certifications(COURSES))
    assert nobody.practice.line == "本年度还没有练习记录"

    out = cli("record", "a", "--year", "2026", "--db", str(records), "--courses",
              str(DATA / "courses")).stdout  # fmt: skip
    assert f"练习：{line}\n" in out

    # 我的档案 on the hub: the published record carries it to the member's page
    doc = published(rec)
    assert doc["practice"] == {"items": items, "graded": graded, "correct": correct}
    shown = PublishedRecord(2026, 0.0, 32, practice_items=items, practice_correct=correct,
                            practice_graded=graded)  # fmt: skip
    page = profile_rows(shown, "练习 0 次")
    assert f"<th>2026 年练习</th><td>{line}</td>" in page
    assert "年练习" not in profile_rows(PublishedRecord(2026, 0.0, 32), "练习 0 次")
    # on the hub the service's live count stands in for the (older) published one
    live = profile_rows(shown, "本年度练习 99 题次，答对 90 题次", live=True)
    assert "年练习" not in live and "<th>练习</th><td>本年度练习 99 题次" in live
    assert line in profile_html("a", {"hours": "0", "practice": doc["practice"]})
    # 学习积分 by kind, as the record carries them (issue 20)
    points = rec.to_dict()["points"]
    assert f"本年 {points['total']:g} 分（练习答对" in profile_html("a", {"points": points})


def test_the_hub_client_reads_practice_from_the_published_record(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    from exam_tools.quiz.online.records import ServiceRecordClient

    class Answers:  # the service's JSON reply, as ServiceClient.record() returns it
        member = "a"

        def __init__(self, record: dict[str, Any]) -> None:
            self.reply = {"record": record}

        def record(self) -> dict[str, Any]:
            return self.reply

    base = {"year": 2026, "hours": 4.0, "required_hours": 32, "exams": [], "technologies": []}
    with_practice = {**base, "practice": {"items": 12, "graded": 10, "correct": 7}}
    got = ServiceRecordClient(Answers(with_practice)).published_record("a")  # type: ignore[arg-type]
    assert got is not None
    assert got.practice_line == "本年度练习 12 题次，答对 7 题次（另有 2 题次需人工评阅，不计对错）"
    older = ServiceRecordClient(Answers(base)).published_record("a")  # type: ignore[arg-type]
    assert older is not None and older.practice_line is None  # published before practice counted


@pytest.fixture
def pulled(service: tuple[ServiceStore, FakeClock], records: Path) -> Path:
    store, clock = service
    practise(store, clock, "a")
    practise(store, clock, "a")
    practise(store, clock, "etsvc-zhang")
    practise(store, clock, "etsvc-x")
    pull_practice(store.path, open_db(records), {"etsvc-zhang": "b", "etsvc-x": "c"})
    return records


def test_the_practice_frame(pulled: Path) -> None:
    import pandas as pd

    from exam_tools.frames import Frames

    f = Frames(pulled, year=2026, courses=COURSES, standards=STD)
    df = f.practice()
    assert list(df.columns) == [
        "时间", "党员编号", "姓名", "所在党组织", "乡镇", "村", "课程", "练习", "题号", "答对",
    ]  # fmt: skip
    assert len(df) == 40 and df["时间"].dtype.kind == "M" and df["时间"].is_monotonic_increasing
    assert df["时间"].iloc[0] == pd.Timestamp("2026-12-01 09:00:20")
    assert df["答对"].dtype == "boolean" and df["答对"].isna().sum() == 4  # the 简答 questions
    for name in ("乡镇", "村", "课程", "练习", "题号"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
    assert set(df["课程"]) == {"水稻种植（测试课程）"}  # the course's title, not rice
    assert set(df["练习"]) == {"drill"}  # not an assessment of course.yaml: its id
    assert df.groupby("姓名")["答对"].count().to_dict() == {"张三": 18, "李四": 9, "王五": 9}
    assert set(df[df["姓名"] == "王五"]["村"]) == {"石门村党支部"}
    assert len(f.practice(2025)) == 0 and len(f.practice(2026)) == 40


def test_member_years_and_org_statistics_count_practice_honestly(pulled: Path) -> None:
    import numpy as np

    from exam_tools.frames import Frames
    from exam_tools.records.orgstats import org_statistics
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.reports import orgs as report

    f = Frames(pulled, year=2026, courses=COURSES, standards=STD)
    counts = {m: verdict_counts(pulled, m, 2026) for m in "abcd"}
    my = f.member_years().set_index("编号")
    assert my["练习题次"].dtype == "int64" and my["练习正确率"].dtype == "float64"
    for m, (items, graded, correct) in counts.items():
        assert (my.loc[m, "练习题次"], my.loc[m, "练习答对"]) == (items, correct)
        if graded:
            assert my.loc[m, "练习正确率"] == pytest.approx(correct / graded)
    assert np.isnan(my.loc["d", "练习正确率"])  # no practice: no rate, not 0%

    towns = f.org_stats("乡镇").set_index("名称")
    abc = [counts[m] for m in "abc"]
    assert (towns.loc["城关镇党委", "练习人数"], towns.loc["城关镇党委", "练习题次"]) == (3, 40)
    # right answers over the verdicts the service could judge (hand-marked ones left out of both)
    assert towns.loc["城关镇党委", "练习正确率"] == pytest.approx(
        sum(c for *_, c in abc) / sum(g for _, g, _ in abc)
    )
    assert towns.loc["石桥镇党委", "练习人数"] == 0 and np.isnan(
        towns.loc["石桥镇党委", "练习正确率"]
    )
    assert towns["练习人数"].dtype == "int64" and towns["练习正确率"].dtype == "float64"
    villages = f.org_stats("村").set_index("名称")
    assert villages.loc["花王村党支部", "练习人数"] == 2
    assert villages.loc["花王村党支部", "练习题次"] == 30

    # the CLI's statistics (read by queries, not through the records) say the same
    db = open_db(pulled)
    groups = org_statistics(load_member_years(db, 2026, STD, certifications(COURSES)),
                            orgs_by_id(db), "乡镇")  # fmt: skip
    head = report.header(False)
    town = dict(zip(head, report.rows(groups, False)[0], strict=True))
    assert (town["练习人数"], town["练习题次"]) == (3, 40)
    assert town["练习正确率"] == pytest.approx(towns.loc["城关镇党委", "练习正确率"])
    out = cli("stats", "org", "--year", "2026", "--db", str(pulled), "--courses",
              str(DATA / "courses")).stdout  # fmt: skip
    assert "练习人数  练习题次  练习正确率" in out
    rate = 100 * towns.loc["城关镇党委", "练习正确率"]
    assert f"  3  40  {rate:.1f}%" in out.splitlines()[2]


def test_an_older_records_database_gains_the_practice_table(tmp_path: Path) -> None:
    import sqlite_utils

    from exam_tools.records import db as dbmod

    path = tmp_path / "v3.db"
    old = sqlite_utils.Database(path)
    for migrate in dbmod.MIGRATIONS[:3]:
        migrate(old)
    old.execute("PRAGMA user_version = 3")
    old.conn.commit()
    old.close()
    db = open_db(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    assert {"member", "at", "course", "assessment", "qid", "correct", "service_row"} <= set(
        db["practice"].columns_dict
    )
    assert {tuple(i.columns) for i in db["practice"].indexes} >= {("member",), ("at",)}


def test_reading_a_stopped_service_leaves_its_files_to_the_service_account(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    """With the service stopped, SQLite's read-only reader still leaves ``-wal`` and ``-shm``
    files; made by root, the service's account could not open them at its next start."""
    if os.geteuid() != 0:
        pytest.skip("needs root to hand files to another account (CI runs as root)")
    store, clock = service
    practise(store, clock, "a")
    store.close()  # the service stops: its -wal and -shm files go
    folder = store.path.parent
    os.chown(folder, 65534, 65534)  # the service's own folder, as on the hub
    assert pull_practice(store.path, open_db(records)).imported == 10
    left = [f for f in folder.iterdir() if f.name.startswith(store.path.name + "-")]
    assert left and all(f.stat().st_uid == 65534 for f in left), left


def test_practice_of_the_mistake_book_is_counted_as_such(
    service: tuple[ServiceStore, FakeClock], records: Path
) -> None:
    """A 错题本 paper (drawn by the service from the member's wrong answers) is practice too; it
    comes over as course "mistakes", assessment "review"."""
    store, clock = service
    practise(store, clock, "a")
    exam = store.new_review("a")
    assert exam is not None
    paper = store.paper(exam, "a")
    store.start(exam, "a", paper.id)
    store.save(exam, "a", paper.id, 1, 1, None)
    store.check(exam, "a", paper.id, 1, 1)
    pull_practice(store.path, open_db(records))
    last = rows(records)[-1]
    assert (last["exam"], last["course"], last["assessment"]) == (exam, "mistakes", "review")
    from exam_tools.frames import Frames

    shown = Frames(open_db(records)).practice().iloc[-1]
    assert (shown["课程"], shown["练习"]) == ("错题本", "错题本练习")
