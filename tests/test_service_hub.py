"""The exam service under a real JupyterHub on localhost, attacked as a member would.

Needs root (a LocalHub: Unix accounts ``etsvc-…``, removed afterwards) and the hub venv; ports
18100-18104 are this file's own. The service runs as its own account, started by the hub; members
use the real token of their own server (``JUPYTERHUB_API_TOKEN`` in their kernel). Every attack of
issue 12 is repeated: edited responses file and exam.json, late hand-ins, extra attempts, replayed
requests, forged and borrowed tokens, other members' papers, questions not on the paper, oversized
answers; each is refused, logged, and changes no score. Then the service is cut off mid-exam and
killed during a burst of saves: nothing is lost, and queued answers are judged by the service's
clock.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.hub.client import HubSession
from exam_tools.hub.localhub import LocalHub
from exam_tools.quiz.online.client import AWAY_NOTICE
from exam_tools.service.store import ServiceStore

from .conftest import DATA, ROOT, running_hub

COURSE = "etsvcc"
PORT = 18100


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=3, port=PORT, prefix="etsvc-", course=COURSE,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)},
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb")  # fmt: skip
    yield from running_hub(local)


class Member:
    """A logged-in member with a kernel in their own server, and that server's hub token."""

    def __init__(self, hub: LocalHub, name: str) -> None:
        self.name = name
        self.session: HubSession = hub.session(name)
        self.session.follow(self.session.user_url())
        self.kernel = self.session.start_kernel()
        env = self.run("import os\nprint(os.environ['JUPYTERHUB_API_TOKEN'])\n"
                       "print(os.environ['EXAM_TOOLS_SERVICE_URL'])")  # fmt: skip
        self.token, self.url = env.split()

    def run(self, code: str, timeout: float = 120) -> str:
        out = self.session.execute(self.kernel, code, timeout)
        assert out["error"] is None, out
        return str(out["stdout"])

    def call(self, method: str, path: str, body: dict[str, Any] | None = None,
             token: str | None = None, member: str | None = None) -> requests.Response:  # fmt: skip
        """A request to the service as a program in the member's kernel could send it."""
        headers = {"Authorization": f"token {token or self.token}"}
        url = f"{self.url}/api/{path}"
        if body is None:
            return requests.request(method, url, params={"member": member or self.name},
                                    headers=headers, timeout=30)  # fmt: skip
        data = json.dumps({"member": member or self.name, **body}).encode()
        return requests.request(method, url, data=data, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def members(hub: LocalHub) -> dict[str, Member]:
    with ThreadPoolExecutor(3) as pool:
        return {m.name: m for m in pool.map(lambda n: Member(hub, n), hub.logins)}


def open_exam(hub: LocalHub, name: str, *options: str) -> None:
    hub.cli("assign", "rice", "cert", "--course-dir", str(hub.course_root), "--name", name,
            "--courses", str(DATA / "courses"), "--force")  # fmt: skip
    hub.cli("exam", "open", name, "--course-dir", str(hub.course_root),
            "--service-db", str(hub.service_db), *options)  # fmt: skip


def service(hub: LocalHub) -> ServiceStore:
    return ServiceStore(hub.service_db)


def right_answers(hub: LocalHub, exam: str, member: str) -> dict[int, Any]:
    s = service(hub)
    paper = s.paper(exam, member)
    key = key_from_compact(paper, s.key(exam))
    s.close()
    out: dict[int, Any] = {}
    for k in key.items:
        if k.type is QType.FILL:
            out[k.n] = [alts[0] for alts in k.answer]
        elif k.type is QType.MULTIPLE:
            out[k.n] = list(k.answer)
        elif k.type is not QType.SHORT:
            out[k.n] = k.answer
    return out


def put_spec(hub: LocalHub, m: Member, exam: str, **changes: Any) -> None:
    """The released exam.json in the member's folder, edited as the member likes."""
    spec = json.loads((hub.course_root / "source" / exam / "exam.json").read_text("utf-8"))
    spec["assessment"].update(changes)
    m.session.api("PUT", f"api/contents/{exam}", json={"type": "directory"})
    r = m.session.save_text(f"{exam}/exam.json", json.dumps(spec, ensure_ascii=False))
    assert r.status_code in (200, 201), r.text


QUIZ = (
    "import os, json\nos.chdir(os.path.expanduser('~/{exam}'))\n"
    "from exam_tools.quiz.exam import open_exam\n"
    "app = open_exam('exam.json', timer=False)\n"
)


def graded(hub: LocalHub, exam: str) -> dict[str, float]:
    hub.cli("exam", "export", exam, "--course-dir", str(hub.course_root),
            "--service-db", str(hub.service_db))  # fmt: skip
    db = hub.base / f"grades-{exam}.db"
    hub.cli("grade", exam, "--course-dir", str(hub.course_root), "--db", str(db))
    from exam_tools.hub.logins import by_member
    from exam_tools.records.db import open_db

    # grade records each result under the member's roster id (the hub's map); keyed by login
    login_of = by_member(hub.base / "hub")
    rows = open_db(db).query("select member, score from attempts where assignment = ?", [exam])
    return {login_of[r["member"]]: r["score"] for r in rows}


def codes(hub: LocalHub) -> list[str]:
    s = service(hub)
    out = [r["code"] for r in s.refusals()]
    s.close()
    return out


def test_exam_in_the_members_kernel_and_an_edited_responses_file(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    open_exam(hub, "cert", "--grace", "2")
    m = members[hub.logins[0]]
    put_spec(hub, m, "cert")
    answers = right_answers(hub, "cert", m.name)
    out = m.run(QUIZ.format(exam="cert") + (
        f"for n, v in json.loads({json.dumps(answers)!r}).items():\n    app.store.set_answer(int(n), v)\n"
        "app.confirm_submit()\n"
        "print(json.dumps([app.paper.id, app.submitted, app.store.notice]))"
    ))  # fmt: skip
    paper_id, submitted, notice = json.loads(out)
    assert submitted and notice == ""
    s = service(hub)
    assert paper_id == s.paper("cert", m.name).id
    assert s.answers("cert", m.name, 1) == answers
    key = key_from_compact(s.paper("cert", m.name), s.key("cert"))
    s.close()
    short = sum(k.points for k in key.items if k.type is QType.SHORT)
    score = graded(hub, "cert")[m.name]
    assert score == sum(k.points for k in key.items) - short
    # attack: clear submitted_at and push the deadline three hours on, then run the cell again
    path = "cert/exam.paper.responses.json"
    doc = json.loads(m.session.read_file(path).json()["content"])
    doc["attempts"][-1]["submitted_at"] = None
    doc["attempts"][-1]["deadline"] = "2099-01-01T00:00:00+08:00"
    m.session.save_text(path, json.dumps(doc))
    out = m.run(
        QUIZ.format(exam="cert") + "print(json.dumps([app.submitted, app.store.remaining()]))"
    )
    submitted, remaining = json.loads(out)
    assert submitted and remaining < 20 * 60  # the service's record: handed in, no 2:59:53 left
    r = m.call(
        "POST", "exams/cert/answers", {"paper": paper_id, "attempt": 1, "n": 1, "value": "A"}
    )
    assert r.status_code == 409 and r.json()["error"] == "submitted"
    assert "已经交卷" in r.json()["message"]
    assert graded(hub, "cert")[m.name] == score > 0


def test_edited_exam_json_and_extra_attempts(hub: LocalHub, members: dict[str, Member]) -> None:
    m = members[hub.logins[1]]
    put_spec(hub, m, "cert", time_limit=9999, attempts=99)
    out = m.run(QUIZ.format(exam="cert") +
                "print(json.dumps([app.store.attempts_left, app.store.remaining()]))")  # fmt: skip
    left, remaining = json.loads(out)
    assert left == 1 and remaining <= 20 * 60  # the service's limits, not the file's
    paper = service(hub).paper("cert", m.name).id
    assert m.call("POST", "exams/cert/submit", {"paper": paper, "attempt": 1}).status_code == 200
    assert m.call("POST", "exams/cert/start", {"paper": paper}).status_code == 200
    assert m.call("POST", "exams/cert/submit", {"paper": paper, "attempt": 2}).status_code == 200
    third = m.call("POST", "exams/cert/start", {"paper": paper})
    assert third.status_code == 409 and "没有剩余的作答次数" in third.json()["message"]
    # an instructor grants one more, with a reason; the audit log says who, when and why
    hub.cli("exam", "extend", "cert", m.name, "--service-db", str(hub.service_db),
            "--attempts", "1", "--reason", "考试时停电", "--by", hub.teacher)  # fmt: skip
    assert m.call("POST", "exams/cert/start", {"paper": paper}).status_code == 200
    log = json.loads(hub.cli("exam", "log", "cert", "--service-db", str(hub.service_db), "--json"))
    [grant] = log["grants"]
    assert (grant["member"], grant["by"], grant["reason"]) == (m.name, hub.teacher, "考试时停电")
    assert "no-attempts" in codes(hub)


def test_late_answers_and_replays_are_refused(hub: LocalHub, members: dict[str, Member]) -> None:
    closes = time.time() + 6
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(closes))  # with its offset
    open_exam(hub, "quick", "--closes", stamp, "--grace", "2")
    m = members[hub.logins[2]]
    paper = service(hub).paper("quick", m.name).id
    assert m.call("POST", "exams/quick/start", {"paper": paper}).status_code == 200
    saved = {"paper": paper, "attempt": 1, "n": 1, "value": "A"}
    assert m.call("POST", "exams/quick/answers", saved).status_code == 200
    time.sleep(max(0.0, int(closes) + 2.5 - time.time()))  # past the deadline and the grace
    for body in (saved, {**saved, "n": 2, "value": "B"}):  # a replay, and a new answer
        r = m.call("POST", "exams/quick/answers", body)
        assert r.status_code == 409 and r.json()["error"] == "late", r.text
    r = m.call("POST", "exams/quick/submit", {"paper": paper, "attempt": 1})
    attempt = r.json()["attempts"][0]
    assert attempt["submitted_by"] == "timeout" and attempt["submitted_at"] == attempt["deadline"]
    assert attempt["answers"] == {"1": "A"}
    late_start = m.call("POST", "exams/quick/start", {"paper": paper})
    assert late_start.status_code == 409 and "考试已经结束" in late_start.json()["message"]


def test_forged_borrowed_tokens_and_bad_requests(hub: LocalHub, members: dict[str, Member]) -> None:
    a, b = members[hub.logins[0]], members[hub.logins[1]]
    before = len(codes(hub))
    forged = a.call("GET", "exams/cert", token="0" * 32)
    assert forged.status_code == 403 and "重新登录" in forged.json()["message"]
    # a's own token, asking for b: refused (and b's token for a likewise)
    assert a.call("GET", "exams/cert", member=b.name).json()["error"] == "other-member"
    assert a.call("GET", "record", member=b.name).status_code == 403
    assert b.call("GET", "exams/cert", token=b.token, member=a.name).status_code == 403
    b_paper = service(hub).paper("cert", b.name).id
    a_paper = service(hub).paper("cert", a.name).id
    r = b.call("POST", "exams/cert/answers", {"paper": a_paper, "attempt": 3, "n": 1, "value": "A"})
    assert r.json()["error"] == "wrong-paper" and "不是发给您的" in r.json()["message"]
    for n, value, code, status in ((99, "A", "no-such-question", 422),
                                   (1, "长" * 5000, "too-large", 413),
                                   (1, {"$gt": 1}, "bad-answer", 422)):  # fmt: skip
        r = b.call("POST", "exams/cert/answers", {"paper": b_paper, "attempt": 3, "n": n,
                                                  "value": value})  # fmt: skip
        assert (r.status_code, r.json()["error"]) == (status, code)
    big = requests.post(f"{b.url}/api/exams/cert/answers", data=b"x" * 20000,
                        headers={"Authorization": f"token {b.token}"}, timeout=30)  # fmt: skip
    assert big.status_code == 413
    practice = b.call("POST", "exams/cert/check", {"paper": b_paper, "attempt": 3, "n": 1})
    assert practice.status_code == 403 and "不公开" in practice.json()["message"]
    logged = codes(hub)[before:]
    for code in ("other-member", "wrong-paper", "no-such-question", "too-large",
                 "bad-answer", "not-practice"):  # fmt: skip
        assert code in logged
    assert "no-login" not in logged  # a forged token writes nothing (issue 16)
    s = service(hub)
    assert s.answers("cert", b.name, 3) == {}  # none of it was stored
    s.close()


def test_no_key_or_bank_in_the_members_kernel(hub: LocalHub, members: dict[str, Member]) -> None:
    out = members[hub.logins[0]].run(
        "from exam_tools.paths import find_bundled\nimport glob, os\n"
        "print(find_bundled('question_bank').exists())\n"
        "print(len(glob.glob(os.path.expanduser('~') + '/**/*.key.json', recursive=True)))"
    )
    assert out.split() == ["False", "0"]


def service_pid(hub: LocalHub) -> int:
    """The pid of this hub's exam service."""
    [pid] = hub.service_pids()
    return pid


def test_the_service_runs_as_its_own_account_ahead_of_members_on_the_cpu(hub: LocalHub) -> None:
    """Started as root by exam_tools.hub.runas: the session weighs more than the hub's and the
    members' (answers are saved at once while a sitting logs in), the program runs as the
    service's account alone, the account that owns the database."""
    pid = service_pid(hub)
    proc = Path(f"/proc/{pid}")
    status = {k: v.split() for k, _, v in
              (line.partition(":") for line in (proc / "status").read_text().splitlines())}  # fmt: skip
    owner = hub.service_db.stat()
    assert set(status["Uid"]) == {str(owner.st_uid)} and set(status["Gid"]) == {str(owner.st_gid)}
    assert status["CapEff"] == ["0000000000000000"]
    stat = (proc / "stat").read_text()
    assert stat[stat.rindex(")") + 2 :].split()[16] == "-5"  # the process's niceness
    assert (proc / "autogroup").read_text().split()[-1] == "-5"  # and its session's
    env = dict(
        item.split("=", 1) for item in (proc / "environ").read_text().split("\0") if "=" in item
    )
    assert env["HOME"] == str(hub.service_db.parent) and env["USER"] != "root"


def test_cut_off_and_killed_mid_exam_nothing_is_lost(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    closes = time.time() + 600
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(closes))  # with its offset
    open_exam(hub, "away", "--closes", stamp, "--grace", "3")
    m = members[hub.logins[2]]
    put_spec(hub, m, "away")
    # answers leave in the background (issue 17 item 6): drain() waits until they are sent, or
    # until the notice says the service is away
    m.run(QUIZ.format(exam="away") + "app.store.set_answer(1, 'A')\nassert app.store.drain()\n"
          "real = app.store.client.url\napp.store.client.url = 'http://127.0.0.1:9/services/exam'")  # fmt: skip
    # the network is cut: answers stay in the queue, the member sees a plain notice
    out = m.run("notices = []\nfor n in (2, 3):\n    app.store.set_answer(n, 'B')\n"
                "    app.store.drain(15)\n"
                "    notices.append(app.store.notice)\nprint(json.dumps(notices))")  # fmt: skip
    assert json.loads(out) == [AWAY_NOTICE, AWAY_NOTICE]
    assert service(hub).answers("away", m.name, 1) == {1: "A"}
    # back within the deadline: every queued answer arrives
    m.run("app.store.client.url = real\nassert app.store.sync()")
    assert service(hub).answers("away", m.name, 1) == {1: "A", 2: "B", 3: "B"}
    # SIGKILL the service during a burst of saves; the hub restarts it; nothing is lost
    burst = (
        "import time\naway = 0\nfor i in range(1000):\n"  # ten changes to a question, then the next
        "    app.store.set_answer(1 + (i // 10) % 8, str(i))\n"
        "    time.sleep(0.005)\n"  # a tap no longer waits for the network: pace them as fingers do
        "    if app.store.notice:\n        away += 1\n        time.sleep(0.05)\n"
        "deadline = time.time() + 90\n"
        "while not app.store.sync() and time.time() < deadline:\n    time.sleep(1)\n"
        "print(len(app.store.queue.pending), app.store.notice == '', away > 0)"
    )
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(m.run, burst, 200)
        time.sleep(1.0)
        killed = service_pid(hub)
        os.kill(killed, signal.SIGKILL)
        # nothing left in the queue, the notice gone, and some saves did meet the outage
        assert running.result().split() == ["0", "True", "True"]
    assert service_pid(hub) != killed  # the hub restarted it
    got = service(hub).answers("away", m.name, 1)
    assert got == {1 + (i // 10) % 8: str(i) for i in range(1000)}  # the last of each question


def test_queued_answers_are_judged_by_the_service_clock(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    """Answers queued before the deadline while the service was unreachable count if they arrive
    within the grace, and not after it, whatever the member's computer says."""
    # both members must have answered question 1 before the deadline, and the service may first
    # ask one to wait (429: in CI one was refused 1.4 s into this test): time enough for both
    closes = time.time() + 45
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(closes))  # with its offset
    open_exam(hub, "lag", "--closes", stamp, "--grace", "4")
    early, late = members[hub.logins[0]], members[hub.logins[2]]
    for m in (early, late):
        put_spec(hub, m, "lag")
        m.run(QUIZ.format(exam="lag") + "app.store.set_answer(1, 'A')\n"
              # sent, if need be after the service's 429s (drain() stops at a notice, busy or away)
              "import time\nend = time.time() + 25\n"
              "while app.store.queue.pending and time.time() < end:\n    time.sleep(0.1)\n"
              f"assert not app.store.queue.pending, (app.store.notice, time.time() - {closes})\n"
              "real = app.store.client.url\napp.store.client.url = 'http://127.0.0.1:9/x'\n"
              "app.store.stop()\napp.store.set_answer(2, 'B')")  # fmt: skip
    time.sleep(max(0.0, closes + 1.5 - time.time()))  # past the deadline, within the grace
    early.run("app.store.client.url = real\nassert app.store.sync()")
    time.sleep(max(0.0, closes + 5 - time.time()))  # past the grace
    late.run("app.store.client.url = real\napp.store.sync()")
    s = service(hub)
    assert s.answers("lag", early.name, 1) == {1: "A", 2: "B"}
    assert s.answers("lag", late.name, 1) == {1: "A"}
    s.close()
    assert "late" in codes(hub)


def test_each_member_reads_only_their_own_record(hub: LocalHub, members: dict[str, Member]) -> None:
    said = hub.cli("exam", "publish-records", "--service-db", str(hub.service_db),
                   "--db", str(hub.base / "roster.db"), "--year", "2026")  # fmt: skip
    assert "条练习记录" in said and "名党员 2026 年的档案" in said  # practice pulled in first
    me, other = members[hub.logins[0]], members[hub.logins[1]]
    out = me.run(
        "import os\nfrom exam_tools.quiz.landing import _service_client, _service_records\n"
        "r = _service_records(_service_client(os.environ['JUPYTERHUB_USER']))\n"
        "mine = r.published_record(os.environ['JUPYTERHUB_USER'])\n"
        f"print(mine.year, mine.hours, mine.required_hours, r.published_record({other.name!r}))"
    )
    assert out.split() == ["2026", "0.0", "32", "None"]
    theirs = me.call("GET", "record", member=other.name)
    assert theirs.status_code == 403 and theirs.json()["error"] == "other-member"
    assert me.call("GET", "record").json()["record"]["required_hours"] == 32


def test_practice_is_checked_by_the_service(hub: LocalHub, members: dict[str, Member]) -> None:
    import html

    hub.cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    m = members[hub.logins[1]]
    s = service(hub)
    paper = s.paper("drill", m.name)
    key = key_from_compact(paper, s.key("drill"))
    n = next(k.n for k in key.items if k.type is QType.JUDGE)
    explanation = s.key("drill")[paper.item(n).qid]["explanation"]
    s.close()
    out = m.run(
        "import os, json\nfrom exam_tools.quiz.online.client import ServiceClient\n"
        "from exam_tools.quiz.online.practice import open_service_practice\n"
        "client = ServiceClient.from_env(os.environ['JUPYTERHUB_USER'])\n"
        "app = open_service_practice(client, 'drill', os.path.expanduser('~'))\n"
        f"app.goto({n})\napp.store.set_answer({n}, {not key[n].answer!r})\napp.check_current()\n"
        "print(json.dumps(app.feedback.value))"
    )
    feedback = json.loads(out)
    assert "回答错误" in feedback and html.escape(explanation) in feedback
    s = service(hub)
    assert s.db.execute("select correct from practice where member = ?", (m.name,)).fetchall()
    s.close()


LANDING = """
import json, os
import ipywidgets as w
from exam_tools.quiz.landing import Landing
page = Landing(root=os.path.expanduser("~"))
page.heartbeat.stop()
def shown():
    return [c.value if isinstance(c, w.HTML) else c.description for c in page.body.children
            if isinstance(c, (w.HTML, w.Button))]
"""


def test_my_study_page_practises_through_the_service_with_no_key_in_the_kernel(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    """我的学习 on the hub: 练习 lists what the instructors handed to the service, 核对答案 gets the
    verdict and 解析 from the service, and the member's kernel never holds the bank or a key."""
    import hashlib
    import html

    from .test_key_absence import INSPECT

    m = members[hub.logins[2]]
    m.kernel = m.session.start_kernel()  # a fresh kernel: nothing imported by earlier tests
    s = service(hub)
    already = s.practice_list()
    s.close()
    listed = json.loads(m.run(LANDING + "print(json.dumps(shown()))"))
    if not already:  # run alone or first: no practice handed to the service yet
        assert any("老师还没有发布练习" in text for text in listed), listed
    s = service(hub)
    before = len(s.mistakes(m.name))
    s.close()
    book = "错题本是空的" if not before else f"练错题本（{before} 题）"
    assert book in listed, listed  # the service's 错题本, not a bank in this kernel

    hub.cli("exam", "open", "lesson", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    s = service(hub)
    at = [p["exam"] for p in s.practice_list()].index("lesson")  # "drill" too, in a full run
    paper = s.paper("lesson", m.name)
    compact = s.key("lesson")
    key = key_from_compact(paper, compact)
    n = next(k.n for k in key.items if k.type is QType.JUDGE)
    s.close()
    shown_on_paper = {t for item in paper.items for t in (item.stem, *item.options)}
    secrets = {compact[item.qid]["explanation"] for item in paper.items if item.n != n}
    secrets = {e for e in secrets if e and e not in shown_on_paper}
    assert secrets  # the other questions' 解析: none may reach the kernel
    wrong = 1 if key[n].answer else 0  # the judge buttons are ✔ 正确, ✘ 错误
    out = m.run(
        "page.show_home()\n"
        "tile = [b for b in page.body.children\n"
        f"        if isinstance(b, w.Button) and '课后练习' in b.description][{at}]\n"
        "tile.click()\npage.working.join(60)\n"  # the tap's request runs in the background
        "app = page.app\nassert app is not None, shown()\n"
        f"app.goto({n})\napp.view({n}).inputs[{wrong}].click()\napp.check_current()\n"
        "print(json.dumps(app.feedback.value))"
    )
    feedback = json.loads(out.splitlines()[-1])
    explanation = compact[paper.item(n).qid]["explanation"]
    assert "回答错误" in feedback and html.escape(explanation) in feedback
    s = service(hub)
    checked = s.db.execute("select n, correct from practice where member = ? and exam = 'lesson'",
                           (m.name,)).fetchall()  # fmt: skip
    s.close()
    assert [tuple(r) for r in checked] == [(n, 0)]  # the verdict is the service's, recorded there

    again = m.run(  # a reload comes back to the same practice, at the service, with its verdict
        "page.heartbeat.stop()\nold = page.app\npage = Landing(root=os.path.expanduser('~'))\n"
        "page.heartbeat.stop()\n"
        f"print(page.app is not None and page.app.paper.id == old.paper.id, {n} in page.app.attempt.checked)"
    )
    assert again.split()[-2:] == ["True", "True"]

    # the wrong answer is in the 错题本 the service keeps; practising it right takes it out
    right = 0 if key[n].answer else 1
    review = m.run(
        "page.show_home()\n"
        "tile = [b for b in page.body.children\n"
        "        if isinstance(b, w.Button) and b.description.startswith('练错题本')][0]\n"
        "print(json.dumps(tile.description))\ntile.click()\npage.working.join(60)\n"
        "app = page.app\n"
        "print(json.dumps([i.qid for i in app.paper.items]))\n"
        f"k = [i.n for i in app.paper.items if i.qid == {paper.item(n).qid!r}][0]\n"
        f"app.goto(k)\napp.view(k).inputs[{right}].click()\napp.check_current()\n"
        "print(json.dumps(app.feedback.value))\npage.show_home()\nprint(json.dumps(shown()))"
    )
    tile, qids, feedback, home = (json.loads(line) for line in review.splitlines()[-4:])
    assert tile == f"练错题本（{before + 1} 题）" and paper.item(n).qid in qids
    assert "回答正确" in feedback and html.escape(explanation) in feedback
    assert ("错题本是空的" if not before else f"练错题本（{before} 题）") in home, home
    hashes = sorted(hashlib.sha256(e.encode("utf-8")).hexdigest() for e in secrets)
    held = json.loads(m.run(f"SECRET_HASHES = set({hashes!r})\n" + INSPECT).splitlines()[-1])
    assert held["quiz"]  # the quiz is open in this kernel
    assert held["found"] == 0 and held["classes"] == [] and held["modules"] == [], held
    modules = m.run("import sys\nprint(' '.join(sorted(sys.modules)))").split()
    assert "exam_tools.quiz.online.practice" in modules
    assert not [
        x for x in modules if x.startswith(("exam_tools.bank.load", "exam_tools.course.key"))
    ]


def test_practice_reaches_the_records_under_roster_ids_while_the_service_runs(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    """``exam pull-practice`` as root beside the running service: each login's verdicts go to the
    roster id in the hub's map (``hub users`` wrote it); a second run imports nothing."""
    import sqlite_utils

    from exam_tools.hub.jhconfig import member_id_of

    m = members[hub.logins[0]]
    hub.cli("exam", "open", "recap", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    paper = m.call("GET", "exams/recap").json()["paper"]
    assert m.call("POST", "exams/recap/start", {"paper": paper}).status_code == 200
    for n in (1, 2):
        r = m.call("POST", "exams/recap/check", {"paper": paper, "attempt": 1, "n": n})
        assert r.status_code == 200, r.text
    s = service(hub)
    logins = dict(s.db.execute("select member, count(*) from practice group by member").fetchall())
    s.close()
    assert logins[m.name] >= 2
    db = hub.base / "roster.db"
    out = hub.cli("exam", "pull-practice", "--service-db", str(hub.service_db), "--db", str(db))
    total = sum(logins.values())
    assert out == f"已导入 {total} 条练习记录（{len(logins)} 名党员）\n"
    got = (
        sqlite_utils.Database(db)
        .execute("select member, login, count(*) from practice group by member, login")
        .fetchall()
    )
    assert sorted(got) == sorted(
        (member_id_of(login, hub.base / "hub"), login, k) for login, k in logins.items()
    )
    assert all(member != login for member, login, _ in got)  # roster ids, not hub logins
    again = hub.cli("exam", "pull-practice", "--service-db", str(hub.service_db), "--db", str(db))
    assert again.startswith(f"已导入 0 条练习记录（0 名党员），{total} 条以前已导入")
    assert m.call("POST", "exams/recap/check", {"paper": paper, "attempt": 1, "n": 3}).ok


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_in_a_browser_through_the_hub_log_in_practise_and_the_mistake_book(
    hub: LocalHub, members: dict[str, Member], size: str
) -> None:
    """What a member does on a phone (and a PC): the Chinese login page, 我的学习 served through
    the hub, a practice checked by the service, then the 错题本 the service keeps. Every control
    is inside the viewport; screenshots are kept."""
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from .test_member_ui import PC, PHONE, WAIT, check_controls, log_in, shot

    viewport = PHONE if size == "phone" else PC
    m = members[hub.logins[0]]
    exam, title = f"on-{size}", "手机上的练习" if size == "phone" else "电脑上的练习"
    hub.cli("exam", "open", exam, "--practice", "rice/practice", "--title", title,
            "--service-db", str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    s = service(hub)
    paper = s.paper(exam, m.name)
    key = key_from_compact(paper, s.key(exam))
    judge = next(k for k in key.items if k.type is QType.JUDGE)
    book_before = {e["qid"] for e in s.mistakes(m.name)}
    s.close()
    expected = len(book_before | {paper.item(judge.n).qid})
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        try:
            page.goto(f"{hub.url}/hub/login", timeout=WAIT)
            expect(page.locator("h1")).to_have_text("党员学习平台 登录")
            for field in ("#username_input", "#password_input", "#login_submit"):
                box = page.locator(field).bounding_box()
                assert box is not None and box["x"] >= 0, (field, box)
                assert box["x"] + box["width"] <= viewport["width"] + 0.5, (field, box)
                assert box["height"] >= 44, (field, box)
            shot(page, "hub-login")
            landing = log_in(page, hub.url, m.name, hub.passwords[m.name])
            tile = landing.get_by_role("button", name=f"练习：{title}")
            back = landing.get_by_role("button", name="◀ 返回我的学习")
            expect(tile.or_(back).first).to_be_visible(timeout=WAIT)
            if back.is_visible():  # what was open last time (the other size's run) comes back
                back.click()
            expect(tile).to_be_visible(timeout=WAIT)
            check_controls(page, landing, "hub landing")
            shot(page, "hub-landing")

            tile.click()  # a practice the service drew for this member; 核对答案 asks the service
            quiz = landing.locator(".exam-tools-quiz").nth(0)
            expect(quiz.locator(".et-question")).to_be_visible(timeout=WAIT)
            quiz.locator(".et-card button").nth(judge.n - 1).click()
            expect(quiz.locator(".et-progress")).to_contain_text(f"第 {judge.n} 题")
            wrong = "✘ 错误" if judge.answer else "✔ 正确"
            quiz.get_by_role("button", name=wrong).click()
            quiz.get_by_role("button", name="核对答案").click()
            expect(quiz).to_contain_text("回答错误", timeout=WAIT)
            check_controls(page, quiz, "hub practice")
            shot(page, "hub-practice")

            landing.get_by_role("button", name="◀ 返回我的学习").click()
            book = landing.get_by_role("button", name=f"练错题本（{expected} 题）")
            expect(book).to_be_visible(timeout=WAIT)
            profile = landing.locator(".et-profile")  # this year's practice, live from the service
            expect(profile).to_contain_text("本年度练习")
            book.click()
            expect(quiz).to_contain_text("错题本练习", timeout=WAIT)
            expect(quiz.locator(".et-question")).to_be_visible(timeout=WAIT)
            check_controls(page, quiz, "hub review")
            shot(page, "hub-review")
        finally:
            browser.close()
