"""exam_tools.frames: the records as DataFrames, against the records code itself on a small database.

T1 城关镇党委 (乡镇)                          T2 石桥镇党委 (乡镇)
 ├─ V1 花王村党支部 (村) ── B1 第一党小组      └─ V3 新村党支部 (村)
 ├─ V2 石门村党支部 (村)
 └─ (d directly under the 乡镇)

member  org  category        roles     2026 hours  exams
a       B1   种养业大户党员   —         32          shuidao cert 90 (passed)
b       V1   村(社区)干部     班子成员   31.5        —
c       V2   年龄较大党员     —         0           —
d       T1   村(社区)干部     书记       56          shengzhu cert 50 (failed)
e       V3   种养业大户党员   —         40          shuidao cert 85 (2026), shengzhu cert 95 (2025)
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from exam_tools.categories import MEMBER_CATEGORIES
from exam_tools.course.load import check_courses
from exam_tools.records.db import open_db, table
from exam_tools.records.orgstats import org_statistics, target_progress
from exam_tools.records.queries import load_member_years, orgs_by_id
from exam_tools.records.record import certifications, exam_titles, load_record
from exam_tools.records.standards import load_standards
from exam_tools.reports import orgs as report

from .conftest import ROOT

YEAR = 2026
COURSES = check_courses(ROOT / "courses", None).courses
STD = load_standards()

ORGS = [
    ("T1", "城关镇党委", "乡镇", None),
    ("V1", "花王村党支部", "村", "T1"),
    ("B1", "第一党小组", "党小组", "V1"),
    ("V2", "石门村党支部", "村", "T1"),
    ("T2", "石桥镇党委", "乡镇", None),
    ("V3", "新村党支部", "村", "T2"),
]
MEMBERS = [
    ("a", "张三", "B1", "种养业大户党员", [], "2001-07"),
    ("b", "李四", "V1", "村(社区)干部", ["班子成员"], "1998-06-01"),
    ("c", "王五", "V2", "年龄较大党员", [], None),
    ("d", "赵六", "T1", "村(社区)干部", ["书记"], "1990-01-01"),
    ("e", "钱七", "V3", "种养业大户党员", [], "2010-10-01"),
]
SESSIONS = [  # id, date, org, kind, hours, attendees (member, hours)
    ("s1", "2026-03-10", "T1", "集中培训", 32, [("a", 32), ("d", 32), ("b", 31.5)]),
    ("s2", "2026-04-02", "T1", "党课", 24, [("d", 24)]),
    ("s3", "2026-05-01", "T2", "远程教育", 40, [("e", 40)]),
    ("s4", "2025-11-01", "T2", "主题党日", 4, [("e", 4)]),  # last year: not counted
]
ATTEMPTS = [  # member, course, percent, submitted
    ("a", "shuidao", 90, "2026-06-01T10:00:00+08:00"),
    ("d", "shengzhu", 50, "2026-06-02T09:30:00"),
    ("e", "shuidao", 85, "2026-06-03T15:00:00"),
    ("e", "shengzhu", 95, "2025-09-01T15:00:00"),
]


def path(oid: str | None) -> str:
    by_id = {o[0]: o for o in ORGS}
    parts = []
    while oid:
        parts.append(by_id[oid][1])
        oid = by_id[oid][3]
    return "/".join(reversed(parts))


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    file = tmp_path / "t.db"
    db = open_db(file)
    with db.conn:
        table(db, "orgs").insert_all(
            {"id": i, "name": n, "kind": k, "parent": p, "path": path(i)} for i, n, k, p in ORGS
        )
        table(db, "members").insert_all(
            {"id": i, "name": n, "org": o, "category": c, "roles": json.dumps(r, ensure_ascii=False),
             "birth_year": 1970, "joined": j, "status": "预备" if i == "e" else "正式",
             "flowing": int(i == "c")}
            for i, n, o, c, r, j in MEMBERS
        )  # fmt: skip
        table(db, "sessions").insert_all(
            {"id": i, "date": d, "org": o, "kind": k, "title": f"培训{i}", "course": "dangzhang",
             "hours": h}
            for i, d, o, k, h, _ in SESSIONS
        )  # fmt: skip
        table(db, "attendance").insert_all(
            {"session": i, "member": m, "hours": h} for i, *_, who in SESSIONS for m, h in who
        )
        for member, course, percent, when in ATTEMPTS:
            aid = f"{course}-cert-{when[:4]}/{member}"
            table(db, "attempts").insert(
                {"id": aid, "assignment": f"{course}-cert-{when[:4]}", "course": course,
                 "assessment": "cert", "member": member, "paper": "p", "attempt": 1,
                 "submitted_at": when, "score": percent, "max_score": 100.0, "percent": percent,
                 "passed": int(percent >= 80), "pass_percent": 80.0, "manual_pending": 0,
                 "graded_at": when}
            )  # fmt: skip
            table(db, "results").insert_all(
                [
                    {"attempt_id": aid, "n": 1, "qid": f"{course[:2]}-1", "type": "single",
                     "response": '"A"', "shown": "[0,1,2,3]", "score": 5.0, "points": 5.0,
                     "correct": 1, "manual": 0},
                    {"attempt_id": aid, "n": 2, "qid": f"{course[:2]}-2", "type": "short",
                     "response": '"答"', "shown": "[]", "score": 0.0, "points": 10.0,
                     "correct": None, "manual": 1},
                ]
            )  # fmt: skip
    return file


@pytest.fixture
def frames(db_file: Path):  # type: ignore[no-untyped-def]
    from exam_tools.frames import Frames

    return Frames(db_file, year=YEAR, courses=COURSES, standards=STD)


def test_member_years_are_the_records_of_the_records_code(frames, db_file: Path) -> None:
    my = frames.member_years()
    assert list(my.columns) == [
        "编号", "姓名", "所在党组织", "乡镇", "村", "人员类别", "职务", "学时", "要求学时", "学时达标",
        "还差学时", "参加考试", "考试合格", "平均分", "实用技术门数", "掌握的实用技术", "练习题次",
        "练习答对", "练习正确率", "小结",
    ]  # fmt: skip
    assert my["学时"].dtype == "float64" and my["要求学时"].dtype == "float64"
    assert my["学时达标"].dtype == bool and my["实用技术门数"].dtype == "int64"
    db = open_db(db_file)
    for row in my.itertuples(index=False):
        rec = load_record(db, row.编号, YEAR, STD, certifications(COURSES))
        assert (row.学时, row.要求学时, row.学时达标) == (
            rec.hours,
            rec.required_hours,
            rec.hours_met,
        )
        assert row.掌握的实用技术 == "、".join(rec.technologies)
        assert row.小结 == rec.summary
    e = my.set_index("编号").loc["e"]
    # one certified last year stays mastered
    assert set(e["掌握的实用技术"].split("、")) == {"水稻种植", "生猪养殖"}
    assert (e["参加考试"], e["平均分"]) == (1, 85.0)  # only this year's exam counts
    assert my.set_index("编号").loc["b", "还差学时"] == 24.5  # 56 - 31.5
    assert pd.isna(my.set_index("编号").loc["c", "平均分"])


def test_levels_and_categories_in_the_standards_order(frames) -> None:
    my = frames.member_years().set_index("编号")
    assert list(my["乡镇"]) == ["城关镇党委"] * 4 + ["石桥镇党委"]
    assert my.loc["a", "村"] == "花王村党支部"  # a 党小组 rolls up to its 村
    assert pd.isna(my.loc["d", "村"])  # directly under the 乡镇
    category = my["人员类别"].dtype
    assert isinstance(category, pd.CategoricalDtype) and category.ordered
    assert tuple(category.categories) == MEMBER_CATEGORIES
    ordered = my.sort_values("人员类别")["人员类别"].drop_duplicates().tolist()
    assert ordered == ["种养业大户党员", "年龄较大党员", "村(社区)干部"]  # not alphabetical


def test_org_stats_equal_the_statistics_the_cli_prints(frames, db_file: Path) -> None:
    db = open_db(db_file)
    years = load_member_years(db, YEAR, STD, certifications(COURSES))
    orgs = orgs_by_id(db)
    for level in ("乡镇", "村"):
        df = frames.org_stats(level)
        expected = report.rows(org_statistics(years, orgs, level), False)
        got = df.drop(columns="名称").astype(object).where(df.drop(columns="名称").notna(), None)
        assert got.values.tolist() == expected
    towns = frames.org_stats("乡镇").set_index("名称")
    assert towns.loc["城关镇党委", "党员数"] == 4
    assert towns.loc["城关镇党委", "参训率"] == pytest.approx(0.75)
    assert towns.loc["城关镇党委", "学时达标率"] == pytest.approx(0.5)  # a 32/32, d 56/56
    assert towns.loc["石桥镇党委", "平均分"] == pytest.approx(85.0)
    assert towns["参训率"].dtype == "float64"
    villages = frames.org_stats("村").set_index("名称")
    assert pd.isna(villages.loc["石门村党支部", "合格率"])  # nobody took an exam there
    by_cat = frames.org_stats("乡镇", by_category=True)
    town1 = by_cat[by_cat["名称"] == "城关镇党委"]["人员类别"].tolist()
    assert town1 == ["种养业大户党员", "年龄较大党员", "村(社区)干部"]
    (goal,) = frames.targets().itertuples(index=False)
    (progress,) = target_progress(years, orgs, STD)
    assert (goal.对象人数, goal.已达到, goal._5) == (
        progress.eligible,
        progress.achieved,
        progress.gap,
    )


def test_plain_tables_have_dates_titles_and_categories(frames) -> None:
    members = frames.members().set_index("编号")
    assert members["入党时间"].dtype.kind == "M"
    assert members.loc["a", "入党时间"] == pd.Timestamp("2001-07-01")  # "2001-07" as written
    assert pd.isna(members.loc["c", "入党时间"])
    assert members["流动党员"].dtype == bool and members.loc["c", "流动党员"]
    assert list(members["党员状态"].cat.categories) == ["正式", "预备"]
    assert members.loc["b", "职务"] == "班子成员"

    sessions = frames.sessions(YEAR)
    assert sessions["培训编号"].tolist() == ["s1", "s2", "s3"]
    assert sessions["日期"].dtype.kind == "M" and sessions["学时"].dtype == "float64"
    assert tuple(sessions["形式"].cat.categories) == STD.session_kinds
    assert sessions["签到人数"].tolist() == [3, 1, 1]
    assert set(sessions["课程"]) == {"党章学习"}  # the course's title, not dangzhang
    assert len(frames.sessions()) == 4

    attendance = frames.attendance(YEAR)
    hours = attendance.groupby("姓名")["学时"].sum().to_dict()
    assert hours == {"张三": 32.0, "李四": 31.5, "赵六": 56.0, "钱七": 40.0}

    attempts = frames.attempts()
    assert set(attempts["考试"]) == {"水稻种植技术认证考试", "生猪养殖技术认证考试"}
    assert set(attempts["课程"]) == {"水稻绿色高效种植", "生猪健康养殖"}
    first = attempts.iloc[0]
    assert first["提交时间"] == pd.Timestamp("2025-09-01 15:00:00")
    assert attempts["合格"].dtype == bool and attempts["百分制得分"].dtype == "float64"
    assert len(frames.attempts(YEAR)) == 3
    a = attempts.set_index("党员编号").loc["a"]
    assert a["提交时间"] == pd.Timestamp("2026-06-01 10:00:00")  # wall-clock time as written


def test_per_question_results(frames) -> None:
    results = frames.results()
    assert results.shape == (8, 10)
    assert list(results.columns) == [
        "作业", "考试", "党员编号", "序号", "题号", "题型", "得分", "分值", "答对", "人工评分",
    ]  # fmt: skip
    assert tuple(results["题型"].cat.categories) == ("单选", "多选", "判断", "填空", "简答")
    assert results["答对"].dtype == "boolean"
    short = results[results["题型"] == "简答"]
    assert short["答对"].isna().all() and short["人工评分"].all()  # still to be marked
    single = results[results["题型"] == "单选"]
    assert single["答对"].all() and (single["得分"] == 5.0).all()
    mine = results[results["党员编号"] == "e"]
    assert set(mine["考试"]) == {"水稻种植技术认证考试", "生猪养殖技术认证考试"}
    assert set(mine["题号"]) == {"sh-1", "sh-2"}  # both courses start with "sh"
    one = frames.results("shuidao-cert-2026")
    assert sorted(one["党员编号"].unique()) == ["a", "e"] and len(one) == 4
    assert set(one["题号"].cat.categories) == {"sh-1", "sh-2"}
    per_question = results.groupby("题号", observed=True)["得分"].mean().to_dict()
    assert per_question == {"sh-1": 5.0, "sh-2": 0.0}


def test_styled_shows_shares_as_percentages(frames) -> None:
    from exam_tools.frames import styled

    html = styled(frames.org_stats("乡镇")).to_html()
    assert "75.0%" in html and "<th" in html and "参训率" in html


def test_exam_titles_name_exams_on_a_record(db_file: Path) -> None:
    from exam_tools.reports.record import record_html

    db = open_db(db_file)
    rec = load_record(db, "e", YEAR, STD, certifications(COURSES), exam_titles(COURSES))
    assert [(x["course"], x["assessment"]) for x in rec.exams] == [
        ("水稻绿色高效种植", "水稻种植技术认证考试")
    ]
    assert (rec.exams[0]["course_id"], rec.exams[0]["assessment_id"]) == ("shuidao", "cert")
    page = record_html(rec)
    assert "水稻种植技术认证考试" in page and "shuidao" not in page and ">cert<" not in page


def test_frames_workbook_keeps_text_as_text_and_prints_on_a4(frames) -> None:
    import io

    from openpyxl import load_workbook

    from exam_tools.reports.tables import frames_workbook

    my = frames.member_years()
    my.loc[0, "姓名"] = '=HYPERLINK("http://example.com","点此")'  # a hostile roster cell
    book = load_workbook(
        io.BytesIO(frames_workbook({"党员学时": my, "各乡镇": frames.org_stats()}))
    )
    sheet = book["党员学时"]
    assert [c.value for c in sheet[1]] == list(my.columns)
    assert sheet.max_row == len(my) + 1
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("=HYPERLINK")
    assert sheet["H2"].value == my.loc[0, "学时"] and sheet["H2"].number_format == "0.0"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    towns = book["各乡镇"]
    assert towns["D1"].value == "参训率" and towns["D2"].number_format == "0.0%"
    assert towns["D2"].value == pytest.approx(0.75)


def test_a_missing_database_is_an_error_not_a_new_empty_file(tmp_path: Path) -> None:
    from exam_tools.errors import ExamToolsError
    from exam_tools.frames import Frames

    with pytest.raises(ExamToolsError, match="找不到数据库"):
        Frames(tmp_path / "typo.db", courses=COURSES)
    assert not (tmp_path / "typo.db").exists()
