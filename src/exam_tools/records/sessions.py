"""Training sessions and attendance (签到)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

import sqlite_utils

from exam_tools.errors import ExamToolsError, InvalidInputError
from exam_tools.records.db import table
from exam_tools.records.hours import parse_hours
from exam_tools.records.roster import org_id


def session_id(day: date, org_path: str, kind: str, title: str) -> str:
    """A session's id, from what makes it that session (so recording it twice is recording it once)."""
    return (
        "s-" + hashlib.sha1(f"{day}\x1f{org_path}\x1f{kind}\x1f{title}".encode()).hexdigest()[:10]
    )


def add_session(
    db: sqlite_utils.Database,
    day: date,
    org_path: str,
    kind: str,
    hours: float,
    title: str,
    course: str | None,
    members: Iterable[str],
    member_hours: dict[str, float] | None = None,
) -> str:
    """Record a session and its attendance in one transaction; the same session twice is one.

    ``hours`` must be within one day (0 < h <= 24) and each member's hours within 0..``hours``.
    """
    try:
        hours = parse_hours(hours, "学时")
        for m, h in (member_hours or {}).items():
            if parse_hours(h, f"党员 {m} 的实际学时", allow_zero=True) > hours:
                raise ValueError(f"党员 {m} 的实际学时 {h:g} 超过了本次活动的学时 {hours:g}")
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    path = "/".join(p.strip() for p in org_path.split("/") if p.strip())
    oid = org_id(path)
    if not list(db.query("select id from orgs where id = ?", [oid])):
        raise ExamToolsError(f"没有党组织“{path}”；请先导入花名册，或检查组织路径")
    sid = session_id(day, path, kind, title)
    with db.conn:
        table(db, "sessions").upsert(
            {"id": sid, "date": day.isoformat(), "org": oid, "kind": kind, "title": title,
             "course": course, "hours": hours},
            pk="id",
        )  # fmt: skip
        table(db, "attendance").upsert_all(
            [
                {"session": sid, "member": m, "hours": (member_hours or {}).get(m, hours)}
                for m in members
            ],
            pk=("session", "member"),
        )
    return sid
