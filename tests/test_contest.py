"""知识竞赛 in the exam service: the clock, scoring, who may answer, standings, long polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exam_tools.bank.model import Bank
from exam_tools.course.key import compact_key
from exam_tools.course.load import load_course
from exam_tools.course.pool import ExamSpec, exam_spec
from exam_tools.service import rules as R
from exam_tools.service.contest import GRACE, ContestError, ContestStore, pick_questions, points
from exam_tools.service.store import ServiceStore

from .conftest import DATA, FakeClock, serving
from .test_flood import FakeHubAuth


@pytest.fixture
def contests(tmp_path: Path, clock: FakeClock, bank: Bank) -> ContestStore:
    s = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    course = load_course("rice", DATA / "courses")
    text = exam_spec(bank, course, course.assessment("practice"), seed=0)
    spec = ExamSpec.from_dict(json.loads(text))
    full = {q.id: {**compact_key([q])[q.id], "explanation": q.explanation} for q in bank}
    s.put_exam(spec, text, full, exam="rice-practice")
    return ContestStore(s)


def make(c: ContestStore, teams: dict[str, str] | None = None, n: int = 3) -> list[dict[str, Any]]:
    pool, key, _ = c.pool("rice-practice")
    questions = pick_questions(pool, key, n, seed=1)
    c.create("quiz1", "七一知识竞赛", "rice-practice", questions, 20, by="t1", teams=teams,
             names={"m1": "张秀英", "m2": "李<b>明</b>"})  # fmt: skip
    return questions


def right(q: dict[str, Any]) -> Any:
    return q["answer"]


def wrong(q: dict[str, Any]) -> Any:
    if q["type"] == "judge":
        return not q["answer"]
    return next(x for x in "ABCD"[: len(q["options"])] if x != q["answer"])


def test_points_are_for_right_answers_and_more_for_fast_ones() -> None:
    assert points(False, 100.0, 100.0, 20) == 0
    assert points(True, 100.0, 100.0, 20) == 20  # at once: all the speed points
    assert points(True, 110.0, 100.0, 20) == 15  # half the time left
    assert points(True, 121.0, 100.0, 20) == 10  # in the grace: the base only


def test_only_single_choice_and_judge_questions_and_not_more_than_the_pool(
    contests: ContestStore,
) -> None:
    pool, key, _ = contests.pool("rice-practice")
    qs = pick_questions(pool, key, 3, seed=5)
    assert {q["type"] for q in qs} <= {"single", "judge"} and len({q["qid"] for q in qs}) == 3
    assert qs == pick_questions(pool, key, 3, seed=5)  # the same draw from the same seed
    with pytest.raises(ContestError, match="不够 99 道"):
        pick_questions(pool, key, 99, seed=5)
    with pytest.raises(ContestError, match="没有名为“cert”的练习"):
        contests.pool("cert")


def test_a_contest_runs_by_the_service_clock_and_refuses_late_answers(
    contests: ContestStore, clock: FakeClock
) -> None:
    qs = make(contests)
    s = contests.member_state("quiz1", "m1")
    assert s["phase"] == "waiting" and s["question"] is None
    with pytest.raises(R.Refused) as early:
        contests.answer("quiz1", "m1", 1, right(qs[0]))
    assert early.value.code == "closed"
    contests.next("quiz1")  # question 1 opens now, for 20 s
    s = contests.member_state("quiz1", "m1")
    assert s["phase"] == "open" and s["remaining"] == 20 and s["question"]["stem"] == qs[0]["stem"]
    assert "answer" not in json.dumps(s["question"]) and s["reveal"] is None  # no key before
    clock.advance(5)
    assert contests.answer("quiz1", "m1", 1, right(qs[0]))["received_at"] == clock.now
    with pytest.raises(R.Refused) as again:  # one answer a question: the first counts
        contests.answer("quiz1", "m1", 1, wrong(qs[0]))
    assert again.value.code == "answered"
    contests.answer("quiz1", "m2", 1, wrong(qs[0]))
    clock.advance(15 + GRACE + 0.01)  # past the deadline and its grace, still open
    with pytest.raises(R.Refused) as late:
        contests.answer("quiz1", "m3", 1, right(qs[0]))
    assert late.value.code == "late" and "时间到了" in str(late.value)
    host = contests.host_state("quiz1")
    assert host["answered"] == 2 and host["phase"] == "open"
    contests.next("quiz1")  # closed: answer, 解析, standings
    s = contests.member_state("quiz1", "m1")
    assert s["mine"] == {"value": right(qs[0]), "correct": True, "points": 18}
    assert s["reveal"]["value"] == right(qs[0]) and s["me"]["rank"] == 1
    with pytest.raises(R.Refused) as closed:  # nothing after the answer is shown
        contests.answer("quiz1", "m2", 1, right(qs[0]))
    assert closed.value.code == "closed"
    contests.next("quiz1")  # question 2
    clock.advance(3)
    contests.next("quiz1")  # closed early by the host: later answers refused at once
    with pytest.raises(R.Refused):
        contests.answer("quiz1", "m2", 2, right(qs[1]))
    assert contests.row("quiz1")["deadline"] == clock.now
    contests.next("quiz1")
    contests.answer("quiz1", "m2", 3, right(qs[2]))  # m2 right at once on question 3: 20 points
    contests.next("quiz1")
    contests.next("quiz1")
    assert contests.row("quiz1")["phase"] == "finished"
    with pytest.raises(ContestError, match="已经结束"):
        contests.next("quiz1")
    members = contests.standings("quiz1")["members"]
    assert [(p["member"], p["points"], p["rank"]) for p in members] == [("m2", 20, 1),
                                                                         ("m1", 18, 2)]  # fmt: skip
    # every accepted answer is a practice verdict too (the 错题本 and the records count it)
    rows = contests.db.execute("select member, exam, attempt, n, qid, correct from practice "
                               "order by id").fetchall()  # fmt: skip
    assert [tuple(r) for r in rows] == [("m1", "rice-practice", 0, 1, qs[0]["qid"], 1),
                                        ("m2", "rice-practice", 0, 1, qs[0]["qid"], 0),
                                        ("m2", "rice-practice", 0, 3, qs[2]["qid"], 1)]  # fmt: skip


def test_teams_total_their_members_and_only_listed_members_answer(
    contests: ContestStore, clock: FakeClock
) -> None:
    qs = make(contests, teams={"m1": "红队", "m2": "蓝队", "m3": "蓝队"})
    assert [c["contest"] for c in contests.running_for("m3")] == ["quiz1"]
    assert contests.running_for("m9") == []
    contests.next("quiz1")
    with pytest.raises(R.Refused) as outsider:
        contests.answer("quiz1", "m9", 1, right(qs[0]))
    assert outsider.value.code == "not-in-contest"
    for m in ("m1", "m2", "m3"):
        contests.answer("quiz1", m, 1, right(qs[0]) if m != "m1" else wrong(qs[0]))
    with pytest.raises(R.Refused):
        contests.answer("quiz1", "m1", 1, "Z")  # not one of the buttons
    contests.next("quiz1")
    s = contests.standings("quiz1")
    assert [(t["name"], t["points"], t["members"], t["rank"]) for t in s["teams"]] == [
        ("蓝队", 40, 2, 1), ("红队", 0, 1, 2)]  # fmt: skip
    names = {p["member"]: p["name"] for p in s["members"]}
    assert names["m2"] == "李<b>明</b>" and names["m3"] == "m3"  # as written: the page escapes it
    assert contests.member_state("quiz1", "m1")["my_team"] == {"points": 0, "rank": 2}


# ---- over HTTP, behind a stand-in for HubAuth ------------------------------------------------


class HostAuth(FakeHubAuth):
    """t1 is a hub admin (a host); the others are members."""

    async def user_for_token(self, token: str, sync: bool = False) -> dict[str, Any] | None:
        model = await super().user_for_token(token, sync)
        return None if model is None else {**model, "admin": model["name"] == "t1"}


@pytest.fixture
def served(contests: ContestStore) -> Iterator[str]:
    from exam_tools.service.server import make_app

    auth = HostAuth({"tok-1": "m1", "tok-2": "m2", "tok-t": "t1"})
    app = make_app(contests.store, auth, "/services/exam", instructor_group=None)
    with serving(app, every=(app.settings["contest_watch"], 100)) as port:
        yield f"http://127.0.0.1:{port}/services/exam"


def call(url: str, method: str, path: str, token: str, **kw: Any) -> requests.Response:
    return requests.request(method, f"{url}/api/{path}", headers={"Authorization": f"token {token}"},
                            timeout=30, **kw)  # fmt: skip


def test_members_answer_only_for_themselves_and_only_hosts_move_on(
    served: str, contests: ContestStore
) -> None:
    qs = make(contests)
    r = call(served, "POST", "contests/quiz1/next", "tok-1", data="{}")
    assert r.status_code == 403 and r.json()["error"] == "not-host"
    contests.next("quiz1")  # as the CLI does, in the database (the watcher tells the service)
    body = {"member": "m1", "k": 1, "value": right(qs[0])}
    r = call(served, "POST", "contests/quiz1/answers", "tok-2", data=json.dumps(body))
    assert r.status_code == 403 and r.json()["error"] == "other-member"  # m2 answering for m1
    assert contests.answers("quiz1") == []
    r = call(served, "POST", "contests/quiz1/answers", "tok-1", data=json.dumps(body))
    assert r.status_code == 200
    assert [(a["member"], a["correct"]) for a in contests.answers("quiz1")] == [("m1", 1)]
    host = call(served, "GET", "contests/quiz1/host?after=-1&answered=-1", "tok-t").json()
    assert host["answered"] == 1 and host["phase"] == "open"
    stale = call(served, "POST", "contests/quiz1/next", "tok-t", data='{"version": 1}')
    assert stale.status_code == 409  # a second press of a step already made
    step = call(served, "POST", "contests/quiz1/next", "tok-t",
                data=json.dumps({"version": host["version"]}))  # fmt: skip
    assert step.json()["phase"] == "closed" and step.json()["standings"][0]["member"] == "m1"


def test_a_waiting_phone_hears_the_hosts_step_at_once(served: str, contests: ContestStore) -> None:
    make(contests)
    version = call(served, "GET", "contests/quiz1?member=m1", "tok-1").json()["version"]
    got: dict[str, Any] = {}

    def wait() -> None:
        t0 = time.monotonic()
        got["state"] = call(
            served, "GET", f"contests/quiz1?member=m1&after={version}", "tok-1"
        ).json()
        got["waited"] = time.monotonic() - t0

    phone = threading.Thread(target=wait)
    phone.start()
    time.sleep(1.0)
    assert "state" not in got  # still waiting: nothing new
    contests.next("quiz1")  # the CLI's step: seen by the watcher
    phone.join(10)
    assert got["state"]["phase"] == "open" and got["state"]["k"] == 1
    assert 1.0 <= got["waited"] < 3.0


# ---- the organisers' commands ------------------------------------------------------------------


def test_cli_runs_a_contest_and_records_it_as_training_with_a_printable_sheet(
    tmp_path: Path,
) -> None:
    from exam_tools.records.db import open_db
    from exam_tools.records.roster import Roster, org_id, store_roster

    from .test_service import cli

    svc, records, sheet = tmp_path / "svc.sqlite", tmp_path / "党员.db", tmp_path / "排名.html"
    cli("exam", "open", "p", "--practice", "rice/practice", "--service-db", str(svc),
        "--courses", str(DATA / "courses"))  # fmt: skip
    out = cli("exam", "contest", "new", "c1", "--from", "p", "--title", "七一<竞赛>",
              "--questions", "2", "--seconds", "20", "--team", "红队=m1", "--team", "蓝<b>队=m2",
              "--service-db", str(svc))  # fmt: skip
    assert "团体赛，2 队 2 人，2 题，每题 20 秒" in out and "/services/exam/contest/c1" in out
    store = ContestStore(ServiceStore(svc))
    qs = store.row("c1")["questions"]
    assert "第 1 题作答中" in cli("exam", "contest", "next", "c1", "--service-db", str(svc))
    store.answer("c1", "m1", 1, right(qs[0]))
    store.answer("c1", "m2", 1, wrong(qs[0]))
    for _ in range(4):
        cli("exam", "contest", "next", "c1", "--service-db", str(svc))
    shown = cli("exam", "contest", "show", "c1", "--service-db", str(svc))
    assert "已结束" in shown and "第1名 红队" in shown and "第2名 蓝<b>队" in shown
    r = Roster()
    for path in ("城关镇党委", "城关镇党委/花王村党支部"):
        parent = org_id("城关镇党委") if "/" in path else None
        r.orgs[path] = {"id": org_id(path), "name": path.split("/")[-1], "kind": "村",
                        "parent": parent, "path": path}  # fmt: skip
    for mid, name in (("d1", "张秀英"), ("d2", "李明")):
        r.members.append({"id": mid, "name": name, "org": org_id("城关镇党委/花王村党支部"),
                          "category": None, "roles": "[]", "birth_year": 1960, "joined": None,
                          "status": "正式", "flowing": 0})  # fmt: skip
    store_roster(open_db(records), r)
    out = cli("exam", "contest", "export", "c1", "--service-db", str(svc), "--db", str(records),
              "--org", "城关镇党委/花王村党支部", "--out", str(sheet), "--login", "m1=d1",
              "--login", "m2=d2")  # fmt: skip
    assert "主题党日“知识竞赛：七一<竞赛>”1 学时，参加 2 人" in out and "已导入 2 条练习记录" in out
    db = open_db(records)
    [(sid, kind, title)] = db.execute("select id, kind, title from sessions").fetchall()
    assert (kind, title) == ("主题党日", "知识竞赛：七一<竞赛>")
    people = db.execute("select member from attendance where session = ? order by member", [sid])
    assert [m for (m,) in people] == ["d1", "d2"]
    page = sheet.read_text("utf-8")
    assert "size: A4" in page and "蓝&lt;b&gt;队" in page and "<b>" not in page
    assert "七一&lt;竞赛&gt;" in page
    # teams by branch, from the roster (logins that are roster ids here: no hub's accounts.json)
    out = cli("exam", "contest", "new", "c2", "--from", "p", "--title", "支部赛", "--questions",
              "1", "--by-branch", "--db", str(records), "--service-db", str(svc))  # fmt: skip
    assert "团体赛，1 队 2 人" in out
    c2 = store.row("c2")
    assert c2["teams"] == {"d1": "花王村党支部", "d2": "花王村党支部"}
    assert c2["names"] == {"d1": "张秀英", "d2": "李明"}
