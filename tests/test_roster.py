"""The roster from Excel as an organiser fills it in: bad cells named, all or nothing, no duplicates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from exam_tools.errors import InvalidInputError
from exam_tools.records.db import open_db
from exam_tools.records.roster import parse_roster, roster_template, store_roster

HEADER = [
    "姓名",
    "所在党组织",
    "人员类别",
    "职务",
    "出生年份",
    "入党时间",
    "党员状态",
    "是否流动",
    "身份证号",
]
GOOD = [
    [
        "李秀英",
        "城关镇党委/花王村党支部",
        "种养业大户党员",
        "",
        1975,
        "2001-07",
        "正式",
        "否",
        "430000197501010000",
    ],
    [
        "张国强",
        "城关镇党委/花王村党支部",
        "村(社区)干部",
        "书记、班子成员",
        1970,
        "1998-06-01",
        "正式",
        "否",
        "",
    ],
    [
        "陈志",
        "城关镇党委/石桥村党总支/第一党支部",
        "工人党员",
        "",
        1990,
        "2015-05",
        "预备",
        "是",
        "",
    ],
]


def xlsx(rows: list[list[object]], title_row: bool = False) -> bytes:
    import io

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    if title_row:  # a merged title above the header, as county offices often have
        ws.append(["城关镇党员花名册"])
        ws.merge_cells("A1:I1")
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_good_roster_builds_the_tree_and_drops_id_numbers() -> None:
    roster = parse_roster(xlsx(GOOD, title_row=True), "花名册.xlsx")
    assert [m["name"] for m in roster.members] == ["李秀英", "张国强", "陈志"]
    assert roster.ignored == ["身份证号"]
    kinds = {o["path"]: o["kind"] for o in roster.orgs.values()}
    assert kinds == {
        "城关镇党委": "乡镇",
        "城关镇党委/花王村党支部": "村",
        "城关镇党委/石桥村党总支": "村",
        "城关镇党委/石桥村党总支/第一党支部": "支部",
    }
    assert all("430000" not in str(v) for m in roster.members for v in m.values())


def test_every_bad_cell_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][2] = "种粮大户"
    rows[1][4] = "七零年"
    rows[2][6] = "正式党员"
    rows.append(["", "城关镇党委", "", "", "", "", "", "", ""])
    with pytest.raises(InvalidInputError) as info:
        parse_roster(xlsx(rows), "花名册.xlsx")
    lines = [str(p) for p in info.value.problems]
    assert lines == [
        "花名册.xlsx 工作表“花名册” 第2行 人员类别列: -: 人员类别: 未知人员类别“种粮大户”，应为 种养业大户党员、党员经纪人、"
        "个体工商户、企业经营者党员、工人党员、年龄较大党员、村(社区)干部、流动党员 之一",
        "花名册.xlsx 工作表“花名册” 第3行 出生年份列: -: 出生年份: 出生年份应为四位年份，如 1968，现在是“七零年”",
        "花名册.xlsx 工作表“花名册” 第4行 党员状态列: -: 党员状态: 党员状态应为 正式 或 预备，现在是“正式党员”",
        "花名册.xlsx 工作表“花名册” 第5行 姓名列: -: 姓名: 姓名不能为空",
    ]
    assert "没有导入任何数据" in str(info.value)


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.db")
    roster = parse_roster(xlsx(GOOD), "花名册.xlsx")
    assert store_roster(db, roster) == (3, 0, 0)
    before = (list(db["members"].rows), list(db["orgs"].rows))
    assert store_roster(db, parse_roster(xlsx(GOOD), "花名册.xlsx")) == (0, 0, 3)
    assert (list(db["members"].rows), list(db["orgs"].rows)) == before


def test_the_template_explains_every_column_and_imports_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    result = subprocess.run([sys.executable, "-m", "exam_tools", "roster", "template", str(path)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stderr
    wb = load_workbook(path)
    assert wb.sheetnames == ["花名册", "填写说明"]
    header = [c.value for c in wb["花名册"][1]]
    assert header[:3] == ["编号", "姓名", "所在党组织"]
    explained = [r[0].value for r in wb["填写说明"].iter_rows(min_row=2, max_row=len(header) + 1)]
    assert explained == header
    assert parse_roster(roster_template(), "模板.xlsx").members == []  # the example row is skipped


def test_roster_import_cli_reports_one_line_per_bad_cell(tmp_path: Path) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][5] = "2001年13月"
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx(rows))
    result = subprocess.run([sys.executable, "-m", "exam_tools", "roster", "import", str(path),
                             "--db", str(tmp_path / "t.db")], capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1
    assert "第2行 入党时间列" in result.stderr and "Traceback" not in result.stderr
    assert open_db(tmp_path / "t.db")["members"].count == 0


def test_sessions_records_and_organisation_statistics_end_to_end(tmp_path: Path) -> None:
    """Roster → sessions → record and stats org, through the commands an organiser runs."""
    db = str(tmp_path / "t.db")
    (tmp_path / "花名册.xlsx").write_bytes(xlsx(GOOD))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "exam_tools", *args, "--db", db],
                                capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    cli("roster", "import", "花名册.xlsx")
    cli("session", "add", "--date", "2026-03-10", "--org", "城关镇党委/花王村党支部", "--kind", "党课",
        "--hours", "4", "--title", "学习党章", "--member", "李秀英", "--member", "张国强")  # fmt: skip
    for when, hours in (("2026-05-10", "24"), ("2026-05-13", "4")):  # 3 days, then a half day
        cli("session", "add", "--date", when, "--org", "城关镇党委", "--kind", "集中培训",
            "--hours", hours, "--title", "水稻种植", "--member", "李秀英")  # fmt: skip
    record = cli("record", "李秀英", "--year", "2026", "--format", "json")
    import json

    data = json.loads(record.stdout)
    assert {k: data[k] for k in ("year", "hours", "required_hours", "hours_met", "technologies")} == {
        "year": 2026, "hours": 32.0, "required_hours": 32.0, "hours_met": True, "technologies": [],
    }  # fmt: skip
    assert data["summary"] == "学时 32/32 达标; 尚未掌握实用技术"
    cli("record", "李秀英", "--year", "2026", "--format", "xlsx", "--output", "档案.xlsx")
    sheet = load_workbook(tmp_path / "档案.xlsx")["培训档案"]
    assert {r[0].value: r[1].value for r in sheet.iter_rows()}[
        "小结"
    ] == "学时 32/32 达标; 尚未掌握实用技术"
    page = cli("record", "李秀英", "--year", "2026", "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>") and "学时 32/32 达标" in page and "水稻种植" in page
    leader = json.loads(cli("record", "张国强", "--year", "2026", "--format", "json").stdout)
    assert (leader["hours"], leader["required_hours"], leader["hours_met"]) == (4.0, 56.0, False)

    out = cli("stats", "org", "--year", "2026", "--output", "统计.xlsx", "--chart", "统计.png")
    assert "城关镇党委  3  66.7%  12.0  33.3%" in out.stdout
    assert "还差 1 人" in out.stdout
    wb = load_workbook(tmp_path / "统计.xlsx")
    assert wb.sheetnames == ["总览", "按乡镇", "按乡镇和人员类别", "目标"]
    sheet = wb["按乡镇"]
    assert [c.value for c in sheet[1]][:4] == ["党组织", "党员数", "参训率", "平均学时"]
    assert sheet.freeze_panes == "B2"
    assert sheet["A2"].value == "城关镇党委" and sheet["B2"].value == 3
    assert sheet["C2"].value == pytest.approx(2 / 3) and sheet["C2"].number_format == "0.0%"
    assert sheet._charts  # the bar chart is there
    assert wb["总览"]["B2"].value == 3
    goal = wb["目标"]
    assert [c.value for c in goal[2]] == ["乡镇、村班子成员掌握1-2门实用技术", 1, 0, 0, 0.8, 1]
    assert (tmp_path / "统计.png").read_bytes().startswith(b"\x89PNG")


def attendance_xlsx(rows: list[list[object]]) -> bytes:
    import io

    from exam_tools.records.attendance import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.title = "签到表"
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_attendance_import_counts_hours_once_and_names_bad_cells(tmp_path: Path) -> None:
    from exam_tools.records.attendance import import_attendance
    from exam_tools.records.record import load_record
    from exam_tools.records.standards import load_standards

    std = load_standards()
    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(xlsx(GOOD), "花名册.xlsx"))
    rows = [
        [
            "2026-03-10",
            "城关镇党委/花王村党支部",
            "党课",
            "学习党章",
            "dangzhang",
            4,
            "",
            "李秀英",
            "",
        ],
        [
            "2026-03-10",
            "城关镇党委/花王村党支部",
            "党课",
            "学习党章",
            "dangzhang",
            4,
            "",
            "张国强",
            2,
        ],
        ["2026-05-10", "城关镇党委", "集中培训", "水稻种植", "shuidao", 24, "", "李秀英", ""],
        ["2026-05-13", "城关镇党委", "集中培训", "水稻种植", "shuidao", 4, "", "李秀英", ""],
    ]
    assert import_attendance(db, attendance_xlsx(rows), "签到.xlsx", std) == (3, 4)
    assert import_attendance(db, attendance_xlsx(rows), "签到.xlsx", std) == (
        3,
        4,
    )  # again: the same
    assert db["attendance"].count == 4 and db["sessions"].count == 3
    assert load_record(db, "李秀英", 2026, std, []).hours == 32  # exactly 32: met
    assert load_record(db, "张国强", 2026, std, []).hours == 2  # left early
    bad = [
        ["2026-3-32", "城关镇党委", "党课", "x", "", 4, "", "李秀英", ""],
        ["2026-04-01", "城关镇", "党课", "x", "", 4, "", "李秀英", ""],
        ["2026-04-01", "城关镇党委", "讲座", "x", "", 4, "", "李秀英", ""],
        ["2026-04-01", "城关镇党委", "党课", "x", "", 4, "", "王小明", ""],
        ["2026-04-01", "城关镇党委", "党课", "y", "", 4, "", "陈志", 5],
    ]
    with pytest.raises(InvalidInputError) as info:
        import_attendance(db, attendance_xlsx(bad), "签到.xlsx", std)
    found = [(p.location.row, p.location.column) for p in info.value.problems]
    assert found == [(2, "日期"), (3, "举办党组织"), (4, "培训形式"), (5, "姓名"), (6, "实际学时")]
    assert db["attendance"].count == 4  # nothing written


def test_a_member_who_moved_counts_once_in_the_new_organisation(tmp_path: Path) -> None:
    from datetime import date as day

    from exam_tools.records.orgstats import org_statistics
    from exam_tools.records.queries import load_member_years, orgs_by_id
    from exam_tools.records.sessions import add_session
    from exam_tools.records.standards import load_standards

    std = load_standards()
    db = open_db(tmp_path / "t.db")
    store_roster(db, parse_roster(xlsx(GOOD), "花名册.xlsx"))
    li = next(db.query("select id from members where name = '李秀英'"))["id"]
    add_session(db, day(2026, 3, 1), "城关镇党委/花王村党支部", "党课", 4, "学习党章", None, [li])
    moved = [list(r) for r in GOOD]
    moved[0][1] = "城关镇党委/石桥村党总支"  # 李秀英 moved in June; the new roster says so
    moved[0].insert(0, li)  # the county keeps her number
    header_with_id = ["编号", *HEADER]
    rows = [moved[0]] + [["", *r] for r in GOOD[1:]]
    import io

    wb = Workbook()
    ws = wb.active
    ws.append(header_with_id)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    store_roster(db, parse_roster(buf.getvalue(), "花名册-6月.xlsx"))
    add_session(db, day(2026, 7, 1), "城关镇党委/石桥村党总支", "党课", 4, "四议两公开", None, [li])
    groups = {
        g.org: g for g in org_statistics(load_member_years(db, 2026, std, []), orgs_by_id(db), "村")
    }
    assert groups["城关镇党委/石桥村党总支"].members == 2  # 李秀英 now, and 陈志
    assert groups["城关镇党委/石桥村党总支"].hours_total == 8  # her hours from both places, once
    assert groups["城关镇党委/花王村党支部"].members == 1
    assert sum(g.members for g in groups.values()) == 3
