"""Attendance (签到) from Excel: one row per member per session, checked whole, written at once.

Rows with the same 日期, 举办党组织, 培训形式 and 主题 are one session. 实际学时 may be less than the
session's 学时 (left early). Members are found by 编号, or by 姓名 when the name is unique in the
roster. Importing the same file again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlite_utils

from exam_tools.records.db import table, transaction
from exam_tools.records.hours import parse_hours
from exam_tools.records.roster import org_id
from exam_tools.records.sessions import session_id
from exam_tools.records.sheet import cell_text, read_sheet
from exam_tools.records.standards import Standards

SHEET = "签到表"
COLUMNS = (
    "日期",
    "举办党组织",
    "培训形式",
    "主题",
    "课程编号",
    "学时",
    "党员编号",
    "姓名",
    "实际学时",
)
EXAMPLE = (
    "2026-03-10",
    "城关镇党委/花王村党支部",
    "党课",
    "学习党章",
    "dangzhang",
    4,
    "",
    "王建国",
    "",
)
HELP = {
    "日期": "必填。如 2026-03-10",
    "举办党组织": "必填。与花名册相同的路径，如 城关镇党委/花王村党支部",
    "培训形式": "必填。集中培训、党课、主题党日、现场观摩、送教下乡、远程教育 之一",
    "主题": "必填。同一天、同一组织、同一形式、同一主题的行算作同一次活动",
    "课程编号": "可空。对应的课程，如 shuidao",
    "学时": "必填。本次活动的学时（全天 8、半天 4、一小时 1；大于 0，最多 24）",
    "党员编号": "党员编号和姓名至少填一个；重名时必须填编号",
    "姓名": "党员编号和姓名至少填一个",
    "实际学时": "可空。中途离开等情况填实际学时，不能超过本次活动的学时",
}


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(cell_text(value).replace("/", "-").replace(".", "-"))


def import_attendance(
    db: sqlite_utils.Database, data: bytes, path: str, standards: Standards
) -> tuple[int, int]:
    """Check the sheet against the roster, then write it; returns (sessions, attendances)."""
    sheet = read_sheet(data, path, SHEET, "日期", "exam-tools attendance template")
    bad = sheet.bad
    orgs = {r["id"] for r in db.query("select id from orgs")}
    by_id = {r["id"]: r["name"] for r in db.query("select id, name from members")}
    by_name: dict[str, list[str]] = {}
    for mid, name in by_id.items():
        by_name.setdefault(name, []).append(mid)
    sessions: dict[str, dict[str, Any]] = {}
    attendance: dict[tuple[str, str], dict[str, Any]] = {}
    for i, cell in sheet.records(EXAMPLE):
        before = len(sheet.problems)
        try:
            day = _day(cell.get("日期"))
        except ValueError:
            bad(i, "日期", f"日期应写成 2026-03-10，现在是“{cell_text(cell.get('日期'))}”")
        org_path = "/".join(
            p.strip() for p in cell_text(cell.get("举办党组织")).split("/") if p.strip()
        )
        if org_id(org_path) not in orgs:
            bad(
                i,
                "举办党组织",
                f"花名册里没有党组织“{org_path}”（要写完整路径，如 城关镇党委/花王村党支部）",
            )
        kind = cell_text(cell.get("培训形式"))
        if kind not in standards.session_kinds:
            bad(
                i,
                "培训形式",
                f"培训形式应为 {'、'.join(standards.session_kinds)} 之一，现在是“{kind}”",
            )
        title = cell_text(cell.get("主题"))
        if not title:
            bad(i, "主题", "主题不能为空")
        hours = actual = 0.0
        try:
            hours = parse_hours(cell_text(cell.get("学时")), "学时")
        except ValueError as exc:
            bad(i, "学时", str(exc))
        if cell_text(cell.get("实际学时")):
            try:
                actual = parse_hours(cell_text(cell.get("实际学时")), "实际学时", allow_zero=True)
                if actual > hours:
                    bad(
                        i,
                        "实际学时",
                        f"实际学时不能超过本次活动的学时 {hours:g}，现在是 {actual:g}",
                    )
            except ValueError as exc:
                bad(i, "实际学时", str(exc))
        else:
            actual = hours
        member = cell_text(cell.get("党员编号"))
        name = cell_text(cell.get("姓名"))
        if member and member not in by_id:
            bad(i, "党员编号", f"花名册里没有编号为“{member}”的党员")
        elif member and name and by_id[member] != name:
            bad(i, "姓名", f"编号 {member} 的党员叫“{by_id[member]}”，不是“{name}”")
        elif not member:
            matches = by_name.get(name, [])
            if not name:
                bad(i, "姓名", "党员编号和姓名至少填一个")
            elif not matches:
                bad(i, "姓名", f"花名册里没有党员“{name}”")
            elif len(matches) > 1:
                bad(i, "党员编号", f"花名册里有 {len(matches)} 名党员叫“{name}”，请填党员编号")
            else:
                member = matches[0]
        if len(sheet.problems) > before:
            continue
        sid = session_id(day, org_path, kind, title)
        known = sessions.setdefault(
            sid,
            {"id": sid, "date": day.isoformat(), "org": org_id(org_path), "kind": kind, "title": title,
             "course": cell_text(cell.get("课程编号")) or None, "hours": hours, "row": i},
        )  # fmt: skip
        if known["hours"] != hours:
            bad(
                i,
                "学时",
                f"与第 {known['row']} 行是同一次活动，学时却不同（{known['hours']:g} 和 {hours:g}）",
            )
        attendance[(sid, member)] = {"session": sid, "member": member, "hours": actual}
    sheet.raise_problems("，没有导入任何数据")
    with transaction(db):  # all rows or none, even if killed half-way
        table(db, "sessions").upsert_all(
            [{k: v for k, v in s.items() if k != "row"} for s in sessions.values()], pk="id"
        )
        table(db, "attendance").upsert_all(list(attendance.values()), pk=("session", "member"))
    return len(sessions), len(attendance)


def attendance_template() -> bytes:
    from exam_tools.reports.templates import template_workbook

    return template_workbook(SHEET, COLUMNS, EXAMPLE, HELP)
