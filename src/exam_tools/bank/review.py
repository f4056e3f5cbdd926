"""Keeping cited facts current: review dates, reviewer notes, and the warnings ``bank check`` gives.

Two optional fields of a question live here (the validator calls :func:`parse_review_fields`):

* ``reviewed: YYYY-MM-DD`` is the date the question was last checked against its source.
* ``note`` is for authors and reviewers (what could not be confirmed); members never see it.

A bank file may say in its header comment how often its questions must be rechecked::

    # review_every: 12

(months). ``bank check`` then warns on a question of that file without ``reviewed`` or whose
``reviewed`` is older than that. It also warns on a 党章党规 question whose source names no article,
and on a 政策理论 question citing a law or regulation (a document with articles) without one,
unless its ``note`` (with a ``reviewed`` date) records why the article could not be confirmed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from exam_tools.bank.model import REVIEW_PENDING, Question
from exam_tools.errors import Location, Problem

#: Optional fields beyond the exchange-format ones (they have no Excel column).
REVIEW_FIELDS: tuple[str, ...] = ("reviewed", "review", "note")

DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: The header line giving a file's review period in months, e.g. ``# review_every: 12``.
REVIEW_EVERY_RE = re.compile(r"^#\s*review_every\s*[:：]\s*(\d+)\s*(?:个月|月|months?)?\s*$")
#: A source that says where in its document: an article, or a part without articles.
LOCATED_RE = re.compile(r"第[一二三四五六七八九十百零〇两\d]+条|总纲|序言|题注")
#: A document with articles: the Party Constitution, a law, or a Party regulation.
ARTICLED_RE = re.compile(r"党章|《[^》]*(?:法|条例|细则|准则)(?:（[^）]*）)?》")


def parse_review_fields(
    raw: Mapping[str, Any], report: Callable[[str, str], None]
) -> tuple[str | None, str | None, str | None]:
    """``reviewed``, ``note`` and ``review`` of a raw question; ``report(field, message)`` reports
    errors. ``review: pending`` needs a ``note`` saying what awaits review and why."""
    reviewed = raw.get("reviewed")
    if reviewed is not None:
        reviewed = str(reviewed).strip()
        if parse_date(reviewed) is None:
            report("reviewed", f"复核日期应写成 年-月-日，如 2026-11-30，实际是“{reviewed}”")
            reviewed = None
    note = raw.get("note")
    if note is not None:
        if isinstance(note, bool) or not isinstance(note, str | int) or not str(note).strip():
            report("note", "备注应为非空文字")
            note = None
        else:
            note = str(note).strip()
    review = raw.get("review")
    if review is not None:
        review = str(review).strip()
        if review != REVIEW_PENDING:
            report("review", f"review 只能写 {REVIEW_PENDING}（待复核），实际是“{review}”")
            review = None
        elif note is None:
            report("review", "待复核的题（review: pending）要在 note 里写明待复核什么、为什么")
    return reviewed, note, review


def parse_date(text: str) -> date | None:
    m = DATE_RE.match(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def review_every(text: str) -> int | None:
    """The review period (months) a bank file's header comment gives, if any."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None  # the header is the comment block before the first question
        m = REVIEW_EVERY_RE.match(stripped)
        if m:
            return int(m[1])
    return None


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):  # 31 January + 1 month = 28/29 February
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)  # pragma: no cover - day 28 exists in every month


def source_problem(q: Question) -> str | None:
    """Why ``q``'s source is not precise enough, or ``None``.

    A reviewer who could not confirm the article says so in ``note`` with the ``reviewed`` date;
    such a question is not warned about again (the review period brings it back).
    """
    if q.domain not in ("党章党规", "政策理论") or not q.source:
        return None
    if q.note and q.reviewed:
        return None
    if LOCATED_RE.search(q.source):
        return None
    if q.domain == "党章党规":
        return "党章党规题的出处要写到条，如“党章 第七条”"
    if ARTICLED_RE.search(q.source):
        return "出处是分条的法律法规（法律、条例、细则等），请写到第几条"
    return None


def review_problems(questions: Iterable[Question], every: int | None, today: date) -> list[Problem]:
    """Warnings for questions of one file: imprecise sources, and reviews missing or overdue."""
    out: list[Problem] = []
    for q in questions:
        where = q.origin or Location()
        message = source_problem(q)
        if message:
            out.append(Problem(where, q.id, "source", message, "warning"))
        if every is None:
            continue
        if q.reviewed is None:
            message = f"本文件要求每 {every} 个月复核一次，请对照出处核对后填写复核日期 reviewed"
            out.append(Problem(where, q.id, "reviewed", message, "warning"))
            continue
        last = parse_date(q.reviewed)
        if last is not None and add_months(last, every) < today:
            message = (
                f"上次复核是 {q.reviewed}，已超过本文件的复核周期（{every} 个月），"
                "请对照现行文本复核后更新 reviewed"
            )
            out.append(Problem(where, q.id, "reviewed", message, "warning"))
        elif last is not None and last > today:
            message = f"复核日期 {q.reviewed} 晚于今天"
            out.append(Problem(where, q.id, "reviewed", message, "warning"))
    return out
