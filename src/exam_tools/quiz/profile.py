"""我的学习档案: what a member can see of their own learning, from their own files.

Training hours and certified technologies come from the organiser's records (the database); until a
member's kernel can reach them, this page says so plainly and shows the practice done here.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from exam_tools.quiz.home import member_home
from exam_tools.quiz.mistakes import MistakeBook


@dataclass(frozen=True)
class PracticeSummary:
    sessions: int
    submitted: int
    answered: int
    mistakes: int


def practice_summary(member: str | None = None) -> PracticeSummary:
    home = member_home(member)
    sessions = submitted = answered = 0
    for path in sorted((home / "练习记录").glob("*.json")):
        if path.name.endswith(".paper.json"):
            continue  # the paper kept for reopening, not a record
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a damaged record is not the member's problem here
        for attempt in data.get("attempts", []):
            sessions += 1
            submitted += attempt.get("submitted_at") is not None
            answered += len(attempt.get("answers") or {})
    mistakes = len(MistakeBook(home / "错题本.json"))
    return PracticeSummary(sessions, submitted, answered, mistakes)


def _practice_row(records: dict[str, object] | None) -> list[tuple[str, str]]:
    """本年度练习 from a published record's ``practice`` ({items, correct, graded}), if it has one."""
    practice = (records or {}).get("practice")
    if not isinstance(practice, dict) or "items" not in practice:
        return []
    from exam_tools.quiz.record_client import practice_line

    items = int(practice["items"])
    line = practice_line(
        items, int(practice.get("correct") or 0), int(practice.get("graded", items))
    )
    return [("本年度练习", html.escape(line))]


def _points_row(records: dict[str, object] | None) -> list[tuple[str, str]]:
    """学习积分 by kind from a record's ``points`` (as ``record --format json`` and the exam
    service's ``GET …/api/points`` write them), if it has them."""
    points = (records or {}).get("points")
    if not isinstance(points, dict) or "by_kind" not in points:
        return []
    from exam_tools.quiz.points_part import by_kind_text

    names = {"practice": "练习答对", "daily": "每日一练", "exam": "考试合格", "hours": "培训学时"}
    line = by_kind_text({"names": names, **points})
    streak = int(points.get("streak") or 0)
    return [("学习积分", html.escape(line + (f"，连续学习 {streak} 天" if streak else "")))]


def profile_html(member: str | None = None, records: dict[str, object] | None = None) -> str:
    s = practice_summary(member)
    who = f"（{html.escape(member)}）" if member else ""
    if records is None:
        hours = "学时由组织委员登记签到后显示。"
        exams = "考试成绩在老师发布后显示。"
        techs = "通过实用技术课程的认证考试后，这里会显示“已掌握”。"
    else:  # filled in by the records side once it is connected
        hours = html.escape(str(records.get("hours", "")))
        exams = html.escape(str(records.get("exams", "")))
        techs = html.escape(str(records.get("technologies", "")))
    rows = [
        ("本年度学时", hours),
        ("考试成绩", exams),
        ("掌握的实用技术", techs),
        *_practice_row(records),
        *_points_row(records),
        ("练习", f"练习 {s.sessions} 次（完成 {s.submitted} 次），共作答 {s.answered} 题"),
        ("错题本", f"{s.mistakes} 道题待复习" if s.mistakes else "没有待复习的错题"),
    ]
    body = "".join(
        f'<tr><th style="text-align:left;padding:8px 24px 8px 0">{k}</th><td>{v}</td></tr>'
        for k, v in rows
    )
    return (
        f'<div style="font-size:20px;line-height:1.7"><h2>我的学习档案{who}</h2>'
        f"<table>{body}</table></div>"
    )


def my_profile(member: str | None = None) -> None:
    """Show the member's learning record in the notebook."""
    import ipywidgets as w

    from exam_tools.quiz import show

    show(w.HTML(profile_html(member)))
