"""每日一练 at the exam service: five questions a day per member, drawn by the service (错题本
first, then never-seen questions, then the rest), the same five all day, verdicts and 解析 at once,
counted toward points and the 错题本; through the store and through the HTTP handlers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import compact_key, key_from_compact
from exam_tools.course.load import load_course
from exam_tools.course.pool import ExamSpec, exam_spec
from exam_tools.records.points import DAILY_SIZE, is_daily
from exam_tools.service import rules as R
from exam_tools.service.daily import new_daily, points_for
from exam_tools.service.limits import RateLimiter
from exam_tools.service.store import ServiceStore
from exam_tools.timezone import zone

from .conftest import DATA, FakeClock, serving
from .test_flood import FakeHubAuth

# 23:50 Beijing time on 6 December: ten minutes later is another day (the server's clock is UTC)
LATE = datetime(2026, 12, 6, 23, 50, tzinfo=zone()).timestamp()


def put_practice(store: ServiceStore, bank: Bank, name: str, assessment: str = "practice") -> None:
    course = load_course("rice", DATA / "courses")
    d = json.loads(exam_spec(bank, course, course.assessment(assessment), seed=0))
    d["assessment"].update(mode="practice", time_limit=None, attempts=None)
    key = {q.id: {**compact_key([q])[q.id], "explanation": q.explanation} for q in bank}
    store.put_exam(ExamSpec.from_dict(d), json.dumps(d, ensure_ascii=False), key, exam=name)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(LATE)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock, bank: Bank) -> ServiceStore:
    s = ServiceStore(tmp_path / "svc.sqlite", clock=clock)
    put_practice(s, bank, "drill", "cert")  # the rice questions of every type, 简答 included
    return s


def answer(store: ServiceStore, exam: str, member: str, right: dict[int, bool]) -> list[Any]:
    """Start (or keep) an attempt, answer the questions ``right`` names right or wrong, and ask
    for every verdict in ``right``; the service's answers."""
    paper = store.paper(exam, member)
    attempts = store.attempts(exam, member)
    if not attempts or attempts[-1].submitted_at is not None:
        store.start(exam, member, paper.id)
    number = store.attempts(exam, member)[-1].number
    compact = store._review_key(exam, member) if R.is_review(exam) else store.key(exam)
    key = key_from_compact(paper, compact)
    out = []
    for n, ok in right.items():
        k = key.items[n - 1]
        value: Any = k.answer
        if k.type is QType.JUDGE:
            value = k.answer if ok else not k.answer
        elif k.type is QType.SINGLE:
            value = k.answer if ok else ("A" if k.answer != "A" else "B")
        elif k.type is QType.MULTIPLE:
            value = list(k.answer) if ok else ["A", "B", "C", "D"]
        elif k.type is QType.FILL:
            value = [a[0] for a in k.answer] if ok else ["不知道"] * len(k.answer)
        store.save(exam, member, paper.id, number, n, value)
        out.append(store.check(exam, member, paper.id, number, n))
    return out


def test_the_daily_quiz_is_drawn_by_the_service_and_the_same_all_day(
    store: ServiceStore, clock: FakeClock, bank: Bank
) -> None:
    # a wrong answer in practice puts two questions in the member's 错题本
    drill = store.paper("drill", "m1")
    auto = [i.n for i in drill.items if i.type is not QType.SHORT]
    answer(store, "drill", "m1", {auto[0]: False, auto[1]: False, auto[2]: True})
    book = {e["qid"] for e in store.mistakes("m1")}
    seen = {drill.item(n).qid for n in auto[:3]}
    assert len(book) == 2

    exam = new_daily(store, "m1")
    assert is_daily(exam) and exam.endswith("2026-12-06")
    paper = store.paper(exam, "m1")
    qids = [i.qid for i in paper.items]
    assert len(qids) == DAILY_SIZE == len(set(qids))
    assert set(qids[:2]) == book  # the 错题本 first
    assert not set(qids[2:]) & seen  # then questions never judged for this member
    assert all(i.type is not QType.SHORT for i in paper.items)  # every one judged at once
    assert paper.title == "每日一练（12月6日）"
    assert new_daily(store, "m1") == exam  # a reload: the same paper
    assert store.paper(exam, "m1").id == paper.id
    store._papers.clear()  # a restarted service keeps it too
    assert [i.qid for i in store.paper(exam, "m1").items] == qids
    other = store.paper(new_daily(store, "m2"), "m2")
    assert other.id != paper.id  # each member their own
    with pytest.raises(R.Refused, match="没有找到这份错题练习"):
        store.paper(daily_of(store, "m3"), "m3")  # never drawn for m3: not drawn on a GET

    clock.advance(11 * 60)  # past midnight in Beijing
    tomorrow = new_daily(store, "m1")
    assert tomorrow.endswith("2026-12-07") and tomorrow != exam


def daily_of(store: ServiceStore, member: str) -> str:
    from exam_tools.records.points import daily_exam
    from exam_tools.service.daily import today

    return daily_exam(today(store))


def test_daily_verdicts_come_at_once_and_count_toward_points_and_the_mistake_book(
    store: ServiceStore, clock: FakeClock, bank: Bank
) -> None:
    exam = new_daily(store, "m1")
    before = points_for(store, "m1")
    assert before["daily"] == {"exam": exam, "judged": 0, "size": DAILY_SIZE}
    assert before["today"] == 0 and before["streak"] == 0
    verdicts = answer(store, exam, "m1", {1: False, 2: True, 3: True})
    paper = store.paper(exam, "m1")
    assert [v["correct"] for v in verdicts] == [False, True, True]
    wrong = paper.item(1).qid
    assert verdicts[0]["explanation"] == bank[wrong].explanation != ""  # 解析 at once
    book = store.mistakes("m1")
    assert [e["qid"] for e in book] == [wrong] and book[0]["exam"] == "drill"  # with its source
    assert store.new_review("m1") is not None  # the 错题本 paper can hold it (source found)
    mid = points_for(store, "m1")
    assert mid["daily"]["judged"] == 3
    assert mid["by_kind"]["practice"] == 2 and mid["by_kind"]["daily"] == 0
    answer(store, exam, "m1", {4: True, 5: True})
    done = points_for(store, "m1")
    assert done["daily"]["judged"] == DAILY_SIZE
    assert done["by_kind"] == {"practice": 4, "daily": 5, "exam": 0, "hours": 0}
    assert (done["today"], done["total"], done["streak"]) == (9, 9, 1)
    # checking again (a reload, 交卷) or redoing it right adds nothing the same day
    answer(store, exam, "m1", {1: True})
    assert points_for(store, "m1")["total"] == 9
    clock.advance(24 * 3600)  # the next day: yesterday's points stay, the streak holds
    after = points_for(store, "m1")
    assert (after["today"], after["total"], after["streak"]) == (0, 9, 1)
    assert after["daily"]["exam"] is None


def test_too_few_questions_for_a_daily_quiz_is_a_clear_refusal(
    tmp_path: Path, clock: FakeClock, bank: Bank
) -> None:
    s = ServiceStore(tmp_path / "empty.sqlite", clock=clock)
    with pytest.raises(R.Refused) as exc:
        new_daily(s, "m1")
    assert exc.value.code == "no-daily" and "不够 5 道" in str(exc.value)


# ---- through the handlers: a member acts for themself only ---------------------------------------


@pytest.fixture
def served(store: ServiceStore) -> Iterator[str]:
    from exam_tools.service.server import make_app

    app = make_app(store, FakeHubAuth({"tok-a": "m1", "tok-b": "m2"}), "/s", RateLimiter(50, 200))
    with serving(app) as port:
        yield f"http://127.0.0.1:{port}/s"


def call(url: str, method: str, path: str, token: str, body: dict[str, Any] | None = None,
         member: str = "m1") -> requests.Response:  # fmt: skip
    headers = {"Authorization": f"token {token}"}
    if method == "GET":
        return requests.get(f"{url}/api/{path}", params={"member": member}, headers=headers,
                            timeout=10)  # fmt: skip
    data = json.dumps({**(body or {}), "member": member})
    return requests.post(f"{url}/api/{path}", data=data, headers=headers, timeout=10)


def test_the_daily_quiz_and_points_over_http_only_for_the_member_themself(
    served: str, store: ServiceStore
) -> None:
    url = served
    r = call(url, "POST", "daily", "tok-a")
    assert r.status_code == 200, r.text
    exam = r.json()["exam"]
    assert call(url, "POST", "daily", "tok-a").json()["exam"] == exam  # the same after a reload
    paper = call(url, "GET", f"exams/{exam}", "tok-a").json()
    assert len(paper["paper_json"]["items"]) == DAILY_SIZE
    # another member's daily quiz, points or verdicts: refused, nothing recorded for them
    assert call(url, "POST", "daily", "tok-b", member="m1").json()["error"] == "other-member"
    assert call(url, "GET", "points", "tok-b", member="m1").json()["error"] == "other-member"
    assert call(url, "GET", f"exams/{exam}", "tok-b", member="m2").status_code == 404
    start = call(url, "POST", f"exams/{exam}/start", "tok-a", {"paper": paper["paper"]})
    assert start.status_code == 200
    # a verdict a member's kernel claims is not a field the service reads
    forged = {"paper": paper["paper"], "attempt": 1, "n": 1, "value": None, "correct": True,
              "score": 100}  # fmt: skip
    assert call(url, "POST", f"exams/{exam}/answers", "tok-a", forged).status_code == 200
    check = call(url, "POST", f"exams/{exam}/check", "tok-a", forged).json()
    assert check["correct"] is False
    pts = call(url, "GET", "points", "tok-a").json()
    assert pts["total"] == 0 and pts["daily"]["judged"] == 1
    assert call(url, "GET", "points", "forged", member="m1").json()["error"] == "no-login"
    assert store.db.execute("select count(*) from practice where member = 'm2'").fetchone()[0] == 0
