"""The pieces of 我的学习 that are plain text and HTML (pure, tested without a browser)."""

from __future__ import annotations

import html
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ipywidgets as w

from exam_tools.quiz import shared
from exam_tools.quiz.exchange import ExamEntry
from exam_tools.quiz.record_client import PLACEHOLDER, ExamResult, PublishedRecord

RESPONSES = "exam.paper.responses.json"  # beside exam.paper.json, which show_exam keeps

LANDING_CSS = """<style>
.et-landing .et-section { font-size: 22px; font-weight: bold; margin: 18px 0 6px 0;
  border-left: 6px solid #b00; padding-left: 10px; }
.et-landing button.et-tile { width: 100%; text-align: left; white-space: pre-line;
  min-height: 56px; margin: 4px 0; line-height: 1.5; padding: 8px 14px; }
.et-landing button.et-back { width: auto; }
.et-landing .et-hello { font-size: 22px; font-weight: bold; margin: 4px 0; }
/* exam tiles by state, practice tiles apart (issue 17 item 5); text dark on light or white on dark */
.et-landing button.et-tile.et-exam { border-left: 10px solid #b00; background: #f2f2f2; color: #222; }
.et-landing button.et-tile.et-exam.et-new { background: #1556b8; color: #fff; font-weight: bold; }
.et-landing button.et-tile.et-exam.et-going { background: #a84300; color: #fff; font-weight: bold; }
.et-landing button.et-tile.et-exam.et-done { background: #eef3ee; color: #1b3d1b; }
.et-landing button.et-tile.et-exam.et-over { color: #555; }
.et-landing button.et-tile.et-practice { border-left: 10px solid #00695c; background: #e3f1f0;
  color: #123; }
.et-landing button.et-tile:disabled { opacity: 0.75; }
/* waiting and network trouble: amber, never the green of a right answer (issue 17 item 6) */
.et-landing .et-warn { color: #7a3e00; background: #fff3d6; border: 2px solid #e0a000;
  border-radius: 8px; padding: 10px 12px; margin: 8px 0; font-weight: bold; }
.et-landing .et-profile th { text-align: left; padding: 6px 16px 6px 0; vertical-align: top;
  white-space: nowrap; }
.et-landing iframe.et-feedback { width: 100%; height: 78vh; border: 1px solid #ccc;
  border-radius: 6px; background: #fff; }
</style>"""


def section(title: str) -> w.HTML:
    return shared.html(f'<div class="et-section">{html.escape(title)}</div>')


def entry_title(entry: ExamEntry) -> str:
    """The exam's Chinese title from its released spec, else its nbgrader names."""
    try:
        data = json.loads((entry.source / "exam.json").read_text(encoding="utf-8"))
        return f"{data['assessment']['title']}（{data['course']['title']}）"
    except (OSError, ValueError, KeyError, TypeError):
        return f"{entry.assignment_id}（{entry.course_id}）"


def _last_attempt(entry: ExamEntry) -> dict[str, Any] | None:
    try:
        data = json.loads((entry.path / RESPONSES).read_text(encoding="utf-8"))
        attempts = data["attempts"]
        return dict(attempts[-1]) if attempts else None
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def exam_state(entry: ExamEntry, home: Path | None = None, now: float | None = None) -> str:
    """One line under the exam's title: what the member can do with it now."""
    from datetime import datetime

    attempt = _last_attempt(entry) if entry.fetched else None
    if entry.submitted and (attempt is None or attempt.get("submitted_at")):
        done = "已交卷"
        if entry.feedback_ready or entry.feedback:
            done += "，成绩反馈已发布"
        return done
    if attempt is not None and attempt.get("submitted_at"):
        return "已交卷，还没有交给老师：点这里再交一次"
    if attempt is not None:
        deadline = attempt.get("deadline")
        if deadline:
            left = datetime.fromisoformat(deadline).timestamp() - (now or time.time())
            if left <= 0:
                return "考试时间已到：点这里交卷"
            return f"正在作答，还剩约 {max(1, int(left // 60))} 分钟：点这里接着答"
        return "正在作答：点这里接着答"
    return "点这里开始考试"


@dataclass(frozen=True)
class Tile:
    """What an exam tile says: its kind (考试/练习), title, state (未开始, 可以开始, 进行中,
    已交卷, 成绩已发布, 已结束) and the state's detail; ``css`` picks its colour."""

    kind: str
    title: str
    state: str
    detail: str

    @property
    def text(self) -> str:
        # no emoji: site PCs and phones often lack an emoji font (a blank box instead)
        return f"{self.kind}：{self.title}\n【{self.state}】{self.detail}"

    @property
    def css(self) -> str:
        return "et-" + {"未开始": "later", "可以开始": "new", "进行中": "going",
                        "已交卷": "done", "成绩已发布": "done", "已结束": "over"}[self.state]  # fmt: skip


def when(ts: float, tz: ZoneInfo | None = None) -> str:
    """``12月1日 09:00`` in the configured zone (:mod:`exam_tools.timezone`)."""
    from exam_tools.timezone import local

    d = local(ts, tz)
    return f"{d.month}月{d.day}日 {d:%H:%M}"


def service_exam_tile(
    e: dict[str, Any],
    results: Mapping[tuple[str, str], ExamResult] | None = None,
    now: float | None = None,
    tz: ZoneInfo | None = None,
) -> Tile:
    """A service exam's tile (from the service's list: times and attempts); ``results``: the
    published record's scores by (course id, assessment id)."""
    now = time.time() if now is None else now
    course = f"（{e['course']}）" if e.get("course") else ""
    title = f"{e.get('title') or e.get('exam', '')}{course}"

    def tile(state: str, detail: str) -> Tile:
        return Tile("考试", title, state, detail)

    result = (results or {}).get((str(e.get("course_id")), str(e.get("assessment_id"))))
    if result is not None and e.get("attempts"):
        verdict = "合格" if result.passed else "不合格"
        return tile("成绩已发布", f"{result.score:g}/{result.total:g} 分，{verdict}")
    if e.get("submitted"):
        at = e.get("submitted_at")
        return tile("已交卷", f"{when(float(at), tz)} 交卷" if at else "等待老师发布成绩")
    deadline = e.get("deadline")
    if e.get("attempts") and deadline:
        left = float(deadline) - now
        if left > 0:
            return tile("进行中", f"还剩约 {max(1, int(left // 60))} 分钟，点这里接着答")
    elif e.get("attempts"):
        return tile("进行中", "点这里接着答")
    opens = e.get("opens_at")
    if opens and now < float(opens):
        return tile("未开始", f"{when(float(opens), tz)} 开考")
    if not e.get("open", True):
        return tile("已结束", "考试已经结束")
    closes = e.get("closes_at")
    return tile("可以开始", f"点这里开始考试，{when(float(closes), tz)} 截止" if closes
                else "点这里开始考试")  # fmt: skip


def service_exam_state(e: dict[str, Any], now: float | None = None) -> str:
    """One line under a service exam's title: the tile's state and detail."""
    t = service_exam_tile(e, now=now)
    return f"【{t.state}】{t.detail}"


def feedback_page(title: str, page: Path) -> str:
    """nbgrader's feedback page shown inside 我的学习 (its own styles kept apart in a frame)."""
    text = page.read_text(encoding="utf-8")
    return (
        f'<div class="et-section">成绩反馈：{html.escape(title)}</div>'
        f'<iframe class="et-feedback" title="成绩反馈" srcdoc="{html.escape(text, quote=True)}">'
        "</iframe>"
    )


def profile_rows(
    record: PublishedRecord | None, practice: str, *, live: bool = False, points: str | None = None
) -> str:
    """我的档案 as a table: the published record, then ``practice`` (what this page knows of the
    member's practice; ``points``: 学习积分 by kind). ``live``: that line is current (the exam
    service's own count), so the published record's practice line, as of its publication, is
    not shown beside it."""
    rows: list[tuple[str, str]] = []
    if record is None:
        rows.append(("学时和成绩", PLACEHOLDER))
    else:
        rows.append((f"{record.year} 年学时", f"{record.hours:g} / {record.required_hours} 学时"))
        exams = "；".join(
            f"{e.title} {e.score:g}/{e.total:g} 分（{'合格' if e.passed else '不合格'}）"
            for e in record.exams
        )
        rows.append(("考试成绩", exams or "还没有考试成绩"))
        rows.append(("掌握的实用技术", "、".join(record.technologies) or "还没有"))
        if record.practice_line is not None and not live:
            rows.append((f"{record.year} 年练习", record.practice_line))
    rows.append(("练习", practice))
    if points is not None:  # 学习积分 by kind, as the exam service counts them (issue 20)
        rows.append(("学习积分", points))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="et-profile">{body}</table>'
