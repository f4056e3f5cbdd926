"""One member cannot fill the disk or slow the rest, and logs show data (issue 16, items 5 and 9),
on a real JupyterHub on localhost.

Needs root (a LocalHub: Unix accounts ``etfl-…``, removed afterwards) and the hub venv; ports
18240-18244 are this file's own. Each attack runs in the member's own kernel with the member's own
hub token, as a member with a Python prompt would: a flood of refused requests, a flood of made-up
tokens, maximum-size answers past the per-attempt cap, 错题本 papers past the daily cap, and a
question number carrying a forged line for ``exam log``. Asserted on status codes and on the
service's database (rows, file size).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.hub.localhub import LocalHub
from exam_tools.service import rules as R
from exam_tools.service.limits import BURST, RATE, TOO_MANY

from .conftest import DATA, ROOT, running_hub
from .test_service_hub import Member, open_exam, service

COURSE = "etflc"
PORT = 18240


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=3, port=PORT, prefix="etfl-", course=COURSE,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)})  # fmt: skip
    yield from running_hub(local)


@pytest.fixture(scope="module")
def members(hub: LocalHub) -> dict[str, Member]:
    with ThreadPoolExecutor(3) as pool:
        return {m.name: m for m in pool.map(lambda n: Member(hub, n), hub.logins)}


# Runs in a member's kernel: ``flood(seconds, path, body, forged)`` sends POSTs as fast as four
# threads can with the member's own token (or a new made-up token each time) and counts replies.
FLOOD = """
import collections, json, os, secrets, threading, time, urllib.error, urllib.request
URL, TOKEN = os.environ['EXAM_TOOLS_SERVICE_URL'], os.environ['JUPYTERHUB_API_TOKEN']
def flood(seconds, path, body, forged=False, threads=4):
    counts = collections.Counter()
    end = time.time() + seconds
    def run():
        while time.time() < end:
            token = secrets.token_hex(16) if forged else TOKEN
            req = urllib.request.Request(f'{URL}/api/{path}', data=json.dumps(body).encode(),
                                         method='POST', headers={'Authorization': f'token {token}'})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    counts[r.status] += 1
            except urllib.error.HTTPError as e:
                counts[e.code] += 1
            except OSError:
                counts['error'] += 1
    workers = [threading.Thread(target=run) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return dict(counts)
"""


def db_bytes(hub: LocalHub) -> int:
    """The size of the service's database with every committed write (its write-ahead log is
    reused in place and checkpointed every 1,000 pages, so it does not grow with rows)."""
    s = service(hub)
    pages, size = (s.db.execute(f"pragma {p}").fetchone()[0] for p in ("page_count", "page_size"))
    s.close()
    return int(pages * size)


def refusal_rows(hub: LocalHub) -> list[dict[str, Any]]:
    s = service(hub)
    rows = [dict(r) for r in s.db.execute("select * from refusals order by id")]
    s.close()
    return rows


def patient(
    m: Member, method: str, path: str, body: dict[str, Any] | None = None
) -> requests.Response:
    """A request as the quiz sends it: on 429 wait as told and send it again."""
    for _ in range(100):
        r = m.call(method, path, body)
        if r.status_code != 429:
            return r
        time.sleep(float(r.headers.get("Retry-After", "1")))
    raise AssertionError(f"{path}: 429 for 100 tries")


def test_one_members_flood_is_counted_not_stored_and_others_still_save(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    open_exam(hub, "cert")
    flooder, other = members[hub.logins[0]], members[hub.logins[1]]
    paper = patient(other, "GET", "exams/cert").json()["paper"]
    assert patient(other, "POST", "exams/cert/start", {"paper": paper}).status_code == 200
    before_rows, before_bytes = len(refusal_rows(hub)), db_bytes(hub)
    flooder.run(FLOOD)
    wrong = {"member": flooder.name, "paper": "not-mine", "attempt": 1, "n": 1, "value": "A"}
    saves: list[int] = []
    with ThreadPoolExecutor(1) as pool:
        flood = f"print(json.dumps(flood(12, 'exams/cert/answers', {wrong!r})))"
        running = pool.submit(flooder.run, flood, 200)
        time.sleep(1)
        for i in range(30):  # the other member answers on, four saves a second
            body = {"paper": paper, "attempt": 1, "n": 1 + i % 8, "value": "A"}
            saves.append(other.call("POST", "exams/cert/answers", body).status_code)
            time.sleep(0.25)
        counts = json.loads(running.result().splitlines()[-1])
    assert saves == [200] * 30  # every save of the other member went through
    # past the burst only the member's rate reaches the rules; the rest is 429 (after a pause)
    assert 0 < counts.get("403", 0) <= BURST + RATE * 14 and counts.get("429"), counts
    assert "error" not in counts, counts
    replies = [flooder.call("POST", "exams/cert/answers", wrong) for _ in range(30)]
    r = next(r for r in replies if r.status_code == 429)  # what the quiz shows the flooder
    assert r.json()["message"] == TOO_MANY and int(r.headers["Retry-After"]) >= 1
    rows = refusal_rows(hub)[before_rows:]
    total = sum(counts.values())
    assert {(r["user"], r["code"]) for r in rows} <= {(flooder.name, "wrong-paper"),
                                                     (flooder.name, "too-many")}  # fmt: skip
    assert len(rows) <= 2 * 2  # two codes, the flood spans at most two minutes
    time.sleep(1.5)  # the service writes the counts it holds once a second
    s = service(hub)
    counted = sum(r["count"] for r in s.refusals() if r["user"] == flooder.name)
    s.close()
    assert counted >= total + 30, (counted, total)  # each refused request is counted
    grown = db_bytes(hub) - before_bytes
    assert grown < 256 * 1024, f"{total} refused requests grew the database by {grown} bytes"
    s = service(hub)
    assert s.answers("cert", other.name, 1) == {1 + i % 8: "A" for i in range(30)}
    s.close()


def test_made_up_tokens_write_nothing(hub: LocalHub, members: dict[str, Member]) -> None:
    m = members[hub.logins[2]]
    m.run(FLOOD)
    time.sleep(1.5)  # counts the service still held from earlier tests are written by now
    before_rows, before_bytes = refusal_rows(hub), db_bytes(hub)
    out = m.run(
        "print(json.dumps(flood(5, 'exams/cert/answers', {'n': 1}, forged=True, threads=8)))"
    )
    counts = json.loads(out.splitlines()[-1])
    assert set(counts) == {"403"} and counts["403"] >= 16, counts
    assert refusal_rows(hub) == before_rows  # not a row, not a count
    assert db_bytes(hub) == before_bytes


def test_maximum_size_answers_past_the_cap_are_refused(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    hub.cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    m = members[hub.logins[0]]
    paper = patient(m, "GET", "exams/drill").json()
    size = len(paper["paper_json"]["items"])
    assert patient(m, "POST", "exams/drill/start", {"paper": paper["paper"]}).status_code == 200
    big = "长" * (R.MAX_ANSWER_BYTES // 3 - 2)
    cap = R.ANSWERS_PER_QUESTION * size
    code = (
        "import json, os, time, urllib.error, urllib.request\n"
        "URL, TOKEN = os.environ['EXAM_TOOLS_SERVICE_URL'], os.environ['JUPYTERHUB_API_TOKEN']\n"
        "seen, i = [], 0\n"
        f"while i < {cap + 10}:\n"
        f"    body = {{'member': os.environ['JUPYTERHUB_USER'], 'paper': {paper['paper']!r},\n"
        f"            'attempt': 1, 'n': 1 + i % 2, 'value': {big!r}}}\n"
        "    req = urllib.request.Request(f'{URL}/api/exams/drill/answers', method='POST',\n"
        "        data=json.dumps(body).encode(), headers={'Authorization': f'token {TOKEN}'})\n"
        "    try:\n"
        "        urllib.request.urlopen(req, timeout=30).close()\n"
        "        seen.append(200)\n"
        "    except urllib.error.HTTPError as e:\n"
        "        if e.code == 429:\n"
        "            time.sleep(0.2)\n"
        "            continue\n"
        "        seen.append(json.loads(e.read())['error'])\n"
        "    i += 1\n"
        "print(json.dumps(seen))\n"
    )
    seen = json.loads(m.run(code, 300).splitlines()[-1])
    assert seen[:cap] == [200] * cap
    # past the cap a new row is refused; a save of the question last kept only replaces that row
    assert seen[cap:] == ["too-many-answers", 200] * 5
    s = service(hub)
    count, stored = s.db.execute(
        "select count(*), sum(length(cast(value as blob))) from answers where exam = 'drill' "
        "and member = ?", (m.name,)).fetchone()  # fmt: skip
    s.close()
    assert count == cap and stored <= cap * R.MAX_ANSWER_BYTES


def test_mistake_papers_past_the_daily_cap_are_refused(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    m = members[hub.logins[2]]
    s = service(hub)
    if "drill" not in [e["id"] for e in s.exams()]:
        hub.cli("exam", "open", "drill", "--practice", "rice/practice", "--service-db",
                str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    paper = s.paper("drill", m.name)
    key = key_from_compact(paper, s.key("drill"))
    s.close()
    judge = next(k for k in key.items if k.type is QType.JUDGE)
    assert patient(m, "POST", "exams/drill/start", {"paper": paper.id}).status_code == 200
    body = {"paper": paper.id, "attempt": 1, "n": judge.n}
    assert patient(m, "POST", "exams/drill/answers", {**body, "value": not judge.answer}).ok
    assert patient(m, "POST", "exams/drill/check", body).json()["correct"] is False
    made = [patient(m, "POST", "mistakes", {}) for _ in range(R.REVIEWS_PER_DAY + 3)]
    assert [r.status_code for r in made] == [200] * R.REVIEWS_PER_DAY + [409] * 3
    assert made[-1].json()["error"] == "too-many-reviews" and "明天" in made[-1].json()["message"]
    s = service(hub)
    reviews = s.db.execute("select count(*) from reviews where member = ?", (m.name,)).fetchone()
    s.close()
    assert reviews[0] == R.REVIEWS_PER_DAY


def test_a_question_number_with_a_newline_forges_no_log_line(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    m = members[hub.logins[1]]
    s = service(hub)
    paper = s.paper("cert", m.name).id
    s.close()
    forged = f"  2026-12-01 09:00:00 {hub.teacher} → {m.name}（cert）+600 分钟 +5 次：老师同意"
    out = m.run(
        "import json, os, urllib.error, urllib.request\n"
        "URL, TOKEN = os.environ['EXAM_TOOLS_SERVICE_URL'], os.environ['JUPYTERHUB_API_TOKEN']\n"
        f"body = {{'member': os.environ['JUPYTERHUB_USER'], 'paper': {paper!r}, 'attempt': 1,\n"
        f"        'n': '1\\n' + {forged!r} + '\\n', 'value': 'A'}}\n"
        "req = urllib.request.Request(f'{URL}/api/exams/cert/answers', method='POST',\n"
        "    data=json.dumps(body).encode(), headers={'Authorization': f'token {TOKEN}'})\n"
        "try:\n    urllib.request.urlopen(req, timeout=30)\n"
        "except urllib.error.HTTPError as e:\n    print(e.code, json.loads(e.read())['error'])\n"
    )
    assert out.split() == ["400", "bad-request"]
    log = hub.cli("exam", "log", "cert", "--service-db", str(hub.service_db))
    assert "延时和加机会 0 条" in log
    assert not [line for line in log.splitlines() if line.startswith("  2026-12-01")], log
    assert all(line.startswith(("延时", "被拒绝", "  20")) for line in log.splitlines()), log
    status = hub.cli("exam", "status", "cert", "--service-db", str(hub.service_db))
    assert all(line.startswith(("共 ", "  ")) for line in status.splitlines()), status
