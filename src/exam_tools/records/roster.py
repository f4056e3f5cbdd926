"""The roster (党员花名册) from Excel: checked whole, then written all at once.

Organisations are created from paths such as ``城关镇党委/花王村党支部``; their ids come from the
path, members' ids from the 编号 column or, when there is none, from name, organisation and birth
year, so importing the same file again changes nothing. Personal ID and phone numbers are never
stored: those columns are reported as ignored.

A member without 编号 who moved to another organisation gets a new generated id; before writing,
:func:`store_roster` looks such a row up in the database by name and birth year (and 入党时间 when
both have it) among the members this roster does not already name, and keeps that member (with
their hours) in the new place. When that is not one member for one row, the rows are reported and
nothing is written: a member is never duplicated silently.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlite_utils

from exam_tools.categories import MEMBER_CATEGORIES
from exam_tools.errors import InvalidInputError, Location, Problem
from exam_tools.records.db import table, transaction
from exam_tools.records.sheet import cell_text, read_sheet

SHEET = "花名册"
COLUMNS = (
    "编号",
    "姓名",
    "所在党组织",
    "人员类别",
    "职务",
    "出生年份",
    "入党时间",
    "党员状态",
    "是否流动",
)
REQUIRED = ("姓名", "所在党组织")
PRIVATE = ("身份证号", "身份证号码", "公民身份号码", "手机号", "手机号码", "联系电话", "电话")
EXAMPLE = ("", "王建国", "城关镇党委/花王村党支部", "种养业大户党员", "村干部、班子成员", 1968,
           "1995-07-01", "正式", "否")  # fmt: skip
HELP = {
    "编号": "可空。党员编号（如党员证号以外的本地编号）；空着时由姓名、组织和出生年份生成",
    "姓名": "必填",
    "所在党组织": "必填。从乡镇写到支部，用“/”分隔，如 城关镇党委/花王村党支部；不存在的组织会自动建立",
    "人员类别": "可空。" + "、".join(MEMBER_CATEGORIES) + " 之一",
    "职务": "可空。多个用顿号分隔，如 书记、班子成员、村干部；书记和班子成员每年要求 56 学时",
    "出生年份": "可空。四位数字，如 1968",
    "入党时间": "可空。如 1995-07-01 或 1995-07",
    "党员状态": "可空，默认 正式。正式 或 预备",
    "是否流动": "可空，默认 否。外出 6 个月以上的流动党员填 是",
}
ROLE_SPLIT = re.compile(r"[、,，;；/\s]+")


def org_kind(name: str) -> str:
    """The kind of an organisation, read from its name (乡镇, 村, 社区, 非公企业, 机关, 党小组 …)."""
    rules = (
        ("党小组", "党小组"),
        ("社区", "社区"),
        ("村", "村"),
        ("镇", "乡镇"),
        ("乡", "乡镇"),
        ("街道", "乡镇"),
        ("公司", "非公企业"),
        ("企业", "非公企业"),
        ("合作社", "非公企业"),
        ("县委", "县"),
        ("市委", "市"),
        ("局", "机关"),
        ("机关", "机关"),
        ("支部", "支部"),
    )
    for key, kind in rules:
        if key in name:
            return kind
    return "其他"


def org_id(path: str) -> str:
    return "o-" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:10]


@dataclass
class Roster:
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    path: str = ""
    sheet: str = SHEET
    rows: dict[str, int] = field(default_factory=dict)  # member id -> sheet row
    generated: set[str] = field(default_factory=set)  # ids made here (the row had no 编号)
    moved: list[str] = field(default_factory=list)  # members recognised in a new place, said so


def _joined(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    text = (
        cell_text(value)
        .replace("年", "-")
        .replace("月", "-")
        .replace("日", "")
        .replace("/", "-")
        .replace(".", "-")
    )
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?-?", text)
    if not m:
        raise ValueError(text)
    y, mo, d = int(m[1]), int(m[2]), int(m[3] or 1)
    return date(y, mo, d).strftime("%Y-%m-%d" if m[3] else "%Y-%m")


def parse_roster(data: bytes, path: str) -> Roster:
    """Read and check a roster workbook; raises :class:`InvalidInputError` with every bad cell."""
    sheet = read_sheet(data, path, SHEET, "姓名", "exam-tools roster template")
    bad = sheet.bad
    where = sheet.columns
    roster = Roster(path=path, sheet=sheet.title)
    roster.ignored = [h for h in where if h in PRIVATE]
    for name in REQUIRED:
        if name not in where:
            bad(sheet.header_row + 1, name, f"缺少“{name}”列")
    sheet.raise_problems()
    seen: dict[str, int] = {}
    for i, cells in sheet.records(EXAMPLE):
        name = cell_text(cells.get("姓名"))
        path_text = "/".join(
            p.strip() for p in cell_text(cells.get("所在党组织")).split("/") if p.strip()
        )
        if not name:
            bad(i, "姓名", "姓名不能为空")
        if not path_text:
            bad(i, "所在党组织", "所在党组织不能为空（如 城关镇党委/花王村党支部）")
        category = cell_text(cells.get("人员类别"))
        if category and category not in MEMBER_CATEGORIES:
            bad(
                i, "人员类别", f"未知人员类别“{category}”，应为 {'、'.join(MEMBER_CATEGORIES)} 之一"
            )
        birth = cells.get("出生年份")
        birth_year = None
        if cell_text(birth):
            try:
                birth_year = int(float(cell_text(birth)))
                if not 1900 <= birth_year <= date.today().year:
                    raise ValueError
            except ValueError:
                bad(i, "出生年份", f"出生年份应为四位年份，如 1968，现在是“{cell_text(birth)}”")
        try:
            joined = _joined(cells.get("入党时间"))
        except ValueError:
            joined = None
            bad(
                i,
                "入党时间",
                f"入党时间应写成 1995-07-01 或 1995-07，现在是“{cell_text(cells.get('入党时间'))}”",
            )
        status = cell_text(cells.get("党员状态")) or "正式"
        if status not in ("正式", "预备"):
            bad(i, "党员状态", f"党员状态应为 正式 或 预备，现在是“{status}”")
        flowing_text = cell_text(cells.get("是否流动")) or "否"
        if flowing_text not in ("是", "否"):
            bad(i, "是否流动", f"是否流动应填 是 或 否，现在是“{flowing_text}”")
        if not (name and path_text):
            continue
        member_id = cell_text(cells.get("编号"))
        if not member_id:
            key = f"{path_text}\x1f{name}\x1f{birth_year}"
            member_id = "m-" + hashlib.sha1(key.encode()).hexdigest()[:10]
            roster.generated.add(member_id)
        if member_id in seen:
            bad(
                i,
                "编号",
                f"与第 {seen[member_id]} 行是同一名党员（编号或姓名、组织、出生年份相同）",
            )
            continue
        seen[member_id] = i
        roster.rows[member_id] = i
        parts = path_text.split("/")
        for depth in range(1, len(parts) + 1):
            sub = "/".join(parts[:depth])
            roster.orgs.setdefault(
                sub,
                {
                    "id": org_id(sub),
                    "name": parts[depth - 1],
                    "kind": org_kind(parts[depth - 1]),
                    "parent": org_id("/".join(parts[: depth - 1])) if depth > 1 else None,
                    "path": sub,
                },
            )
        roles = [r for r in ROLE_SPLIT.split(cell_text(cells.get("职务"))) if r]
        roster.members.append(
            {
                "id": member_id,
                "name": name,
                "org": org_id(path_text),
                "category": category or None,
                "roles": json.dumps(roles, ensure_ascii=False),
                "birth_year": birth_year,
                "joined": joined,
                "status": status,
                "flowing": int(flowing_text == "是"),
            }
        )
    sheet.raise_problems("，没有导入任何数据")
    return roster


def store_roster(db: sqlite_utils.Database, roster: Roster) -> tuple[int, int, int]:
    """Write organisations and members in one transaction; returns (new, changed, unchanged)."""
    match_moved_members(db, roster)
    existing = {r["id"]: r for r in db.query("select * from members")}
    with transaction(db):  # all rows or none, even if killed half-way
        # parents before children: paths sort that way
        table(db, "orgs").upsert_all(sorted(roster.orgs.values(), key=lambda o: o["path"]), pk="id")
        table(db, "members").upsert_all(roster.members, pk="id")
    new = sum(1 for m in roster.members if m["id"] not in existing)
    same = sum(1 for m in roster.members if existing.get(m["id"]) == m)
    return new, len(roster.members) - new - same, same


def match_moved_members(db: sqlite_utils.Database, roster: Roster) -> None:
    """Give each row without 编号 that is new to the database the id of the member it is, if any.

    Such a row is the member who moved when exactly one member in the database has the same name
    and birth year (and the same 入党时间, when both have one), is not named by another row of this
    roster, and is wanted by no other row. Several candidates, or several rows for one, raise
    :class:`InvalidInputError` naming the rows; nothing is changed then.
    """
    known = {
        r["id"]: r
        for r in db.query("select m.*, o.path from members m left join orgs o on o.id = m.org")
    }
    named = {m["id"] for m in roster.members}
    by_person: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in known.values():
        if r["id"] not in named and r["birth_year"] is not None:
            by_person.setdefault((r["name"], r["birth_year"]), []).append(r)
    wanted: dict[str, list[dict[str, Any]]] = {}  # roster member id -> candidates
    for m in roster.members:
        if m["id"] in known or m["id"] not in roster.generated or m["birth_year"] is None:
            continue
        candidates = [
            r for r in by_person.get((m["name"], m["birth_year"]), [])
            if not (r["joined"] and m["joined"] and r["joined"] != m["joined"])
        ]  # fmt: skip
        if candidates:
            wanted[m["id"]] = candidates
    rows_for: dict[str, list[str]] = {}
    for mid, candidates in wanted.items():
        for r in candidates:
            rows_for.setdefault(r["id"], []).append(mid)
    problems: list[Problem] = []
    for mid, candidates in wanted.items():
        others = sorted({o for r in candidates for o in rows_for[r["id"]] if o != mid})
        if len(candidates) == 1 and not others:
            continue
        m = next(x for x in roster.members if x["id"] == mid)
        places = "、".join(f"{r['path']}（编号 {r['id']}）" for r in candidates)
        also = (
            "；花名册第 "
            + "、".join(str(n) for n in sorted(roster.rows[o] for o in others))
            + " 行也像是此人"
            if others
            else ""
        )
        problems.append(
            Problem(
                Location(roster.path, sheet=roster.sheet, row=roster.rows[mid], column="编号"),
                None,
                "编号",
                f"无法确定“{m['name']}”（{m['birth_year']} 年出生）是谁：数据库中有同名、同年出生的党员"
                f"在 {places}{also}；请在“编号”列填写该党员的编号（新党员请填一个新编号）",
            )
        )
    if problems:
        problems.sort(key=lambda p: p.location.row or 0)
        raise InvalidInputError(
            f"{roster.path} 有 {len(problems)} 处无法确定的党员，没有导入任何数据", problems
        )
    for m in roster.members:
        if m["id"] in wanted:
            was = wanted[m["id"]][0]
            old = was["id"]
            roster.moved.append(
                f"第 {roster.rows[m['id']]} 行 {m['name']}（{m['birth_year']} 年出生）："
                f"按姓名和出生年份认出是 {was['path']} 的党员（编号 {old}），原有学时保留"
            )
            roster.rows[old] = roster.rows.pop(m["id"])
            m["id"] = old


def roster_template() -> bytes:
    from exam_tools.reports.templates import template_workbook

    return template_workbook(SHEET, COLUMNS, EXAMPLE, HELP)
