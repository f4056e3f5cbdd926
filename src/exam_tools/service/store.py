"""The exam service's database: one SQLite file in WAL mode, owned by the service's Unix user.

It holds, per exam: the settings (times, limits, grace), the keyless spec the papers are drawn
from and the key (never sent to a member); per member: the paper drawn here from the member's id,
each attempt (start, deadline, hand-in, all by the service's clock), every accepted answer with its
receipt time (appended: a changed answer is a new row, the last one counts; a save for the question
just saved replaces that row, and an attempt keeps at most ``R.ANSWERS_PER_QUESTION`` rows a
question), the instructors' grants with who, when and why, refused requests counted per hub user,
code and minute, practice verdicts, and the records the organisers published. Plain ``sqlite3``
with explicit ``BEGIN IMMEDIATE`` transactions: each
accepted answer is committed before the reply, and WAL keeps a committed row through a killed
process (``synchronous=NORMAL`` can only lose the last commits if the whole machine loses power).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from exam_tools.course.paper import Paper, build_paper
from exam_tools.course.pool import ExamSpec
from exam_tools.errors import ExamToolsError
from exam_tools.service import rules as R

SCHEMA = """
create table if not exists exams (
  id text primary key, title text not null, mode text not null,
  time_limit real, attempts integer, opens_at real, closes_at real, grace real not null,
  spec text not null, key text not null, updated_at real not null);
create table if not exists papers (
  exam text not null, member text not null, paper_id text not null, paper text not null,
  drawn_at real not null, primary key (exam, member));
create table if not exists attempts (
  exam text not null, member text not null, number integer not null,
  started_at real not null, deadline real, submitted_at real, submitted_by text,
  primary key (exam, member, number));
create table if not exists answers (
  id integer primary key, exam text not null, member text not null, attempt integer not null,
  n integer not null, value text not null, received_at real not null);
create index if not exists answers_by_attempt on answers (exam, member, attempt, n);
create table if not exists grants (
  id integer primary key, at real not null, exam text not null, member text not null,
  by text not null, reason text not null, minutes real not null, attempts integer not null);
create table if not exists practice (
  id integer primary key, at real not null, exam text not null, member text not null,
  attempt integer not null, n integer not null, qid text not null, correct integer);
create index if not exists practice_by_member on practice (member, id);
create index if not exists practice_by_attempt on practice (exam, member, attempt, n);
create table if not exists records (
  member text primary key, record text not null, published_at real not null);
create table if not exists reviews (
  member text not null, exam text not null, key text not null, made_at real not null,
  primary key (member, exam));
"""

# Refused requests, counted: one row per hub user, refusal code and minute (``minute`` =
# floor(at / 60)) holding how many there were, the first one's time, exam, member and detail
# (escaped, cut), and the last one's time. The columns a row-per-request table had keep their
# names; ``exam`` and ``member`` are the minute's first request's.
REFUSALS = """
create table if not exists refusals (
  id integer primary key, at real not null, user text not null default '',
  exam text not null default '', member text not null default '', code text not null,
  detail text not null, minute integer not null default 0, count integer not null default 1,
  last_at real);
create unique index if not exists refusals_by_minute on refusals (user, code, minute);
"""
DETAIL_CHARS = 300


class ServiceStoreError(ExamToolsError, LookupError):
    pass


class ServiceStore:
    """The service's database. One connection, used from one thread at a time (a lock)."""

    def __init__(self, path: str | Path, clock: Any = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=normal")
        self.db.execute("pragma busy_timeout=10000")
        self.db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._papers: dict[tuple[str, str], Paper] = {}
        self._counted: dict[tuple[str, str, int], int] = {}  # refusals not yet written: count
        self._flushed_at = 0.0
        self._refusals_table()

    def _refusals_table(self) -> None:
        """The counted refusals table; a row-per-request table (before issue 16) is folded into
        it, one row per user, code and minute."""

        def columns() -> set[str]:
            return {r[1] for r in self.db.execute("pragma table_info(refusals)")}

        if "count" in columns() or not columns():
            self.db.executescript(REFUSALS)  # "if not exists": nothing written when there
            return
        with self.tx() as db:
            if "count" in columns():  # another process folded it meanwhile
                return
            db.execute("alter table refusals rename to refusals_old")
            for statement in REFUSALS.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "insert into refusals (at, user, exam, member, code, detail, minute, count, "
                "last_at) select min(at), coalesce(user, ''), coalesce(exam, ''), "
                "coalesce(member, ''), code, detail, cast(at / 60 as integer), count(*), "
                "max(at) from refusals_old group by coalesce(user, ''), code, "
                "cast(at / 60 as integer) order by min(id)"
            )
            db.execute("drop table refusals_old")

    def close(self) -> None:
        self.flush_refusals()
        self.db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self.db.execute("begin immediate")
            try:
                yield self.db
            except BaseException:
                self.db.execute("rollback")
                raise
            self.db.execute("commit")

    # ---- exams (instructors, through the CLI) ---------------------------------------------------

    def put_exam(
        self,
        spec: ExamSpec,
        spec_json: str,
        key: dict[str, Any],
        *,
        exam: str | None = None,
        opens_at: float | None = None,
        closes_at: float | None = None,
        grace: float = R.DEFAULT_GRACE,
        title: str | None = None,
    ) -> str:
        """Add an exam or change its settings (papers already drawn stay as they are); ``title``
        names it in members' lists in place of the assessment's title."""
        a = spec.assessment
        name = exam or a.id
        if not R.EXAM_NAME.fullmatch(name):
            raise ServiceStoreError(
                f"考试名 {name!r} 不合要求：只能用英文字母、数字和 _ . -，最长 64 个字符。"
            )
        if R.is_review(name):
            raise ServiceStoreError(
                f"考试名不能以“{R.REVIEW_PREFIX}”开头（留给党员的错题本），请换一个名字。"
            )
        with self.tx() as db:
            db.execute(
                "insert or replace into exams values (?,?,?,?,?,?,?,?,?,?,?)",
                (name, title or a.title, a.mode.value, a.time_limit, a.attempts, opens_at, closes_at,
                 grace, spec_json, json.dumps(key, ensure_ascii=False), self.clock()),
            )  # fmt: skip
        return name

    def _exam_row(self, exam: str) -> sqlite3.Row:
        row = self.db.execute("select * from exams where id = ?", (exam,)).fetchone()
        if row is None:
            raise R.Refused("no-such-exam", f"没有名为“{exam}”的考试，请联系老师。", 404)
        return row  # type: ignore[no-any-return]  # sqlite3.Row from fetchone

    def rules(self, exam: str) -> R.ExamRules:
        if R.is_review(exam):  # a 错题本 paper: practice, no limits (its owner: see paper())
            return R.ExamRules(exam, "practice", None, None)
        r = self._exam_row(exam)
        return R.ExamRules(exam, r["mode"], r["time_limit"], r["attempts"], r["opens_at"],
                           r["closes_at"], r["grace"])  # fmt: skip

    def exams(self) -> list[dict[str, Any]]:
        rows = self.db.execute("select id, title, mode, time_limit, attempts, opens_at, "
                               "closes_at, grace from exams order by id")  # fmt: skip
        return [dict(r) for r in rows]

    def practice_list(self) -> list[dict[str, Any]]:
        """The practice papers open now, as a member's 我的学习 lists them (no key, no paper)."""
        now = self.clock()
        rows = self.db.execute("select id, title, spec, opens_at, closes_at from exams "
                               "where mode = 'practice' order by id")  # fmt: skip
        out = []
        for r in rows:
            if (r["opens_at"] is not None and now < r["opens_at"]) or (
                r["closes_at"] is not None and now > r["closes_at"]
            ):
                continue
            course = json.loads(r["spec"]).get("course") or {}
            out.append({"exam": r["id"], "title": r["title"], "course": course.get("title", "")})
        return out

    def key(self, exam: str) -> dict[str, Any]:
        return json.loads(self._exam_row(exam)["key"])  # type: ignore[no-any-return]

    # ---- a member's paper and attempts ----------------------------------------------------------

    def paper(self, exam: str, member: str) -> Paper:
        """The member's paper, drawn here from the member's id the first time and kept."""
        cached = self._papers.get((exam, member))
        if cached is not None:
            return cached
        with self._lock:
            row = self.db.execute(
                "select paper from papers where exam = ? and member = ?", (exam, member)
            ).fetchone()
            if row is not None:
                paper = Paper.from_dict(json.loads(row["paper"]))
            elif R.is_review(exam):  # made by new_review() for its member only, never drawn here
                raise R.Refused("no-such-exam", R.NO_REVIEW, 404)
            else:
                spec = ExamSpec.from_dict(json.loads(self._exam_row(exam)["spec"]))
                paper = build_paper(spec.questions, spec.course, spec.assessment,
                                    member=member, seed=spec.seed)  # fmt: skip
                with self.tx() as db:
                    db.execute("insert or ignore into papers values (?,?,?,?,?)",
                               (exam, member, paper.id, paper.to_json(), self.clock()))  # fmt: skip
            self._papers[(exam, member)] = paper
        return paper

    def own_paper(self, exam: str, member: str, paper_id: str) -> Paper:
        """The member's paper, refused unless ``paper_id`` (from the request) names it; before
        the exam opens, refused without drawing it."""
        R.check_opened(self.rules(exam), self.clock())
        paper = self.paper(exam, member)
        R.check_paper(paper.id, paper_id)
        return paper

    def attempts(self, exam: str, member: str) -> list[R.AttemptState]:
        rows = self.db.execute(
            "select number, started_at, deadline, submitted_at from attempts "
            "where exam = ? and member = ? order by number",
            (exam, member),
        )
        return [R.AttemptState(r[0], r[1], r[2], r[3]) for r in rows]

    def granted(self, exam: str, member: str) -> tuple[float, int]:
        """(extra minutes, extra attempts) granted to the member for the exam."""
        row = self.db.execute(
            "select coalesce(sum(minutes), 0), coalesce(sum(attempts), 0) from grants "
            "where exam = ? and member = ?",
            (exam, member),
        ).fetchone()
        return float(row[0]), int(row[1])

    def start(self, exam: str, member: str, paper_id: str) -> R.AttemptState:
        self.own_paper(exam, member, paper_id)
        with self.tx() as db:
            now = self.clock()
            rules = self.rules(exam)
            attempts = self.attempts(exam, member)
            minutes, extra = self.granted(exam, member)
            R.check_start(rules, attempts, extra, now)
            attempt = R.AttemptState(len(attempts) + 1, now, R.deadline_for(rules, now, minutes))
            db.execute("insert into attempts (exam, member, number, started_at, deadline) "
                       "values (?,?,?,?,?)",
                       (exam, member, attempt.number, attempt.started_at, attempt.deadline))  # fmt: skip
        return attempt

    def save(
        self, exam: str, member: str, paper_id: str, attempt: int, n: Any, value: Any
    ) -> float:
        """Record one answer; the receipt time. Refused answers are never stored. Answers are
        appended, except that a save for the question the attempt's last kept answer is for
        replaces it (so typing or changing a choice keeps one row, with the latest receipt
        time); an attempt keeps at most ``R.ANSWERS_PER_QUESTION`` times its questions."""
        paper = self.own_paper(exam, member, paper_id)
        text = R.check_answer(n, value, len(paper))
        with self.tx() as db:
            now = self.clock()
            rules = self.rules(exam)
            R.check_open_attempt(rules, self.attempts(exam, member), attempt, now)
            where = (exam, member, attempt)
            last = db.execute("select id, n from answers where exam = ? and member = ? and "
                              "attempt = ? order by id desc limit 1", where).fetchone()  # fmt: skip
            if last is not None and last["n"] == n:  # the same question again: typing, a change
                db.execute("update answers set value = ?, received_at = ? where id = ?",
                           (text, now, last["id"]))  # fmt: skip
                return float(now)
            kept = db.execute("select count(*) from answers where exam = ? and member = ? and "
                              "attempt = ?", where).fetchone()[0]  # fmt: skip
            R.check_answer_count(kept, len(paper))
            db.execute("insert into answers (exam, member, attempt, n, value, received_at) "
                       "values (?,?,?,?,?,?)", (exam, member, attempt, n, text, now))  # fmt: skip
        return float(now)

    def submit(self, exam: str, member: str, paper_id: str, attempt: int) -> R.AttemptState:
        self.own_paper(exam, member, paper_id)
        with self.tx() as db:
            now = self.clock()
            rules = self.rules(exam)
            attempts = self.attempts(exam, member)
            if not attempts or attempts[-1].number != attempt:
                raise R.Refused("wrong-attempt", "这次作答已经结束。", 409)
            cur = attempts[-1]
            if cur.submitted_at is not None:
                return cur  # handing in twice is harmless (a retried request)
            at, by = R.submit_time(cur, rules, now)
            db.execute("update attempts set submitted_at = ?, submitted_by = ? "
                       "where exam = ? and member = ? and number = ?",
                       (at, by, exam, member, attempt))  # fmt: skip
        return R.AttemptState(cur.number, cur.started_at, cur.deadline, at)

    def answers(self, exam: str, member: str, attempt: int) -> dict[int, Any]:
        """The attempt's answers as the service received them: the last one per question."""
        rows = self.db.execute(
            "select n, value from answers where exam = ? and member = ? and attempt = ? "
            "order by id",
            (exam, member, attempt),
        )
        out: dict[int, Any] = {}
        for n, value in rows:
            v = json.loads(value)
            if v is None:
                out.pop(n, None)
            else:
                out[n] = v
        return out

    def state(self, exam: str, member: str) -> dict[str, Any]:
        """What the quiz shows: the paper id, every attempt, the time left, attempts left.

        The questions (``paper_json``) only once the member has started an attempt (an exam's
        开始考试), or for practice; before the exam opens nothing at all (issue 16): the paper
        reaches a member's kernel after 开始考试, never before."""
        now = self.clock()
        rules = self.rules(exam)
        R.check_opened(rules, now)
        paper = self.paper(exam, member)
        attempts = self.attempts(exam, member)
        submitted_by = {
            r[0]: r[1]
            for r in self.db.execute(
                "select number, submitted_by from attempts where exam = ? and member = ?",
                (exam, member),
            )
        }
        _, extra = self.granted(exam, member)
        allowed = R.attempts_allowed(rules, extra)
        out: dict[str, Any] = {
            "exam": exam,
            "member": member,
            "paper": paper.id,
            "mode": rules.mode,
            "now": now,
            "grace": rules.grace,
            "attempts_allowed": allowed,
            "summary": self.summary(exam, paper),
            "attempts": [
                {
                    "number": a.number,
                    "started_at": a.started_at,
                    "deadline": a.deadline,
                    "submitted_at": a.submitted_at,
                    "submitted_by": submitted_by.get(a.number),
                    "remaining": R.remaining(a, now),
                    "over": R.is_over(a, rules, now),
                    "answers": {str(n): v for n, v in self.answers(exam, member, a.number).items()},
                }
                for a in attempts
            ],
        }
        if attempts or rules.mode == "practice":
            out["paper_json"] = paper.to_dict()
        return out

    def summary(self, exam: str, paper: Paper) -> dict[str, Any]:
        """What the 开始考试 screen says before the paper is handed out: titles, sizes, times."""
        rules = self.rules(exam)
        title = paper.title
        if not R.is_review(exam):
            title = str(self._exam_row(exam)["title"])
        return {"title": title, "course": paper.course_title, "questions": len(paper),
                "total_points": paper.total_points, "time_limit": rules.time_limit,
                "grading": paper.grading.value,
                "opens_at": rules.opens_at, "closes_at": rules.closes_at}  # fmt: skip

    def exam_list(self, member: str) -> list[dict[str, Any]]:
        """The exams (not practice) a member's 待考 lists: open now or opening later, with what
        the member has done at each; no paper is drawn and no question is sent."""
        now = self.clock()
        rows = self.db.execute("select id, title, spec, time_limit, opens_at, closes_at, grace "
                               "from exams where mode = 'exam' order by id")  # fmt: skip
        out = []
        for r in rows:
            attempts = self.attempts(r["id"], member)
            if r["closes_at"] is not None and now > r["closes_at"] + r["grace"] and not attempts:
                continue  # over, never taken: nothing to show
            spec = json.loads(r["spec"])
            course = spec.get("course") or {}
            last = attempts[-1] if attempts else None
            rules = self.rules(r["id"])
            over = last is not None and R.is_over(last, rules, now)
            handed = None  # when the last attempt was handed in (its deadline if time ran out)
            if last is not None and over:
                handed = last.submitted_at if last.submitted_at is not None else last.deadline
            out.append({
                "exam": r["id"], "title": r["title"], "course": course.get("title", ""),
                # ids, to find the exam's score in the member's published record
                "course_id": course.get("id", ""),
                "assessment_id": (spec.get("assessment") or {}).get("id", ""),
                "time_limit": r["time_limit"], "opens_at": r["opens_at"],
                "closes_at": r["closes_at"], "open": R.is_open(rules, now),
                "attempts": len(attempts), "submitted": over, "submitted_at": handed,
                "deadline": None if last is None else last.deadline,
            })  # fmt: skip
        return out

    # ---- practice -------------------------------------------------------------------------------

    def check(self, exam: str, member: str, paper_id: str, attempt: int, n: Any) -> dict[str, Any]:
        """Practice only: the verdict on the member's saved answer, the answer and its 解析."""
        from exam_tools.course.key import MultipleRule, key_from_compact, score_item

        rules = self.rules(exam)
        if rules.mode != "practice":
            raise R.Refused("not-practice", "考试的答案在成绩发布前不公开。")
        paper = self.own_paper(exam, member, paper_id)
        R.check_answer(n, None, len(paper))
        attempts = self.attempts(exam, member)
        if not attempts or attempts[-1].number != attempt:
            raise R.Refused("wrong-attempt", "这次练习已经结束。", 409)
        response = self.answers(exam, member, attempt).get(n)
        compact = self._review_key(exam, member) if R.is_review(exam) else self.key(exam)
        item = paper.item(n)
        key = key_from_compact(paper, compact)[n]
        verdict = score_item(key, response, MultipleRule.ALL_OR_NOTHING)
        with self.tx() as db:
            # one verdict per question and attempt, the first: the page asks again after a
            # reload or on 交卷, and an answer changed after the key was shown counts for nothing
            seen = db.execute("select 1 from practice where exam = ? and member = ? "
                              "and attempt = ? and n = ?", (exam, member, attempt, n))  # fmt: skip
            if seen.fetchone() is None:
                db.execute("insert into practice (at, exam, member, attempt, n, qid, correct) "
                           "values (?,?,?,?,?,?,?)",
                           (self.clock(), exam, member, attempt, n, item.qid,
                            None if verdict.correct is None else int(verdict.correct)))  # fmt: skip
        entry = compact.get(item.qid) or {}
        return {
            "n": n,
            "correct": verdict.correct,
            "score": verdict.score,
            "answer": key.answer_text(item.options),
            "explanation": entry.get("explanation") or "",
            "source": entry.get("source"),
        }

    def mistakes(self, member: str) -> list[dict[str, Any]]:
        """The member's 错题本, most-missed first (see :mod:`exam_tools.service.review`)."""
        from exam_tools.service.review import mistakes

        return mistakes(self.db, member)

    def practice_tally(self, member: str, since: float) -> dict[str, int]:
        """The member's practice verdicts since ``since``: items checked, right, judged (the rest
        are 简答, marked by hand)."""
        row = self.db.execute(
            "select count(*), coalesce(sum(correct = 1), 0), count(correct) from practice "
            "where member = ? and at >= ?",
            (member, since),
        ).fetchone()
        return {"items": int(row[0]), "correct": int(row[1]), "graded": int(row[2])}

    def new_review(self, member: str) -> str | None:
        """A new 错题本 paper for the member; its exam name, or None when the book is empty."""
        from exam_tools.service.review import review_paper

        with self._lock:
            day = time.localtime(self.clock())
            midnight = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))
            today = self.db.execute("select count(*) from reviews where member = ? and "
                                    "made_at >= ?", (member, midnight)).fetchone()[0]  # fmt: skip
            R.check_reviews_today(today)
            made = review_paper(self.db, member, int(self.clock() * 1000))
            if made is None:
                return None
            paper, key = made
            with self.tx() as db:
                count = db.execute("select count(*) from reviews where member = ?", (member,))
                exam = f"{R.REVIEW_PREFIX}{count.fetchone()[0] + 1}"
                now = self.clock()
                db.execute("insert into papers values (?,?,?,?,?)",
                           (exam, member, paper.id, paper.to_json(), now))  # fmt: skip
                db.execute("insert into reviews values (?,?,?,?)",
                           (member, exam, json.dumps(key, ensure_ascii=False), now))  # fmt: skip
        return exam

    def _review_key(self, exam: str, member: str) -> dict[str, Any]:
        row = self.db.execute(
            "select key from reviews where member = ? and exam = ?", (member, exam)
        ).fetchone()
        if row is None:
            raise R.Refused("no-such-exam", R.NO_REVIEW, 404)
        return json.loads(row[0])  # type: ignore[no-any-return]

    # ---- instructors: grants, refusals, records -------------------------------------------------

    def grant(
        self, exam: str, member: str, by: str, reason: str, minutes: float = 0, attempts: int = 0
    ) -> dict[str, Any]:
        """Give one member more time (their running attempt too) or another attempt; logged."""
        if not reason.strip():
            raise ServiceStoreError("请写明原因（--reason），它会记入审计日志。")
        if minutes < 0 or attempts < 0 or (minutes == 0 and attempts == 0):
            raise ServiceStoreError("请给出要增加的分钟数（--minutes）或次数（--attempts）。")
        if not R.MEMBER_NAME.fullmatch(member):
            raise ServiceStoreError(f"登录名 {member!r} 不合要求（字母、数字、_ . @ -）。")
        self._exam_row(exam)
        with self.tx() as db:
            now = self.clock()
            db.execute("insert into grants (at, exam, member, by, reason, minutes, attempts) "
                       "values (?,?,?,?,?,?,?)",
                       (now, exam, member, by, reason, minutes, attempts))  # fmt: skip
            if minutes:
                db.execute(
                    "update attempts set deadline = deadline + ? where exam = ? and member = ? "
                    "and submitted_at is null and deadline is not null and deadline + ? >= ?",
                    (minutes * 60, exam, member, self.rules(exam).grace, now),
                )
        return {"at": now, "exam": exam, "member": member, "by": by, "reason": reason,
                "minutes": minutes, "attempts": attempts}  # fmt: skip

    def audit(self, exam: str | None = None) -> list[dict[str, Any]]:
        sql = "select at, exam, member, by, reason, minutes, attempts from grants"
        rows = self.db.execute(sql + (" where exam = ?" if exam else "") + " order by id",
                               (exam,) if exam else ())  # fmt: skip
        return [dict(r) for r in rows]

    def refuse(self, user: str, exam: str | None, member: str | None, code: str,
               detail: str) -> bool:  # fmt: skip
        """Count a refused request of the hub user ``user``. The first of its user, code and
        minute is written at once (with ``detail``, cut; True; whoever shows it escapes it, see
        :func:`~exam_tools.service.limits.shown`); later ones only
        add to a count in memory, written by :meth:`flush_refusals` (at most once a second
        here, and by the server's timer), so a flood costs no write per request."""
        now = self.clock()
        minute = int(now // 60)
        key = (user, code, minute)
        with self._lock:
            if key in self._counted:
                self._counted[key] += 1
                if now - self._flushed_at >= 1.0:
                    self.flush_refusals()
                return False
            with self.tx() as db:
                db.execute(
                    "insert into refusals (at, user, exam, member, code, detail, minute, count, "
                    "last_at) values (?,?,?,?,?,?,?,1,?) on conflict (user, code, minute) "
                    "do update set count = count + 1, last_at = excluded.last_at",
                    (now, user, exam or "", member or "", code, detail[:DETAIL_CHARS], minute, now),
                )  # fmt: skip
            self._counted[key] = 0
            return True

    def flush_refusals(self) -> None:
        """Write the refusals counted in memory since the last flush."""
        with self._lock:
            now = self.clock()
            self._flushed_at = now
            pending = [(n, now, u, c, m) for (u, c, m), n in self._counted.items() if n]
            if pending:
                with self.tx() as db:
                    db.executemany("update refusals set count = count + ?, last_at = ? "
                                   "where user = ? and code = ? and minute = ?", pending)  # fmt: skip
            current = int(now // 60)
            self._counted = {k: 0 for k in self._counted if k[2] >= current - 1}

    def refusals(self, exam: str | None = None) -> list[dict[str, Any]]:
        """Refused requests, one entry per user, code and minute: ``at`` (the first), ``count``,
        ``last_at``, and the first one's ``exam``, ``member`` and ``detail``."""
        self.flush_refusals()
        sql = ("select at, nullif(user, '') as user, nullif(exam, '') as exam, "
               "nullif(member, '') as member, code, detail, count, coalesce(last_at, at) "
               "as last_at from refusals")  # fmt: skip
        rows = self.db.execute(sql + (" where exam = ?" if exam else "") + " order by at, id",
                               (exam,) if exam else ())  # fmt: skip
        return [dict(r) for r in rows]

    def publish_records(self, records: dict[str, dict[str, Any]]) -> int:
        with self.tx() as db:
            now = self.clock()
            for member, record in records.items():
                db.execute("insert or replace into records values (?,?,?)",
                           (member, json.dumps(record, ensure_ascii=False), now))  # fmt: skip
        return len(records)

    def record(self, member: str) -> dict[str, Any] | None:
        row = self.db.execute("select record from records where member = ?", (member,)).fetchone()
        return None if row is None else json.loads(row[0])

    def members(self, exam: str) -> list[str]:
        rows = self.db.execute("select member from papers where exam = ? order by member", (exam,))
        return [r[0] for r in rows]
