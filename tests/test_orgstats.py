"""Organisation statistics rolled up over a three-level tree, against hand-computed values.

T1 城关镇 (乡镇)                     T2 石桥镇 (乡镇)
 ├─ V1 花王村 (村) ── B1 第一支部       └─ V3 新村 (村)
 ├─ V2 石门村 (村)
 └─ (d directly under the 乡镇)

member  org  hours  required  exams (percent, passed)  technologies  roles
a       B1   32     32        90 passed                1
b       V1   31.5   32        —                        0             班子成员
c       V2   0      32        —                        0
d       T1   56     56        50 failed                0             书记
e       V3   40     32        85 passed                2
"""

from __future__ import annotations

import pytest

from exam_tools.records.orgstats import UNPLACED, MemberYear, org_statistics, target_progress
from exam_tools.records.standards import load_standards

ORGS = {
    "T1": {"kind": "乡镇", "parent": None, "path": "城关镇"},
    "V1": {"kind": "村", "parent": "T1", "path": "城关镇/花王村"},
    "B1": {"kind": "支部", "parent": "V1", "path": "城关镇/花王村/第一支部"},
    "V2": {"kind": "村", "parent": "T1", "path": "城关镇/石门村"},
    "T2": {"kind": "乡镇", "parent": None, "path": "石桥镇"},
    "V3": {"kind": "村", "parent": "T2", "path": "石桥镇/新村"},
}


def m(id_: str, org: str, hours: float, required: float, percents=(), passed=0, tech=0, roles=(),
      category="种养业大户党员") -> MemberYear:  # fmt: skip
    return MemberYear(id_, org, category, tuple(roles), hours, required, len(percents), passed,
                      tuple(percents), tech)  # fmt: skip


MEMBERS = [
    m("a", "B1", 32, 32, (90,), 1, 1),
    m("b", "V1", 31.5, 32, roles=("班子成员",), category="村(社区)干部"),
    m("c", "V2", 0, 32),
    m("d", "T1", 56, 56, (50,), 0, 0, ("书记",), "村(社区)干部"),
    m("e", "V3", 40, 32, (85,), 1, 2),
]


def test_township_level_rolls_up_everything_below() -> None:
    rows = {g.org: g for g in org_statistics(MEMBERS, ORGS, "乡镇")}
    t1 = rows["城关镇"].rates
    assert rows["城关镇"].members == 4
    assert t1 == pytest.approx({
        "参训率": 0.75, "平均学时": 29.875, "学时达标率": 0.5, "参考率": 0.5,
        "合格率": 0.5, "平均分": 70.0, "实用技术掌握率": 0.25,
        "练习人数": 0, "练习题次": 0, "练习正确率": None,  # no practice imported
        "平均积分": 0.0, "近7天活跃人数": 0, "近30天活跃人数": 0,
    })  # fmt: skip
    assert rows["石桥镇"].rates == pytest.approx({
        "参训率": 1.0, "平均学时": 40.0, "学时达标率": 1.0, "参考率": 1.0,
        "合格率": 1.0, "平均分": 85.0, "实用技术掌握率": 1.0,
        "练习人数": 0, "练习题次": 0, "练习正确率": None,
        "平均积分": 0.0, "近7天活跃人数": 0, "近30天活跃人数": 0,
    })  # fmt: skip


def test_practice_rate_counts_only_the_verdicts_the_service_could_judge() -> None:
    from dataclasses import replace

    practising = [
        replace(MEMBERS[0], practice_items=10, practice_graded=8, practice_correct=6),
        replace(MEMBERS[1], practice_items=4, practice_graded=4, practice_correct=1),
        *MEMBERS[2:],
    ]
    rows = {g.org: g.rates for g in org_statistics(practising, ORGS, "乡镇")}
    # 城关镇: a and b practised (of 4 members); 7 right of the 12 judged, the 2 简答 left out
    assert (rows["城关镇"]["练习人数"], rows["城关镇"]["练习题次"]) == (2, 14)
    assert rows["城关镇"]["练习正确率"] == pytest.approx(7 / 12)
    assert (rows["石桥镇"]["练习人数"], rows["石桥镇"]["练习正确率"]) == (0, None)
    only_hand_marked = [replace(MEMBERS[4], practice_items=3)]
    (g,) = [g for g in org_statistics(only_hand_marked, ORGS, "乡镇") if g.members]
    assert g.rates["练习题次"] == 3 and g.rates["练习正确率"] is None  # no verdict to rate


def test_village_level_and_members_placed_above_it() -> None:
    rows = {g.org: g for g in org_statistics(MEMBERS, ORGS, "村")}
    assert {k: g.members for k, g in rows.items()} == {
        "城关镇/花王村": 2, "城关镇/石门村": 1, "石桥镇/新村": 1, UNPLACED: 1,
    }  # fmt: skip
    assert rows["城关镇/花王村"].rates["学时达标率"] == 0.5  # 32 is met, 31.5 is not
    assert rows["城关镇/石门村"].rates["参训率"] == 0.0
    assert rows["城关镇/石门村"].rates["合格率"] is None  # nobody took an exam


def test_by_category() -> None:
    rows = {
        (g.org, g.category): g.members
        for g in org_statistics(MEMBERS, ORGS, "乡镇", by_category=True)
    }
    assert rows == {
        ("城关镇", "村(社区)干部"): 2, ("城关镇", "种养业大户党员"): 2, ("石桥镇", "种养业大户党员"): 1,
    }  # fmt: skip


def test_target_share_and_gap_in_people() -> None:
    (progress,) = target_progress(MEMBERS, ORGS, load_standards())
    assert progress.target.share == 0.8
    assert (progress.eligible, progress.achieved, progress.share, progress.gap) == (2, 0, 0.0, 2)


def test_branch_level_counts_each_party_branch_whatever_unit_it_serves() -> None:
    """`--level 支部`: a village's 党支部 is a 支部 (not folded into 直属上级); a 党总支 is not."""
    import io

    from openpyxl import Workbook

    from exam_tools.records.roster import parse_roster

    placed = [
        ("城关镇党委/花王村党支部", 2),
        ("城关镇党委/石桥村党总支/第一党支部", 1),
        ("城关镇党委/石桥村党总支/第一党支部/屋场党小组", 1),
        ("城关镇党委/石桥村党总支", 1),
        ("城关镇党委/第1社区党支部", 1),
        ("城关镇党委/绿源农业发展有限公司党支部", 1),
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "所在党组织", "出生年份"])
    for path, n in placed:
        for i in range(n):
            sheet.append([f"党员{len(path)}{i}", path, 1960 + sheet.max_row])
    data = io.BytesIO()
    book.save(data)
    roster = parse_roster(data.getvalue(), "花名册.xlsx")
    orgs = {o["id"]: o for o in roster.orgs.values()}
    members = [m(r["id"], r["org"], 32, 32) for r in roster.members]
    rows = {g.org: g.members for g in org_statistics(members, orgs, "支部")}
    assert rows == {
        "城关镇党委/花王村党支部": 2,
        "城关镇党委/石桥村党总支/第一党支部": 2,  # its 党小组 counts with it
        "城关镇党委/第1社区党支部": 1,
        "城关镇党委/绿源农业发展有限公司党支部": 1,
        UNPLACED: 1,  # directly under the 党总支
    }


@pytest.mark.parametrize(
    ("name", "branch"),
    [("花王村党支部", True), ("第1社区党支部", True), ("县农业农村局机关党支部", True),
     ("第一支部", True), ("石桥村党总支", False), ("城关镇党委", False), ("屋场党小组", False),
     ("二支部党小组", False)],
)  # fmt: skip
def test_which_organisations_are_party_branches(name: str, branch: bool) -> None:
    from exam_tools.records.orgstats import is_branch
    from exam_tools.records.roster import org_kind

    assert is_branch({"name": name, "kind": org_kind(name)}) is branch
