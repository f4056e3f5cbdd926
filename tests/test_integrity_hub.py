"""Issue 16, items 1 and 2, on a real JupyterHub: a score comes only from the exam service, and
no member sees a question before the exam opens and their own 开始考试.

Needs root (a LocalHub: Unix accounts ``etint-…``, removed afterwards) and the hub venv; ports
18200-18204 are this file's own. Each attack is made as the member would make it: from their own
kernel, with their own server's hub token, through the real nbgrader exchange; the outcome is read
from HTTP status codes, the service's database, and the grades ``exam-tools grade`` writes (the
records database and nbgrader's gradebook).
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from exam_tools.bank.model import QType
from exam_tools.course.key import key_from_compact
from exam_tools.course.paper import build_paper
from exam_tools.course.pool import ExamSpec
from exam_tools.hub.localhub import LocalHub
from exam_tools.service.store import ServiceStore

from .conftest import DATA, ROOT, running_hub
from .test_service_hub import Member

COURSE = "etintc"
PORT = 18200


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=4, port=PORT, prefix="etint-", course=COURSE,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)},
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb")  # fmt: skip
    yield from running_hub(local)


@pytest.fixture(scope="module")
def members(hub: LocalHub) -> dict[str, Member]:
    with ThreadPoolExecutor(2) as pool:  # a busy two-core machine
        return {m.name: m for m in pool.map(lambda n: Member(hub, n), hub.logins)}


def formgrader(hub: LocalHub, action: str, assignment: str) -> None:
    """What the instructor's formgrader buttons do (generate, release, collect), as the grader."""
    t = hub.session(hub.teacher)
    deadline = time.monotonic() + 90  # the course's formgrader service may still be starting
    while t.http.get(f"{hub.url}/services/{COURSE}/formgrader/", timeout=60).status_code != 200:
        assert time.monotonic() < deadline, "formgrader not up"
        time.sleep(1)
    xsrf = t.http.cookies.get("_xsrf", path=f"/services/{COURSE}/") or ""
    r = t.http.post(f"{hub.url}/services/{COURSE}/formgrader/api/assignment/{assignment}/{action}",
                    headers={"X-XSRFToken": xsrf}, timeout=300)  # fmt: skip
    assert r.status_code == 200 and r.json()["success"], r.text[-2000:]


def stamp(ts: float) -> str:
    """A time for --opens/--closes, with its offset (a time without one is Beijing time)."""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


def release(hub: LocalHub, name: str, *options: str) -> None:
    """assign, hand the exam to the service (``exam open``), then nbgrader generate and release."""
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--name", name,
            "--courses", str(DATA / "courses"), "--force")  # fmt: skip
    hub.cli("exam", "open", name, "--course-dir", str(root), "--service-db", str(hub.service_db),
            *options)  # fmt: skip
    subprocess.run(["chown", "-R", f"{hub.grader}:{hub.grader}", str(root)], check=True)
    formgrader(hub, "assign", name)
    formgrader(hub, "release", name)


def service(hub: LocalHub) -> ServiceStore:
    return ServiceStore(hub.service_db)


def answers_for(paper: Any, compact: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in key_from_compact(paper, compact).items:
        if k.type is QType.FILL:
            out[str(k.n)] = [alts[0] for alts in k.answer]
        elif k.type is QType.MULTIPLE:
            out[str(k.n)] = list(k.answer)
        elif k.type is not QType.SHORT:
            out[str(k.n)] = k.answer
    return out


def test_no_question_before_the_exam_opens_and_no_paper_before_the_start(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    m = members[hub.logins[0]]
    release(hub, "early", "--opens", stamp(time.time() + 3600))
    # an hour before --opens: no route gives a question
    early = m.call("GET", "exams/early")
    assert early.status_code == 409 and early.json()["error"] == "not-open", early.text
    assert "考试还没有开始" in early.json()["message"] and "paper_json" not in early.text
    start = m.call("POST", "exams/early/start", {"paper": "x"})
    assert start.status_code == 409 and "paper_json" not in start.text
    listed = m.call("GET", "exams")
    assert listed.status_code == 200
    [entry] = [e for e in listed.json()["exams"] if e["exam"] == "early"]
    assert entry["open"] is False and "stem" not in listed.text and "questions" not in listed.text
    s = service(hub)
    drawn = s.db.execute("select count(*) from papers where exam = 'early'").fetchone()[0]
    stem = s.paper("early", "nobody").items[0].stem  # a question's text, to look for below
    s.db.execute("delete from papers where member = 'nobody'")
    s.close()
    assert drawn == 0  # not even drawn at the service
    # the released files, fetched through nbgrader and read from the member's own kernel, and the
    # exchange's outbound copy: a launcher, no pool and no seed
    m.session.nbgrader("fetch", COURSE, "early")
    out = m.run(
        "import glob, json, os\n"
        f"mine = os.path.expanduser('~/{COURSE}/early')\n"
        f"out = glob.glob('{hub.base}/exchange/{COURSE}/outbound/early/*')\n"
        "texts = {p: open(p, encoding='utf-8').read() for p in glob.glob(mine + '/*') + out\n"
        "         if os.path.isfile(p)}\n"
        "spec = json.load(open(mine + '/exam.json', encoding='utf-8'))\n"
        f"print(json.dumps([sorted(spec), sorted(spec['assessment']), len(texts),\n"
        f"                  [p for p, t in texts.items() if {stem!r} in t],\n"
        "                  os.path.exists(mine + '/exam.paper.json')]))"
    )
    keys, assessment, files, with_stem, paper_file = json.loads(out)
    assert "questions" not in keys and "seed" not in keys and "rules" not in assessment, keys
    assert files >= 4 and with_stem == [] and paper_file is False
    # the exam opens: the member's notebook shows 开始考试, and only then the paper comes
    hub.cli("exam", "open", "early", "--course-dir", str(hub.course_root),
            "--service-db", str(hub.service_db), "--opens", stamp(time.time() - 5))  # fmt: skip
    opened = m.call("GET", "exams/early")
    assert opened.status_code == 200 and "paper_json" not in opened.json(), opened.text
    out = m.run(
        f"os.chdir(os.path.expanduser('~/{COURSE}/early'))\n"
        "from exam_tools.quiz.exam import open_exam\n"
        "app = open_exam('exam.json', intro=True, timer=False)\n"
        "before = [type(app).__name__, os.path.exists('exam.paper.json'), app.attempt is None]\n"
        "app.begin_button.click()\n"
        "paper = json.load(open('exam.paper.json', encoding='utf-8'))\n"
        "print(json.dumps([before, paper['id'], paper['member'], app.attempt is not None]))"
    )
    before, paper_id, owner, started = json.loads(out)
    assert before == ["ServiceExamLauncher", False, True] and started
    s = service(hub)
    assert paper_id == s.paper("early", m.name).id and owner == m.name
    assert len(s.attempts("early", m.name)) == 1
    s.close()


def test_a_score_comes_only_from_the_service(hub: LocalHub, members: dict[str, Member]) -> None:
    """Four members: one sits the exam in 我的学习 through the service; one hands in through
    nbgrader without starting at the service; one writes a full-marks submission into the
    exchange's inbound/ in the fourth member's name. After collect, export and grade only the
    first has a score."""
    from nbgrader.api import Gradebook, MissingEntry

    from exam_tools.hub.logins import read_map
    from exam_tools.records.db import open_db

    honest, bypass, forger, victim = (members[n] for n in hub.logins)
    release(hub, "sure")
    root = hub.course_root
    compact = json.loads((root / "exam_tools" / "sure.key.json").read_text("utf-8"))["key"]
    kept = root / "exam_tools" / "sure.exam.json"
    spec = ExamSpec.from_dict(json.loads(
        (kept if kept.exists() else root / "source" / "sure" / "exam.json").read_text("utf-8")))  # fmt: skip

    def paper_of(member: str) -> Any:  # what a member who had the pool and seed could compute
        return build_paper(spec.questions, spec.course, spec.assessment, member=member,
                           seed=spec.seed)  # fmt: skip

    # the honest member sits the exam at the service, from their own kernel
    s = service(hub)
    right = answers_for(s.paper("sure", honest.name), s.key("sure"))
    s.close()
    honest.session.nbgrader("fetch", COURSE, "sure")
    out = honest.run(
        f"import json, os\nos.chdir(os.path.expanduser('~/{COURSE}/sure'))\n"
        "from exam_tools.quiz.exam import open_exam\n"
        "app = open_exam('exam.json', timer=False)\n"
        f"for n, v in json.loads({json.dumps(right)!r}).items():\n"
        "    app.store.set_answer(int(n), v)\n"
        "app.confirm_submit()\nprint(app.submitted)"
    )
    assert out.split() == ["True"]
    # the bypass: fetch, write a paper and full-marks responses, nbgrader submit; never at the service
    bypass.session.nbgrader("fetch", COURSE, "sure")
    paper = paper_of(bypass.name)
    doc = {"format": "exam-tools/responses", "version": 1, "paper": paper.id,
           "course": paper.course, "assessment": paper.assessment, "member": bypass.name,
           "mode": "exam", "attempts": [{"number": 1, "started_at": "2026-12-01T09:00:00+08:00",
           "deadline": "2026-12-01T09:20:00+08:00", "submitted_at": "2026-12-01T09:05:00+08:00",
           "submitted_by": "member", "answers": answers_for(paper, compact), "checked": [],
           "position": 1}]}  # fmt: skip
    bypass.session.save_text(f"{COURSE}/sure/exam.paper.json", paper.to_json())
    bypass.session.save_text(f"{COURSE}/sure/exam.paper.responses.json", json.dumps(doc))
    bypass.session.nbgrader("submit", COURSE, "sure")
    # the forger: a full-marks submission in the victim's name, written straight into inbound/
    vpaper = paper_of(victim.name)
    vdoc = {**doc, "paper": vpaper.id, "member": victim.name,
            "attempts": [{**doc["attempts"][0], "answers": answers_for(vpaper, compact)}]}  # fmt: skip
    forger.run(
        "import os, json, time\n"
        f"d = '{hub.base}/exchange/{COURSE}/inbound/{victim.name}+sure+'"
        " + time.strftime('%Y-%m-%d %H:%M:%S.000000 UTC', time.gmtime()) + '+forged'\n"
        "os.mkdir(d)\n"
        "open(d + '/timestamp.txt', 'w').write(d.split('+')[2])\n"
        f"open(d + '/exam.paper.json', 'w').write({vpaper.to_json()!r})\n"
        f"open(d + '/exam.paper.responses.json', 'w').write({json.dumps(vdoc)!r})\n"
    )
    # the instructors: collect (which takes all of it), export the service, grade
    formgrader(hub, "collect", "sure")
    assert (root / "submitted" / victim.name / "sure" / "exam.paper.responses.json").exists()
    assert (root / "submitted" / bypass.name / "sure" / "exam.paper.responses.json").exists()
    hub.cli("exam", "export", "sure", "--course-dir", str(root),
            "--service-db", str(hub.service_db))  # fmt: skip
    db = hub.base / "grades-sure.db"
    said = hub.cli("grade", "sure", "--course-dir", str(root), "--db", str(db),
                   "--hub", str(hub.base / "hub"))  # fmt: skip
    login_of = {mid: login for login, mid in read_map(hub.base / "hub").items()}
    rows = open_db(db).query("select member, score from attempts where assignment = 'sure'")
    scores = {login_of[r["member"]]: r["score"] for r in rows}
    s = service(hub)
    key = key_from_compact(s.paper("sure", honest.name), s.key("sure"))
    in_service = {r[0] for r in s.db.execute("select member from attempts where exam = 'sure'")}
    s.close()
    full = sum(k.points for k in key.items if k.type is not QType.SHORT)
    assert in_service == {honest.name}  # only the honest member started at the service
    assert scores == {honest.name: full}, said
    for cheat in (bypass, victim):
        assert f"党员 {cheat.name}：未通过考试服务交卷，提交不评分" in said, said
    # nbgrader's gradebook (formgrader shows it) holds the same: nothing for the other two
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert gb.find_submission("sure", honest.name).score == full
        for cheat in (bypass, victim):
            with pytest.raises(MissingEntry):
                gb.find_submission("sure", cheat.name)


def test_my_study_lists_the_service_exam_and_hands_in_to_the_service_only(
    hub: LocalHub, members: dict[str, Member]
) -> None:
    """待考 in 我的学习 lists the exam from the service; 开始考试 brings the paper; 交卷 goes to the
    service and nothing goes through nbgrader's exchange."""
    m = members[hub.logins[2]]
    release(hub, "land", "--title", "在我的学习里考")
    m.kernel = m.session.start_kernel()
    out = m.run(
        "import json, os\nimport ipywidgets as w\nfrom exam_tools.quiz.landing import Landing\n"
        "page = Landing(root=os.path.expanduser('~'))\npage.heartbeat.stop()\n"
        "[tile] = [b for b in page.body.children if isinstance(b, w.Button)\n"
        "          and '考试：在我的学习里考' in b.description]\n"
        # on the hub a tile's request runs in the background (issue 17 item 6): wait for it
        "print(json.dumps(tile.description))\ntile.click()\npage.working.join(60)\n"
        "paper = os.path.join(str(page.home), '考试', 'land', 'exam.paper.json')\n"
        "before = os.path.exists(paper)\n"
        "page.launcher.begin_button.click()\napp = page.app\n"
        "app.store.set_answer(1, 'A')\napp.confirm_submit()\n"
        "print(json.dumps([before, os.path.exists(paper), app.submitted, page.status.value]))"
    )
    tile, (before, after, submitted, status) = (json.loads(x) for x in out.splitlines()[-2:])
    assert "点这里开始考试" in tile and not before and after and submitted, out
    assert "已交给考试服务" in status
    s = service(hub)
    [(number, by)] = s.db.execute("select number, submitted_by from attempts "
                                  "where exam = 'land' and member = ?", (m.name,)).fetchall()  # fmt: skip
    assert s.answers("land", m.name, 1) == {1: "A"} and (number, by) == (1, "member")
    s.close()
    assert not [p for p in Path(hub.base, "exchange", COURSE, "inbound").iterdir()
                if p.name.startswith(f"{m.name}+land+")]  # fmt: skip


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_a_members_exam_day_in_a_browser(hub: LocalHub, size: str) -> None:
    """Issue 17's exam day in headless Chromium through this hub, at 390x844 and 1366x768: log in
    with the card → 我的学习 greets by the roster name, the exam's tile says its title and state →
    the rules → 开始考试 → answer → 交卷 → 已交卷, with nothing that starts attempt 2 → 退出登录 →
    the next person at the same browser sees the login page. No Latin word on any page of it."""
    from playwright.sync_api import expect, sync_playwright

    from .test_attempts_ui import VISIBLE_BUTTONS
    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from .test_member_day_hub import LOGIN_H1, body_text, latin_words
    from .test_member_ui import PC, PHONE, WAIT, check_controls, log_in, shot

    name = hub.logins[3]
    exam, title = f"day-{size}", "手机上的认证考试" if size == "phone" else "电脑上的认证考试"
    release(hub, exam, "--title", title)
    hub.cli("exam", "publish-records", "--service-db", str(hub.service_db), "--db",
            str(hub.base / "roster.db"), "--hub", str(hub.base / "hub"),
            "--courses", str(DATA / "courses"))  # fmt: skip
    roster_id = json.loads((hub.base / "hub" / "accounts.json").read_text("utf-8"))[name]
    person = f"党员{roster_id.rsplit('m', 1)[-1]}"
    viewport = PHONE if size == "phone" else PC
    texts: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport=viewport)
            page = context.new_page()
            page.goto(f"{hub.url}/hub/login", timeout=WAIT)
            texts.append(body_text(page))
            landing = log_in(page, hub.url, name, hub.passwords[name])
            tile = landing.get_by_role("button", name=re.compile(f"考试：{title}"))
            back = landing.get_by_role("button", name="◀ 返回我的学习")
            expect(tile.or_(back).first).to_be_visible(timeout=WAIT)
            if back.is_visible():  # what was open last time (the other size's run) comes back
                back.click()
            expect(landing).to_contain_text(f"您好，{person}！", timeout=WAIT)
            expect(tile).to_be_visible(timeout=WAIT)
            expect(tile).to_contain_text("【可以开始】")
            check_controls(page, landing, f"day {size}")
            shot(page, f"day-tiles-{size}")
            texts.append(body_text(page))
            tile.click()
            begin = landing.get_by_role("button", name="开始考试", exact=True)
            expect(begin).to_be_visible(timeout=WAIT)
            texts.append(body_text(page))
            begin.click()
            quiz = landing.locator(".exam-tools-quiz").nth(0)
            expect(quiz.locator(".et-question")).to_be_visible(timeout=WAIT)
            expect(quiz).to_contain_text(f"党员：{person}")  # the name, not the login
            assert name not in body_text(page)
            choices = quiz.locator(".widget-radio-box label")
            if choices.count():  # the first question, if it is a single choice
                choices.first.click()
            texts.append(body_text(page))
            quiz.get_by_role("button", name="交卷", exact=True).click()
            quiz.get_by_role("button", name="确定交卷").click()
            expect(quiz).to_contain_text("已交卷", timeout=WAIT)
            shown = quiz.locator("button").evaluate_all(VISIBLE_BUTTONS)
            assert not [t for t in shown if "开始" in t or "再练" in t or "作答" in t], shown
            check_controls(page, quiz, f"day handed in {size}")
            shot(page, f"day-handed-in-{size}")
            texts.append(body_text(page))
            page.get_by_text("退出登录").first.click()
            expect(page.locator("h1")).to_have_text(LOGIN_H1, timeout=WAIT)
            texts.append(body_text(page))
            after = context.new_page()  # the next person at the same browser
            after.goto(f"{hub.url}/user/{name}/", timeout=WAIT)
            expect(after.locator("h1")).to_have_text(LOGIN_H1, timeout=WAIT)
            assert after.locator(".et-landing").count() == 0
            shot(after, f"day-next-person-{size}")
        finally:
            browser.close()
    s = service(hub)
    [(number, by)] = s.db.execute("select number, submitted_by from attempts where exam = ? "
                                  "and member = ?", (exam, name)).fetchall()  # fmt: skip
    s.close()
    assert (number, by) == (1, "member")  # one attempt, handed in by the member
    wrong = [w for t in texts for w in latin_words(t, [name, roster_id, hub.url])]
    assert wrong == [], wrong
