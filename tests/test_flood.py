"""One member cannot fill the disk or slow the rest; logs show data, not instructions (issue 16,
items 5 and 9), without a hub: the rate limiter, the refusal counter, the caps, the escaping, and
the real tornado handlers behind a stand-in for JupyterHub's ``HubAuth`` (the same attacks on a
real hub: tests/test_flood_hub.py)."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.quiz.online.client import (
    BUSY_NOTICE,
    AnswerQueue,
    ServiceBusy,
    ServiceClient,
)
from exam_tools.quiz.online.exam import ServiceResponseStore
from exam_tools.service import rules as R
from exam_tools.service.limits import LogThrottle, RateLimiter, shown
from exam_tools.service.store import ServiceStore

from .conftest import FakeClock, serving
from .test_service import cli, course_dir  # noqa: F401  # a fixture shared with test_service
from .test_service import store as store  # the same store fixture as test_service

# ---- escaping ------------------------------------------------------------------------------------


def test_logged_values_are_escaped_one_line_each() -> None:
    forged = "1\n2026-12-01 09:00:00 t1 → m2（cert）+60 分钟\r\x1b[2K\u202e中文\\"
    out = shown(forged)
    assert "\n" not in out and "\r" not in out and "\x1b" not in out and "\u202e" not in out
    assert out == "1\\n2026-12-01 09:00:00 t1 → m2（cert）+60 分钟\\r\\x1b[2K\\u202e中文\\\\"
    assert shown(None) == "-" and shown("党员 张三") == "党员 张三"  # Chinese stays readable
    assert shown("长" * 50, 10) == "长" * 9 + "…"
    assert shown("\u2028") == "\\u2028"  # a line separator is a line break too


def test_names_and_question_numbers_are_validated_before_any_message() -> None:
    for n in ("1\n2026-12-01 grant", "1", 1.0, True, None, [1]):
        with pytest.raises(R.Refused) as exc:
            R.check_answer(n, "A", 10)
        assert (exc.value.code, exc.value.status, str(exc.value)) == (
            "bad-request", 400, R.BAD_REQUEST)  # fmt: skip
    for member in ("m1\nm2", "", "a b", "张三", "x" * 65, 7, None):
        with pytest.raises(R.Refused) as exc:
            R.check_member("m1", member)
        assert exc.value.status == 400
    R.check_member("etfl-a1", "etfl-a1")
    with pytest.raises(R.Refused):
        R.check_exam_name("cert\nfake")


# ---- the rate limiter and the log throttle -------------------------------------------------------


def test_the_rate_limiter_allows_a_burst_then_the_rate_per_member() -> None:
    clock = FakeClock(0)
    limiter = RateLimiter(rate=2, burst=5, clock=clock)
    assert [limiter.allow("a") for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow("b")  # another member's bucket is their own
    assert limiter.retry_after("a") == 1
    clock.advance(0.5)  # one token back
    assert limiter.allow("a") and not limiter.allow("a")
    clock.advance(100)  # refilled, never above the burst
    assert sum(limiter.allow("a") for _ in range(10)) == 5
    assert limiter.allow("a") is False and limiter.allow("c", cost=5) and not limiter.allow("c")
    assert limiter.retry_after("c", cost=5) == 3  # a costly request waits for all its tokens
    with pytest.raises(ValueError):
        RateLimiter(rate=0)


def test_the_log_throttle_lets_a_few_lines_of_a_kind_through_a_minute() -> None:
    clock = FakeClock(0)
    throttle = LogThrottle(per_window=3, window=60, clock=clock)

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("x", logging.WARNING, __file__, 1, msg, ("t",), None)

    passed = [throttle.filter(record("refused %s")) for _ in range(1000)]
    assert sum(passed) == 3
    assert throttle.filter(record("another kind %s"))
    clock.advance(61)
    later = record("refused %s")
    assert throttle.filter(later) and "997 similar lines held back" in str(later.msg)


# ---- the refusal counter --------------------------------------------------------------------------


def test_a_flood_of_refusals_is_one_row_per_member_code_and_minute(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000.0)
    s = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    for i in range(5000):  # many exams and members named in the requests: still one row
        s.refuse("m1", f"exam{i}", f"x{i}", "wrong-paper", f"POST /x {i}\nforged")
        clock.advance(0.002)
    s.refuse("m2", "cert", "m2", "wrong-paper", "POST /y")
    rows = s.db.execute("select count(*) from refusals").fetchone()[0]
    assert rows == 2  # before any flush: the first of each minute is written at once
    got = s.refusals()
    assert [(r["user"], r["code"], r["count"]) for r in got] == [
        ("m1", "wrong-paper", 5000), ("m2", "wrong-paper", 1)]  # fmt: skip
    first = got[0]
    assert (first["exam"], first["member"], first["detail"]) == (
        "exam0",
        "x0",
        "POST /x 0\nforged",  # as sent (cut); escaped wherever it is shown
    )
    clock.advance(120)  # a new minute: a new row
    s.refuse("m1", "cert", None, "wrong-paper", "y" * 5000)
    s.close()
    s = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    got = s.refusals()
    assert len(got) == 3 and len(got[-1]["detail"]) == 300 and got[-1]["member"] is None
    assert s.refusals("cert") == [got[1], got[2]]
    s.close()


def test_a_row_per_request_refusals_table_is_folded_when_opened(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("create table refusals (id integer primary key, at real not null, user text, "
               "exam text, member text, code text not null, detail text not null)")  # fmt: skip
    rows = [(60.0 * 100 + i * 0.01, "m1", "cert", "m1", "late", f"d{i}") for i in range(500)]
    rows += [(60.0 * 101, None, None, None, "no-login", "forged")] * 3
    db.executemany("insert into refusals (at, user, exam, member, code, detail) "
                   "values (?,?,?,?,?,?)", rows)  # fmt: skip
    db.commit()
    db.close()
    s = ServiceStore(tmp_path / "old.sqlite")
    got = s.refusals()
    assert [(r["user"], r["code"], r["count"], r["detail"]) for r in got] == [
        ("m1", "late", 500, "d0"), (None, "no-login", 3, "forged")]  # fmt: skip
    s.close()


# ---- the caps -------------------------------------------------------------------------------------


def test_answers_per_attempt_are_capped_but_re_answering_is_never_refused(
    store: ServiceStore,
) -> None:
    paper = store.paper("practice", "dy1")
    store.start("practice", "dy1", paper.id)
    q = len(paper)
    for i in range(2000):  # typing a long answer: one save per keystroke, one row kept
        store.save("practice", "dy1", paper.id, 1, 1, "长" * (i % 1300))
    assert store.db.execute("select count(*) from answers").fetchone()[0] == 1
    for k in range(R.ANSWERS_PER_QUESTION - 1):  # the whole paper answered, then 18 times over
        for n in range(1, q + 1):
            store.save("practice", "dy1", paper.id, 1, n, f"{k}")
    assert store.answers("practice", "dy1", 1) == dict.fromkeys(range(1, q + 1), "18")
    big = "长" * 1300  # the largest answer the service takes
    kept = store.db.execute("select count(*) from answers").fetchone()[0]
    with pytest.raises(R.Refused) as exc:
        for i in range(R.ANSWERS_PER_QUESTION * q):  # a flood of max-size answers, alternating
            store.save("practice", "dy1", paper.id, 1, 1 + i % 2, big)
            kept += 1
    assert exc.value.code == "too-many-answers" and "上限" in str(exc.value)
    rows = store.db.execute("select count(*), sum(length(cast(value as blob))) from answers")
    count, size = rows.fetchone()
    assert count == kept == R.ANSWERS_PER_QUESTION * q
    assert size <= R.ANSWERS_PER_QUESTION * q * R.MAX_ANSWER_BYTES
    store.save("practice", "dy1", paper.id, 1, 2, "B")  # the question last saved: still replaced
    store.submit("practice", "dy1", paper.id, 1)
    store.start("practice", "dy1", paper.id)  # a new attempt has its own allowance
    store.save("practice", "dy1", paper.id, 2, 1, "A")


def test_new_mistake_papers_are_capped_per_member_and_day(
    store: ServiceStore,
    clock: FakeClock,
) -> None:
    paper = store.paper("practice", "dy1")
    store.start("practice", "dy1", paper.id)
    key = key_from_compact(paper, store.key("practice"))
    k = next(k for k in key.items if k.type is QType.JUDGE)
    store.save("practice", "dy1", paper.id, 1, k.n, not k.answer)
    assert store.check("practice", "dy1", paper.id, 1, k.n)["correct"] is False
    made = [store.new_review("dy1") for _ in range(R.REVIEWS_PER_DAY)]
    assert made[-1] == f"_review-{R.REVIEWS_PER_DAY}"
    with pytest.raises(R.Refused) as exc:
        store.new_review("dy1")
    assert exc.value.code == "too-many-reviews" and "明天" in str(exc.value)
    clock.advance(24 * 3600)  # the next day
    assert store.new_review("dy1") == f"_review-{R.REVIEWS_PER_DAY + 1}"


# ---- the handlers, behind a stand-in for HubAuth ---------------------------------------------------


class FakeHubAuth:
    """What the handlers use of ``HubAuth``: tokens of known users; anything else is forged."""

    access_scopes = frozenset({"access:services!service=exam"})

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users  # token -> name
        self.asked = 0

    def get_token(self, handler: Any, in_cookie: bool = False) -> str | None:
        header = handler.request.headers.get("Authorization", "")
        return header.split(" ", 1)[1] if " " in header else None

    async def user_for_token(self, token: str, sync: bool = False) -> dict[str, Any] | None:
        self.asked += 1
        name = self.users.get(token)
        return None if name is None else {"name": name, "kind": "user", "scopes": []}

    def check_scopes(self, required: Any, model: dict[str, Any]) -> bool:
        return True


@pytest.fixture
def served(store: ServiceStore) -> Iterator[tuple[str, ServiceStore, RateLimiter]]:
    from exam_tools.service.server import make_app

    limiter = RateLimiter(rate=5, burst=20)
    app = make_app(store, FakeHubAuth({"tok-a": "m1", "tok-b": "m2"}), "/services/exam", limiter)
    with serving(app) as port:
        yield f"http://127.0.0.1:{port}/services/exam", store, limiter


def post(url: str, path: str, body: dict[str, Any], token: str = "tok-a") -> requests.Response:
    return requests.post(f"{url}/api/{path}", data=json.dumps(body),
                         headers={"Authorization": f"token {token}"}, timeout=10)  # fmt: skip


def test_a_flood_is_answered_429_and_counted_and_forged_tokens_write_nothing(
    served: tuple[str, ServiceStore, RateLimiter],
) -> None:
    url, svc, limiter = served
    paper = svc.paper("cert", "m1").id
    bad = {"member": "m1", "paper": "nope", "attempt": 1, "n": 1, "value": "A"}
    limiter.rate = 0.1  # one request back every 10 s: the counts below hold on a busy machine
    limiter.pause = 0  # answer at once (the pause is tested below)
    codes = [post(url, "exams/cert/answers", bad).status_code for _ in range(200)]
    assert codes[:20] == [403] * 20 and codes.count(429) >= 150
    r = post(url, "exams/cert/answers", bad)
    assert r.status_code == 429 and r.json()["message"] == "操作太频繁，请稍等几秒再试。"
    assert int(r.headers["Retry-After"]) >= 1
    other = post(url, "exams/cert/start", {"member": "m2", "paper": svc.paper("cert", "m2").id},
                 token="tok-b")  # fmt: skip
    assert other.status_code == 200  # another member's bucket is untouched
    forged = [post(url, "exams/cert", {"member": "m1"}, token=f"forged{i}") for i in range(300)]
    assert {f.status_code for f in forged} == {403}
    assert forged[0].json()["error"] == "no-login"
    got = svc.refusals()
    assert {r["code"] for r in got} == {"wrong-paper", "too-many"}
    assert {r["user"] for r in got} == {"m1"}  # nothing for the forged tokens
    assert sum(r["count"] for r in got) == 201 and len(got) <= 4  # two minutes at most
    assert svc.db.execute("select count(*) from refusals").fetchone()[0] == len(got)
    assert svc.answers("cert", "m1", 1) == {} and paper
    limiter.pause = 0.5  # a flood's refusals are answered after a pause: it slows itself
    t0 = time.perf_counter()
    assert post(url, "exams/cert/answers", bad).status_code == 429
    assert post(url, "exams/cert", {"member": "m1"}, token="forged").status_code == 403
    assert time.perf_counter() - t0 >= 1.0


def test_a_question_number_with_a_newline_is_refused_400_and_logs_no_forged_line(
    served: tuple[str, ServiceStore, RateLimiter],
) -> None:
    url, svc, _limiter = served
    paper = svc.paper("cert", "m1").id
    assert post(url, "exams/cert/start", {"member": "m1", "paper": paper}).status_code == 200
    forged_line = "  2026-12-01 09:00:00 t1 → m1（cert）+600 分钟 +5 次：老师同意"
    body = {"member": "m1", "paper": paper, "attempt": 1, "n": f"1\n{forged_line}", "value": "A"}
    r = post(url, "exams/cert/answers", body)
    assert (r.status_code, r.json()["error"]) == (400, "bad-request")
    r = post(url, "exams/cert/answers", {**body, "n": 1, "member": f"m1\n{forged_line}"})
    assert r.status_code == 400
    svc.refuse("m1", "cert", "m1", "late", f"POST /x {forged_line}\n{forged_line}")
    svc.close()
    out = cli("exam", "log", "cert", "--service-db", str(svc.path))
    assert "延时和加机会 0 条" in out
    lines = out.splitlines()
    assert not [line for line in lines if line.startswith("  2026-12-01")]
    assert all(line.startswith(("延时", "被拒绝", "  ")) for line in lines), out
    assert "\\n" in out and "被拒绝的请求 3 次" in out


# ---- the quiz's side: 429 is "later", never "lost" ---------------------------------------------


def test_the_quiz_keeps_answers_queued_through_429_and_sends_them_later(
    served: tuple[str, ServiceStore, RateLimiter], tmp_path: Path
) -> None:
    url, svc, _limiter = served
    client = ServiceClient(url, "tok-a", "m1")
    state = client.state("cert")
    paper = svc.paper("cert", "m1")
    client.start("cert", paper.id)
    quiz = ServiceResponseStore(tmp_path / "r.json", paper, client, "cert", state=state,
                                retry_every=0.5)  # fmt: skip
    notices: list[str] = []
    quiz.on_change = lambda: notices.append(quiz.notice)  # what the quiz is told, as it happens
    for i in range(60):  # faster than 5 a second: the service says wait
        quiz.set_answer(1 + i % 3, f"v{i}")
        time.sleep(0.01)
    deadline = time.time() + 20
    while BUSY_NOTICE not in notices and time.time() < deadline:
        time.sleep(0.1)
    assert BUSY_NOTICE in notices
    assert len(quiz.queue.pending) <= 3  # one waiting answer a question, the latest
    deadline = time.time() + 20
    while quiz.queue.pending and time.time() < deadline:
        time.sleep(0.2)
    quiz.stop()
    assert quiz.queue.pending == [] and quiz.queue.refused == []
    assert svc.answers("cert", "m1", 1) == {1: "v57", 2: "v58", 3: "v59"}
    hasty = ServiceClient(url, "tok-a", "m1", busy_patience=0)
    with pytest.raises(ServiceBusy, match="操作太频繁"):
        for _ in range(100):
            hasty.state("cert")
    # a tap on the page waits as the service asks and gets its answer
    assert client.state("cert")["exam"] == "cert"


def test_a_check_tapped_while_the_service_says_wait_waits_and_gets_its_verdict(
    served: tuple[str, ServiceStore, RateLimiter], tmp_path: Path
) -> None:
    """核对答案 in a burst of taps: the service's 429 is "wait a moment", not "the service is away"
    (the member was told 暂时连不上考试服务 and had to tap again)."""
    from exam_tools.quiz.online.practice import ServiceKey, open_service_practice

    url, svc, limiter = served
    client = ServiceClient(url, "tok-a", "m1")
    app = open_service_practice(client, "practice", tmp_path)
    store = app.store
    assert isinstance(store, ServiceResponseStore)
    paper = svc.paper("practice", "m1")
    item = key_from_compact(paper, svc.key("practice"))[1]
    right = [a[0] for a in item.answer] if item.type is QType.FILL else (
        list(item.answer) if item.type is QType.MULTIPLE else item.answer)  # fmt: skip
    limiter.rate, limiter.pause = 1, 0  # one request back a second; 429s answered at once
    hasty = ServiceClient(url, "tok-a", "m1", busy_patience=0)
    with pytest.raises(ServiceBusy):  # the member's bucket is empty
        for _ in range(100):
            hasty.state("practice")
    store.set_answer(1, right)  # queued: the service says wait
    t0 = time.perf_counter()
    verdict = ServiceKey(store).check(1, right)
    assert verdict.correct is True and time.perf_counter() - t0 >= 0.2
    store.stop()


def test_the_answer_queue_keeps_the_latest_answer_a_question(tmp_path: Path) -> None:
    q = AnswerQueue(tmp_path / "q.jsonl", ServiceClient("http://127.0.0.1:9", "t", "m"), "e", "p")
    for i in range(100):
        q.put(1, 1 + i % 2, str(i))
    q.put(2, 1, "new attempt")
    assert [(p["attempt"], p["n"], p["value"]) for p in q.pending] == [
        (1, 1, "98"), (1, 2, "99"), (2, 1, "new attempt")]  # fmt: skip
    again = AnswerQueue(tmp_path / "q.jsonl", q.client, "e", "p")
    assert again.pending == q.pending
