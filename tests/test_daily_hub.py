"""每日一练 and 学习积分 under a real JupyterHub on localhost (issue 20), as members would use and
attack them.

Needs root (a LocalHub: Unix accounts ``etpt-…``, removed afterwards) and the hub venv; ports
18520-18524 are this file's own. A member taps 每日一练 on 我的学习 in their own kernel, answers the
five questions the service drew, gets each verdict and 解析 at once, and sees the points and the
streak the service counts; a reload opens the same five. Another member, from their own kernel with
their own token, asks for the first one's daily quiz and points, checks questions on a paper that
is not theirs, posts made-up verdicts and edits their own files: every request is refused or
ignored, and their points stay 0.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.hub.localhub import LocalHub
from exam_tools.records.points import DAILY_SIZE
from exam_tools.service.daily import points_for
from exam_tools.service.store import ServiceStore

from .conftest import DATA, ROOT, running_hub
from .test_service_hub import LANDING, Member

PORT = 18520


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=2, port=PORT, prefix="etpt-", course="etptc",
                     env={"EXAM_TOOLS_ROOT": str(ROOT)},
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb")  # fmt: skip
    yield from running_hub(local)


@pytest.fixture(scope="module")
def members(hub: LocalHub) -> dict[str, Member]:
    hub.cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    with ThreadPoolExecutor(2) as pool:
        return {m.name: m for m in pool.map(lambda n: Member(hub, n), hub.logins)}


def right_answers(hub: LocalHub, exam: str, member: str) -> dict[int, Any]:
    s = ServiceStore(hub.service_db)
    paper = s.paper(exam, member)
    key = key_from_compact(paper, s._review_key(exam, member))
    s.close()
    out: dict[int, Any] = {}
    for k in key.items:
        assert k.type is not QType.SHORT  # every daily question is judged at once
        out[k.n] = (
            [a[0] for a in k.answer] if k.type is QType.FILL
            else list(k.answer) if k.type is QType.MULTIPLE else k.answer
        )  # fmt: skip
    return out


def service_points(hub: LocalHub, member: str) -> dict[str, Any]:
    s = ServiceStore(hub.service_db)
    try:
        return points_for(s, member)
    finally:
        s.close()


def text(html_values: list[str]) -> str:
    return re.sub(r"<[^>]+>", "", "\n".join(html_values))


def test_a_member_does_the_daily_quiz_and_sees_points_and_streak(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    m = members[hub.logins[0]]
    home = json.loads(m.run(LANDING + "print(json.dumps(shown()))").splitlines()[-1])
    assert f"每日一练\n今天的 {DAILY_SIZE} 道题，点这里开始" in home, home
    assert "今日积分 0 分" in text(home)
    out = m.run(
        "tile = [b for b in page.body.children\n"
        "        if isinstance(b, w.Button) and b.description.startswith('每日一练')][0]\n"
        "tile.click()\npage.working.join(60)\napp = page.app\nassert app is not None, shown()\n"
        "import json as _j\nprint(_j.dumps([app.store.exam, app.paper.id]))"
    )
    exam, paper_id = json.loads(out.splitlines()[-1])
    answers = right_answers(hub, exam, m.name)
    assert len(answers) == DAILY_SIZE
    feedback = json.loads(m.run(
        f"answers = {{int(k): v for k, v in json.loads({json.dumps(json.dumps(answers))}).items()}}\n"
        "said = []\n"
        "for n, v in answers.items():\n"
        "    app.goto(n)\n    app.store.set_answer(n, v)\n    app.check_current()\n"
        "    said.append(app.feedback.value)\n"
        "print(json.dumps(said))"
    ).splitlines()[-1])  # fmt: skip
    assert all("回答正确" in f and "解析" in f for f in feedback), feedback
    p = service_points(hub, m.name)
    assert p["by_kind"]["practice"] == DAILY_SIZE and p["by_kind"]["daily"] == 5
    assert (p["today"], p["streak"], p["daily"]["judged"]) == (DAILY_SIZE + 5, 1, DAILY_SIZE)
    home = text(json.loads(m.run("page.show_home()\nprint(json.dumps(shown()))").splitlines()[-1]))
    assert f"今日积分 {DAILY_SIZE + 5} 分　本年 {p['total']:g} 分连续学习 1 天" in home, home
    assert f"练习答对 {DAILY_SIZE} 分，每日一练 5 分" in home
    assert "今天已完成" in home
    # a reload (a new page, a restarted kernel): the same five
    again = m.run(
        "page.heartbeat.stop()\npage = Landing(root=os.path.expanduser('~'))\n"
        "page.heartbeat.stop()\nprint(page.service.daily())"
    ).split()[-1]
    assert again == exam
    s = ServiceStore(hub.service_db)
    assert s.paper(exam, m.name).id == paper_id
    s.close()


def test_another_member_gets_nothing_by_forged_verdicts_or_borrowed_names(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    a, b = members[hub.logins[0]], members[hub.logins[1]]
    for _ in range(20):  # the first test may have spent a's requests: wait as the page does
        reply = a.call("POST", "daily", {}).json()
        if reply.get("error") != "too-many":
            break
        time.sleep(1)
    assert "exam" in reply, reply
    exam = reply["exam"]
    s = ServiceStore(hub.service_db)
    a_paper = s.paper(exam, a.name).id
    s.close()
    before = service_points(hub, a.name)
    assert b.call("POST", "daily", {}, member=a.name).json()["error"] == "other-member"
    assert b.call("GET", "points", member=a.name).json()["error"] == "other-member"
    forged = {"paper": a_paper, "attempt": 1, "n": 1, "value": True, "correct": True}
    assert b.call("POST", f"exams/{exam}/check", forged).status_code == 404  # not b's paper
    assert b.call("POST", f"exams/{exam}/check", forged, member=a.name).status_code == 403
    assert b.call("POST", "points", {"total": 999}).status_code == 405  # no way to post points
    assert b.call("GET", "points", token="forged-token").json()["error"] == "no-login"
    # b's kernel writes a responses file and a verdict list of its own: the service never reads it
    b.run(
        "import os, json\nd = os.path.expanduser('~/练习')\nos.makedirs(d, exist_ok=True)\n"
        f"json.dump({{'attempts': [{{'number': 1, 'answers': {{'1': True}}, 'checked': [1,2,3,4,5],"
        f"'verdicts': {{'1': True}}}}], 'points': 999}}, open(os.path.join(d, '{exam}.responses.json'), 'w'))"
    )  # fmt: skip
    p = service_points(hub, b.name)
    assert (p["total"], p["today"], p["streak"]) == (0, 0, 0)
    assert p["daily"]["exam"] is None  # b never asked for a daily quiz of b's own
    home = text(json.loads(b.run(LANDING + "print(json.dumps(shown()))").splitlines()[-1]))
    assert "今日积分 0 分　本年 0 分" in home, home
    assert service_points(hub, a.name)["total"] == before["total"]
    s = ServiceStore(hub.service_db)
    rows = s.db.execute("select count(*) from practice where member = ?", (b.name,)).fetchone()[0]
    s.close()
    assert rows == 0
