"""每日一练 and 学习积分 at the exam service.

每日一练: five questions a day for each member, drawn here (never in the member's kernel) from the
practice papers the instructors handed to the service and open now: the member's 错题本 first
(most-missed first), then questions the member has never been judged on, then the rest (each group
in an order fixed by the member and the day). Questions marked by hand (简答) are left out: every
question gets its verdict and 解析 at once. The paper is kept like a 错题本 paper (``papers`` and
``reviews``, named :func:`~exam_tools.records.points.daily_exam` of the day), so a reload the same
day opens the same five, 核对答案 works as on any practice, and its verdicts are practice verdicts:
they count toward points and the 错题本. Each key entry names the practice it came from
(``from``), so a question missed here enters the 错题本 with its source.

Points (:func:`points_for`): the service's own verdicts, plus the hours and passed exams in the
record the organisers published (with the county's rules, ``exam publish-records``); the shipped
``积分规则.yaml`` until a record is published.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from exam_tools.records.points import (
    DAILY_SIZE,
    KIND_NAMES,
    Activity,
    PointsRules,
    daily_exam,
    day_of,
    load_points_rules,
    practice_activities,
    summary,
    tally,
)
from exam_tools.service import rules as R

if TYPE_CHECKING:
    from exam_tools.course.paper import Paper
    from exam_tools.course.pool import PublicQuestion
    from exam_tools.service.store import ServiceStore

NO_DAILY = "老师发布的练习题还不够 5 道，每日一练暂时不能开始。"


def _pools(db: sqlite3.Connection, now: float) -> dict[str, tuple[PublicQuestion, str, Any]]:
    """qid → (question, the practice it is in, its key entry): the practice papers open now,
    questions judged automatically only."""
    from exam_tools.bank.model import QType
    from exam_tools.course.pool import ExamSpec

    out: dict[str, tuple[PublicQuestion, str, Any]] = {}
    rows = db.execute("select id, spec, key, opens_at, closes_at from exams "
                      "where mode = 'practice' order by id")  # fmt: skip
    for exam, spec_text, key_text, opens, closes in rows:
        if (opens is not None and now < opens) or (closes is not None and now > closes):
            continue
        spec = ExamSpec.from_dict(json.loads(spec_text), "考试服务")
        key = json.loads(key_text)
        for q in spec.questions:
            if q.type is not QType.SHORT and q.id in key:
                out.setdefault(q.id, (q, exam, key[q.id]))
    return out


def draw_daily(
    db: sqlite3.Connection, member: str, day: date, now: float
) -> tuple[Paper, dict[str, Any]] | None:
    """The member's 每日一练 of ``day`` and its key; None when the open practice papers hold
    fewer than :data:`DAILY_SIZE` questions judged automatically."""
    from exam_tools.course.model import Assessment, Course, Mode
    from exam_tools.course.paper import assemble_paper
    from exam_tools.service.review import mistakes

    pool = _pools(db, now)
    if len(pool) < DAILY_SIZE:
        return None
    rng = random.Random(f"{member}/{day.isoformat()}")  # str seeds hash stably (random's v2)
    book = [e["qid"] for e in mistakes(db, member) if e["qid"] in pool]
    seen = {r[0] for r in db.execute("select distinct qid from practice where member = ?",
                                     (member,))}  # fmt: skip
    unseen = sorted(q for q in pool if q not in seen and q not in book)
    rest = sorted(q for q in pool if q in seen and q not in book)
    rng.shuffle(unseen)
    rng.shuffle(rest)
    chosen = (book + unseen + rest)[:DAILY_SIZE]
    course = Course(id="daily", title="每日一练", category="", lessons=(), assessments=())
    title = f"每日一练（{day.month}月{day.day}日）"
    a = Assessment(id="daily", title=title, mode=Mode.PRACTICE, rules=(), attempts=None)
    drawn = [(pool[q][0], pool[q][0].points) for q in chosen]
    paper = assemble_paper(drawn, course, a, member=member, seed=day.toordinal())
    key = {q: {**pool[q][2], "from": pool[q][1]} for q in chosen}
    return paper, key


def today(store: ServiceStore) -> date:
    return day_of(store.clock())


def new_daily(store: ServiceStore, member: str) -> str:
    """Today's 每日一练 of the member (drawn the first time, kept all day); its exam name."""
    day = today(store)
    exam = daily_exam(day)
    with store._lock:  # one draw a day, even for two taps at once
        if _made(store.db, member, exam):
            return exam
        made = draw_daily(store.db, member, day, store.clock())
        if made is None:
            raise R.Refused("no-daily", NO_DAILY, 409)
        paper, key = made
        with store.tx() as db:
            now = store.clock()
            db.execute("insert into papers values (?,?,?,?,?)",
                       (exam, member, paper.id, paper.to_json(), now))  # fmt: skip
            db.execute("insert into reviews values (?,?,?,?)",
                       (member, exam, json.dumps(key, ensure_ascii=False), now))  # fmt: skip
    return exam


def _made(db: sqlite3.Connection, member: str, exam: str) -> bool:
    row = db.execute("select 1 from reviews where member = ? and exam = ?", (member, exam))
    return row.fetchone() is not None


@lru_cache(maxsize=1)
def _shipped_rules() -> PointsRules:
    return load_points_rules()


def published_points(record: dict[str, Any] | None) -> tuple[PointsRules, list[Activity]]:
    """The rules and the hours and exams of a published record (the shipped rules without one)."""
    pub = (record or {}).get("points") or {}
    rules = _shipped_rules()
    acts: list[Activity] = []
    try:
        if pub.get("rules"):
            rules = PointsRules.from_dict(pub["rules"])
        for day, kind, units in pub.get("activity") or ():
            if kind in ("hours", "exam"):
                acts.append(Activity(date.fromisoformat(str(day)), str(kind), float(units)))
    except (ValueError, TypeError, KeyError, AttributeError):
        pass  # a record this version cannot read: its practice still counts
    return rules, acts


def points_for(store: ServiceStore, member: str) -> dict[str, Any]:
    """The member's points today and this year, the streak, points by kind, and today's
    每日一练 (made or not, questions judged of :data:`DAILY_SIZE`)."""
    from exam_tools.timezone import zone

    day = today(store)
    tz = zone()
    # from 1 December of last year: a streak and the last 30 days may reach back into it
    start = _midnight(date(day.year, 1, 1) - timedelta(days=31), tz)
    cursor = store.db.cursor()
    cursor.row_factory = None  # plain tuples: a heavy member has ten thousand verdicts a year
    verdicts = cursor.execute(
        "select at, exam, qid, n, correct from practice where member = ? and at >= ? order by id",
        (member, start),
    ).fetchall()
    rules, acts = published_points(store.record(member))
    s = summary(tally(rules, practice_activities(verdicts, tz) + acts), day.year, day)
    exam = daily_exam(day)
    judged = store.db.execute(
        "select count(distinct n) from practice where member = ? and exam = ?", (member, exam)
    ).fetchone()[0]
    daily = {"exam": exam if _made(store.db, member, exam) else None, "judged": int(judged),
             "size": DAILY_SIZE}  # fmt: skip
    return {**s.to_dict(), "names": KIND_NAMES, "daily": daily}


def _midnight(day: date, tz: Any) -> float:
    from datetime import datetime

    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
