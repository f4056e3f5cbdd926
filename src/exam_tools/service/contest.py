"""知识竞赛 (a live contest) in the exam service: the contests, their clock, answers and standings.

An instructor makes a contest from a practice the service holds (or a course's practice handed
over by the CLI): N single-choice or 判断 questions, the seconds each is open, and individuals or
teams (a map login → team: branches from the roster, or groups named on the spot). The host moves
it on, one step at a time (:meth:`ContestStore.next`)::

    waiting → question 1 open → closed (answer, 解析, standings) → question 2 open → … → finished

Each step raises the contest's ``version``: members' phones and the projector wait for it (long
polling, see :mod:`exam_tools.service.contest_web`). A question's clock is the service's: opened at
the host's step, its deadline ``seconds`` later; an answer counts when the service receives it no
later than the deadline plus :data:`GRACE` and before the answer is shown. One answer a member a
question, the first; a right one earns :func:`points` (more the faster, by the service's receipt
time). Each accepted answer is also a practice verdict (the ``practice`` table, attempt 0), so it
reaches the member's 错题本 and the records as practice does. Nothing a member's kernel sends but
the chosen option is used.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from exam_tools.service import rules as R

if TYPE_CHECKING:
    from exam_tools.course.pool import PublicQuestion
    from exam_tools.service.store import ServiceStore

SCHEMA = """
create table if not exists contests (
  id text primary key, title text not null, source text not null, teams text,
  names text not null, seconds real not null, questions text not null,
  created_by text not null, created_at real not null, phase text not null,
  k integer not null, opened_at real, deadline real, version integer not null,
  finished_at real);
create table if not exists contest_answers (
  contest text not null, k integer not null, member text not null, value text not null,
  received_at real not null, correct integer not null, points integer not null,
  primary key (contest, k, member));
"""

WAITING, OPEN, CLOSED, FINISHED = "waiting", "open", "closed", "finished"
GRACE = 1.0  # seconds after a question's deadline for the network (the phone shows 0 at it)
BASE_POINTS = 10  # a right answer
SPEED_POINTS = 10  # and up to this many more, the faster the more
KINDS = ("single", "judge")  # the questions a pad of big buttons can answer
LETTERS = "ABCDEFGH"
SHOWN_AFTER = 600.0  # a finished contest stays on members' 我的学习 this many seconds
STANDINGS_SHOWN = 10


class ContestError(R.Refused):
    """An instructor's request the contest rules refuse (a Chinese one-line message)."""


def points(correct: bool, received_at: float, opened_at: float, seconds: float) -> int:
    """Points for one answer: none if wrong; :data:`BASE_POINTS` plus up to
    :data:`SPEED_POINTS` for the share of the question's time left when the service received it."""
    if not correct:
        return 0
    left = max(0.0, min(1.0, 1 - (received_at - opened_at) / seconds))
    return BASE_POINTS + round(SPEED_POINTS * left)


def pick_questions(
    pool: Iterable[PublicQuestion], key: Mapping[str, Any], count: int, seed: int
) -> list[dict[str, Any]]:
    """``count`` questions of the pool a pad can answer (单选, 判断), drawn with ``seed``, each
    with its answer and 解析 (kept in the service; sent only once the question is closed)."""
    usable = [q for q in pool if q.type.value in KINDS and q.id in key and not q.pending]
    if count < 1 or count > len(usable):
        raise ContestError("bad-count", f"题库里能用于竞赛的单选题和判断题共 {len(usable)} 道，"
                           f"不够 {count} 道；请少出几题或换一个练习。", 400)  # fmt: skip
    chosen = random.Random(seed).sample(usable, count)
    out = []
    for q in chosen:
        entry = key[q.id]
        out.append({"qid": q.id, "type": q.type.value, "stem": q.stem,
                    "options": list(q.options) if q.type.value == "single" else [],
                    "answer": entry["answer"], "explanation": entry.get("explanation") or "",
                    "source": entry.get("source") or q.source or ""})  # fmt: skip
    return out


def answer_text(q: Mapping[str, Any]) -> str:
    """The right answer as the projector shows it: ``B．选项`` or ``对``/``错``."""
    if q["type"] == "judge":
        return "对" if q["answer"] else "错"
    i = LETTERS.index(str(q["answer"]))
    return f"{q['answer']}．{q['options'][i]}"


def check_value(q: Mapping[str, Any], value: Any) -> Any:
    """The member's choice, refused unless it is one of the question's buttons."""
    if q["type"] == "judge":
        if not isinstance(value, bool):
            raise R.Refused("bad-request", R.BAD_REQUEST, 400)
        return value
    if not isinstance(value, str) or value not in LETTERS[: len(q["options"])] or not value:
        raise R.Refused("bad-request", R.BAD_REQUEST, 400)
    return value


def ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows by points (then right answers, then name), each with its ``rank`` (ties share one)."""
    rows = sorted(rows, key=lambda r: (-r["points"], -r["correct"], r["name"]))
    for i, r in enumerate(rows):
        same = i and rows[i - 1]["points"] == r["points"] and rows[i - 1]["correct"] == r["correct"]
        r["rank"] = rows[i - 1]["rank"] if same else i + 1
    return rows


class ContestStore:
    """The contests, in the service's database (its connection and lock)."""

    def __init__(self, store: ServiceStore) -> None:
        self.store = store
        self.db: sqlite3.Connection = store.db
        self.db.executescript(SCHEMA)
        # standings by contest, for (version, answers): every phone asks for them at once
        self._standings: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}

    @property
    def clock(self) -> Any:
        return self.store.clock

    # ---- instructors ----------------------------------------------------------------------------

    def pool(self, exam: str) -> tuple[list[PublicQuestion], dict[str, Any], str]:
        """The question pool, key and course title of a practice the service holds."""
        from exam_tools.course.pool import ExamSpec

        row = self.db.execute("select spec, key, mode from exams where id = ?", (exam,)).fetchone()
        if row is None or row["mode"] != "practice":
            raise ContestError("no-such-exam", f"考试服务里没有名为“{exam}”的练习；"
                               "请先用 exam-tools exam open --practice 交给服务。", 404)  # fmt: skip
        spec = ExamSpec.from_dict(json.loads(row["spec"]))
        return list(spec.questions), json.loads(row["key"]), spec.course.title

    def create(
        self,
        name: str,
        title: str,
        source: str,
        questions: list[dict[str, Any]],
        seconds: float,
        *,
        by: str,
        teams: Mapping[str, str] | None = None,
        names: Mapping[str, str] | None = None,
    ) -> str:
        """A new contest, waiting for its first question. ``teams``: login → team (None: each
        member for themself, anyone on the hub may join); ``names``: login → the name shown."""
        if not R.EXAM_NAME.fullmatch(name):
            raise ContestError("bad-name", f"竞赛名 {name!r} 不合要求：只能用英文字母、数字和 "
                               "_ . -，最长 64 个字符。", 400)  # fmt: skip
        if not 5 <= seconds <= 600:
            raise ContestError("bad-seconds", "每题的秒数应在 5 到 600 之间。", 400)
        for login in teams or {}:
            if not R.MEMBER_NAME.fullmatch(login):
                raise ContestError("bad-name", f"登录名 {login!r} 不合要求。", 400)
        with self.store.tx() as db:
            if db.execute("select 1 from contests where id = ?", (name,)).fetchone():
                raise ContestError("exists", f"已经有名为“{name}”的竞赛，请换一个名字。", 409)
            db.execute(
                "insert into contests (id, title, source, teams, names, seconds, questions, "
                "created_by, created_at, phase, k, version) values (?,?,?,?,?,?,?,?,?,?,0,1)",
                (name, title, source, None if teams is None else json.dumps(dict(teams)),
                 json.dumps(dict(names or {}), ensure_ascii=False), seconds,
                 json.dumps(questions, ensure_ascii=False), by, self.clock(), WAITING),
            )  # fmt: skip
        return name

    def row(self, contest: str) -> dict[str, Any]:
        r = self.db.execute("select * from contests where id = ?", (contest,)).fetchone()
        if r is None:
            raise ContestError("no-such-contest", "没有这场竞赛，请联系主持人。", 404)
        d = dict(r)
        d["questions"] = json.loads(d["questions"])
        d["teams"] = None if d["teams"] is None else json.loads(d["teams"])
        d["names"] = json.loads(d["names"])
        return d

    def next(self, contest: str) -> dict[str, Any]:
        """The host's one button: open the next question, or close the open one (early, if its
        time is not up: later answers are refused), or finish after the last."""
        with self.store.tx() as db:
            c = self.row(contest)
            now = self.clock()
            phase, k = c["phase"], c["k"]
            if phase == FINISHED:
                raise ContestError("finished", "这场竞赛已经结束了。", 409)
            if phase == OPEN:
                db.execute("update contests set phase = ?, deadline = min(deadline, ?), "
                           "version = version + 1 where id = ?", (CLOSED, now, contest))  # fmt: skip
            elif k >= len(c["questions"]):
                db.execute("update contests set phase = ?, finished_at = ?, version = version + 1 "
                           "where id = ?", (FINISHED, now, contest))  # fmt: skip
            else:
                db.execute("update contests set phase = ?, k = k + 1, opened_at = ?, deadline = ?, "
                           "version = version + 1 where id = ?",
                           (OPEN, now, now + c["seconds"], contest))  # fmt: skip
        return self.row(contest)

    def contests(self) -> list[dict[str, Any]]:
        rows = self.db.execute("select id, title, phase, k, questions, created_at, finished_at "
                               "from contests order by created_at")  # fmt: skip
        return [{**dict(r), "questions": len(json.loads(r["questions"]))} for r in rows]

    # ---- members --------------------------------------------------------------------------------

    def eligible(self, c: Mapping[str, Any], member: str) -> bool:
        return c["teams"] is None or member in c["teams"]

    def running_for(self, member: str) -> list[dict[str, Any]]:
        """The contests a member's 我的学习 shows: running (or just finished) and theirs."""
        now = self.clock()
        out = []
        rows = self.db.execute("select id from contests where phase != ? or finished_at > ? "
                               "order by created_at", (FINISHED, now - SHOWN_AFTER))  # fmt: skip
        for (cid,) in rows.fetchall():
            c = self.row(cid)
            if self.eligible(c, member):
                out.append({"contest": cid, "title": c["title"], "phase": c["phase"],
                            "team": (c["teams"] or {}).get(member)})  # fmt: skip
        return out

    def answer(self, contest: str, member: str, k: Any, value: Any) -> dict[str, Any]:
        """A member's answer to question ``k``, judged by the service's clock: refused when the
        question is not the open one, its time (plus :data:`GRACE`) is over, or it was answered."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise R.Refused("bad-request", R.BAD_REQUEST, 400)
        with self.store.tx() as db:
            now = self.clock()
            c = self.row(contest)
            if not self.eligible(c, member):
                raise R.Refused("not-in-contest", "您不在这场竞赛的参赛名单里。")
            if c["phase"] != OPEN or c["k"] != k:
                raise R.Refused("closed", "这道题已经结束，答案没有计分。", 409)
            if now > c["deadline"] + GRACE:
                raise R.Refused("late", "时间到了，这次作答没有计分。", 409)
            q = c["questions"][k - 1]
            value = check_value(q, value)
            correct = value == q["answer"]
            got = points(correct, now, c["opened_at"], c["seconds"])
            try:
                db.execute("insert into contest_answers values (?,?,?,?,?,?,?)",
                           (contest, k, member, json.dumps(value), now, int(correct), got))  # fmt: skip
            except sqlite3.IntegrityError:
                raise R.Refused("answered", "这道题您已经答过了，以第一次为准。", 409) from None
            # a practice verdict too: the 错题本 and the records count it (attempt 0: a contest)
            db.execute("insert into practice (at, exam, member, attempt, n, qid, correct) "
                       "values (?,?,?,0,?,?,?)",
                       (now, c["source"], member, k, q["qid"], int(correct)))  # fmt: skip
        return {"received_at": now, "k": k}

    # ---- what is shown --------------------------------------------------------------------------

    def answers(self, contest: str) -> list[dict[str, Any]]:
        rows = self.db.execute("select k, member, value, received_at, correct, points from "
                               "contest_answers where contest = ? order by k, received_at",
                               (contest,))  # fmt: skip
        return [{**dict(r), "value": json.loads(r["value"])} for r in rows]

    def standings(self, contest: str, c: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Members (and teams) ranked by points: ``members`` and ``teams`` (None: individuals)."""
        c = c or self.row(contest)
        count = self.db.execute("select count(*) from contest_answers where contest = ?",
                                (contest,)).fetchone()[0]  # fmt: skip
        cached = self._standings.get(contest)
        if cached is not None and cached[0] == (c["version"], count):
            return cached[1]
        out = self._rank(contest, c)
        self._standings[contest] = ((c["version"], count), out)
        return out

    def _rank(self, contest: str, c: Mapping[str, Any]) -> dict[str, Any]:
        names, teams = c["names"], c["teams"]
        people: dict[str, dict[str, Any]] = {}
        for login in teams or {}:
            people[login] = {"member": login, "points": 0, "correct": 0, "answered": 0}
        for a in self.answers(contest):
            p = people.setdefault(a["member"], {"member": a["member"], "points": 0,
                                                "correct": 0, "answered": 0})  # fmt: skip
            p["points"] += a["points"]
            p["correct"] += a["correct"]
            p["answered"] += 1
        for login, p in people.items():
            p["name"] = names.get(login) or self._name(login)
            p["team"] = (teams or {}).get(login)
        out: dict[str, Any] = {"members": ranked(list(people.values())), "teams": None}
        if teams is not None:
            by: dict[str, dict[str, Any]] = {}
            for p in people.values():
                t = by.setdefault(p["team"], {"name": p["team"], "points": 0, "correct": 0,
                                              "members": 0})  # fmt: skip
                t["points"] += p["points"]
                t["correct"] += p["correct"]
                t["members"] += 1
            out["teams"] = ranked(list(by.values()))
        return out

    def _name(self, login: str) -> str:
        """The roster name the organisers published for a login (我的档案), else the login."""
        record = self.store.record(login)
        return str((record or {}).get("name") or login)

    def _base(self, c: Mapping[str, Any]) -> dict[str, Any]:
        now = self.clock()
        out: dict[str, Any] = {
            "contest": c["id"], "title": c["title"], "version": c["version"],
            "phase": c["phase"], "k": c["k"], "total": len(c["questions"]),
            "seconds": c["seconds"], "teams": c["teams"] is not None, "now": now,
            "remaining": None, "question": None, "reveal": None,
        }  # fmt: skip
        if c["phase"] == OPEN:
            out["remaining"] = max(0.0, c["deadline"] - now)
        if c["phase"] in (OPEN, CLOSED):
            q = c["questions"][c["k"] - 1]
            out["question"] = {"type": q["type"], "stem": q["stem"], "options": q["options"]}
        if c["phase"] == CLOSED:
            q = c["questions"][c["k"] - 1]
            out["reveal"] = {"answer": answer_text(q), "value": q["answer"],
                             "explanation": q["explanation"], "source": q["source"]}  # fmt: skip
        return out

    def member_state(self, contest: str, member: str) -> dict[str, Any]:
        """What a member's phone shows: the open question (no answer), their own answer, and
        once closed the answer, 解析, their points and rank."""
        c = self.row(contest)
        if not self.eligible(c, member):
            raise R.Refused("not-in-contest", "您不在这场竞赛的参赛名单里。")
        out = self._base(c)
        out["team"] = (c["teams"] or {}).get(member)
        mine = self.db.execute("select value, correct, points from contest_answers where "
                               "contest = ? and k = ? and member = ?",
                               (contest, c["k"], member)).fetchone()  # fmt: skip
        out["mine"] = None
        if mine is not None:
            out["mine"] = {"value": json.loads(mine["value"])}
            if c["phase"] != OPEN:
                out["mine"] |= {"correct": bool(mine["correct"]), "points": mine["points"]}
        if c["phase"] in (CLOSED, FINISHED):
            s = self.standings(contest, c)
            me = next((p for p in s["members"] if p["member"] == member), None)
            out["me"] = None if me is None else {k: me[k] for k in ("points", "rank", "correct")}
            out["players"] = len(s["members"])
            if s["teams"] is not None:
                team = next((t for t in s["teams"] if t["name"] == out["team"]), None)
                out["my_team"] = None if team is None else {k: team[k] for k in ("points", "rank")}
        return out

    def host_state(self, contest: str) -> dict[str, Any]:
        """What the projector shows: the question, how many answered, and once closed the answer
        with 解析, how many chose each option, and the standings."""
        c = self.row(contest)
        out = self._base(c)
        answered = self.db.execute("select value from contest_answers where contest = ? and k = ?",
                                   (contest, c["k"])).fetchall()  # fmt: skip
        out["answered"] = len(answered)
        out["players"] = len(c["teams"]) if c["teams"] is not None else None
        if c["phase"] in (CLOSED, FINISHED):
            s = self.standings(contest, c)
            out["standings"] = s["members"][:STANDINGS_SHOWN]
            out["team_standings"] = s["teams"]
            if c["phase"] == CLOSED:
                chosen: dict[str, int] = {}
                for (v,) in answered:
                    label = answer_text({**c["questions"][c["k"] - 1], "answer": json.loads(v)})
                    chosen[label.split("．")[0]] = chosen.get(label.split("．")[0], 0) + 1
                out["chosen"] = chosen
        return out
