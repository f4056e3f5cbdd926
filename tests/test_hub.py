"""A real JupyterHub on localhost, set up by `exam-tools hub init` and `exam-tools hub users`.

Needs root (it creates Unix accounts, all named ``ethub-…`` with homes under a temporary folder,
and removes them afterwards, also after a failure) and the hub's venv that .ci/run builds from
Debian's Python (hub-notes 1). Ports 18010-18013 are this file's own. Three members and an
instructor log in over HTTP as a browser would; the nbgrader cycle runs through their servers and
the course's formgrader service; then one member tries to read what is not theirs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import read_paper
from exam_tools.hub.client import HubClientError, HubSession
from exam_tools.hub.config import LANDING
from exam_tools.hub.jhconfig import landing_url
from exam_tools.hub.localhub import LocalHub

from .conftest import DATA, ROOT, running_hub

COURSE = "ethubc"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=3, port=18010, prefix="ethub-", course=COURSE,
                     landing=ROOT / "notebooks" / "member" / LANDING,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)})  # fmt: skip
    yield from running_hub(local)


@pytest.fixture(scope="module")
def sessions(hub: LocalHub) -> dict[str, HubSession]:
    """One logged-in session per account, reused by the tests."""
    return {}


def session(hub: LocalHub, sessions: dict[str, HubSession], name: str) -> HubSession:
    if name not in sessions:
        sessions[name] = hub.session(name)
    return sessions[name]


def test_accounts_are_idempotent_and_homes_private(
    hub: LocalHub, sessions: dict[str, HubSession]
) -> None:
    import pwd

    before = {n: pwd.getpwnam(n).pw_uid for n in hub.logins}
    out = hub.cli("hub", "users", str(hub.base / "hub"), "--db", str(hub.base / "roster.db"),
                  "--cards", str(hub.base / "again.html"))  # fmt: skip
    assert "新设密码 0 个" in out
    assert {n: pwd.getpwnam(n).pw_uid for n in hub.logins} == before
    again = (hub.base / "again.html").read_text("utf-8")
    assert all(hub.passwords[n] not in again for n in hub.logins)
    for name in hub.logins:
        home = Path(pwd.getpwnam(name).pw_dir)
        assert home.stat().st_mode & 0o077 == 0
        assert (home / LANDING).exists()


def test_members_land_on_the_voila_page(hub: LocalHub, sessions: dict[str, HubSession]) -> None:
    with ThreadPoolExecutor(3) as pool:
        pages = list(pool.map(lambda n: (n, session(hub, sessions, n).follow(session(hub, sessions, n).user_url())),
                              hub.logins))  # fmt: skip
    for name, page in pages:
        assert page.status_code == 200, name
        assert page.url == f"{hub.url}/user/{name}{landing_url({'member': {'landing': LANDING}})}"
        text = page.content.decode("utf-8")
        assert "voila" in text.lower() and "我的学习" in text
        assert "cdn.jsdelivr" not in text
        [fa] = re.findall(r'href="([^"]+fontawesome[^"]+all\.min\.css)"', text)
        assert session(hub, sessions, name).http.get(hub.url + fa, timeout=30).status_code == 200


def test_a_login_goes_straight_to_the_page_of_a_running_server(
    hub: LocalHub, sessions: dict[str, HubSession]
) -> None:
    """A member whose server runs (prestarted, or still up) is sent from the login to 我的学习
    itself: no stop at /user/<login>/ on the way (one round trip less on a phone)."""
    member = hub.logins[0]
    session(hub, sessions, member)  # logged in once: the server runs
    fresh = HubSession(hub.url, member)
    r = fresh.http.post(fresh.base + "hub/login?next=", timeout=120, allow_redirects=False,
                        data={"username": member, "password": hub.passwords[member],
                              "_xsrf": fresh._hub_xsrf()})  # fmt: skip
    landing = f"/user/{member}{landing_url({'member': {'landing': LANDING}})}"
    assert (r.status_code, r.headers["Location"]) == (302, landing)
    page = fresh.follow(r.headers["Location"])
    assert page.status_code == 200 and "voila_finish" in page.text
    assert [h.url for h in page.history if h.url.endswith(f"/user/{member}/")] == []
    # an instructor keeps JupyterHub's own way to JupyterLab
    t = session(hub, sessions, hub.teacher)
    teacher = HubSession(hub.url, hub.teacher)
    r = teacher.http.post(teacher.base + "hub/login?next=", timeout=120, allow_redirects=False,
                          data={"username": hub.teacher, "password": hub.passwords[hub.teacher],
                                "_xsrf": teacher._hub_xsrf()})  # fmt: skip
    assert (r.status_code, r.headers["Location"]) == (302, f"/user/{hub.teacher}/"), t.name


def test_only_members_and_instructors_with_the_right_password_get_in(
    hub: LocalHub, sessions: dict[str, HubSession]
) -> None:
    from exam_tools.hub.system import ensure_user, set_password

    page = requests.get(f"{hub.url}/hub/login", timeout=30)
    text = page.content.decode("utf-8")
    assert "党员学习平台 登录" in text and 'name="_xsrf"' in text
    with pytest.raises(HubClientError):
        HubSession(hub.url, hub.logins[0]).login("00000000" + hub.passwords[hub.logins[0]])
    # a real account with a right password, but in neither group (like a system account)
    ensure_user("ethub-x", [], hub.base / "home")
    set_password("ethub-x", "Right-pw-123")
    with pytest.raises(HubClientError):
        HubSession(hub.url, "ethub-x").login("Right-pw-123")


def test_instructor_gets_chinese_jupyterlab_and_formgrader(
    hub: LocalHub, sessions: dict[str, HubSession]
) -> None:
    t = session(hub, sessions, hub.teacher)
    lab = t.follow(t.user_url())
    assert lab.status_code == 200 and lab.url == t.user_url("lab")
    setting = t.api("GET", "lab/api/settings/@jupyterlab/translation-extension:plugin").json()
    assert setting["schema"]["properties"]["locale"]["default"] == "zh_CN"
    pack = t.api("GET", "lab/api/translations/zh_CN").json()
    assert pack["data"]["jupyterlab"][""]["language"] == "zh-CN"
    deadline = time.monotonic() + 60  # the course's formgrader service may still be starting
    while True:
        fg = t.http.get(f"{hub.url}/services/{COURSE}/formgrader/", timeout=60)
        if fg.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert fg.status_code == 200 and "nbgrader" in fg.text
    assert "frame-ancestors 'self'" in fg.headers["Content-Security-Policy"]
    member = session(hub, sessions, hub.logins[0])
    assert (
        member.http.get(f"{hub.url}/services/{COURSE}/formgrader/", timeout=60).status_code == 403
    )


def formgrader(
    hub: LocalHub, sessions: dict[str, HubSession], action: str, assignment: str = "cert"
) -> None:
    t = session(hub, sessions, hub.teacher)
    t.http.get(f"{hub.url}/services/{COURSE}/formgrader/", timeout=60)
    xsrf = t.http.cookies.get("_xsrf", path=f"/services/{COURSE}/") or ""
    r = t.http.post(f"{hub.url}/services/{COURSE}/formgrader/api/assignment/{assignment}/{action}",
                    headers={"X-XSRFToken": xsrf}, timeout=300)  # fmt: skip
    assert r.status_code == 200 and r.json()["success"], r.text[-2000:]


def chown_to_grader(hub: LocalHub, path: Path) -> None:
    subprocess.run(["chown", "-R", f"{hub.grader}:{hub.grader}", str(path)], check=True)


def test_nbgrader_cycle_through_the_hub(
    hub: LocalHub, sessions: dict[str, HubSession], bank: Bank, tmp_path: Path
) -> None:
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--courses", str(DATA / "courses"))
    chown_to_grader(hub, root)
    formgrader(hub, sessions, "assign")  # nbgrader generate_assignment, in the grader's service
    formgrader(hub, sessions, "release")
    expected = {}
    for name, right in zip(hub.logins, (True, False, None), strict=True):
        if right is None:  # this one on a phone, in 我的学习: nothing answered, 交卷
            take_the_exam_in_a_browser(hub, name)
            expected[name] = 0.0
            continue
        m = session(hub, sessions, name)
        m.nbgrader("fetch", COURSE, "cert")
        kernel = m.start_kernel()
        # what running the released notebook and tapping 开始考试 do: draw the paper, begin
        ran = m.execute(kernel, f'import os\nos.chdir(os.path.expanduser("~/{COURSE}/cert"))\n'
                                'from exam_tools.quiz.exam import open_exam\napp = open_exam("exam.json", intro=True)\n'
                                'assert app.attempt is None\napp.begin_button.click()')  # fmt: skip
        assert ran["error"] is None, ran
        paper_file = tmp_path / f"{name}.paper.json"
        paper_file.write_text(m.read_file(f"{COURSE}/cert/exam.paper.json").json()["content"])
        paper = read_paper(paper_file)
        assert paper.member == name
        key = answer_key(paper, bank)
        responses = json.loads(m.read_file(f"{COURSE}/cert/exam.paper.responses.json")
                               .json()["content"])  # fmt: skip
        answers = {}
        for k in key.items:
            if k.type is QType.SHORT or right is None:
                continue
            answers[str(k.n)] = (
                [alts[0] for alts in k.answer] if k.type is QType.FILL
                else list(k.answer) if k.type is QType.MULTIPLE else k.answer
            ) if right else ([] if k.type is QType.MULTIPLE else "")  # fmt: skip
        responses["attempts"][-1]["answers"] = answers
        saved = m.save_text(f"{COURSE}/cert/exam.paper.responses.json", json.dumps(responses))
        assert saved.status_code == 200
        m.nbgrader("submit", COURSE, "cert")
        short = sum(k.points for k in key.items if k.type is QType.SHORT)
        expected[name] = paper.total_points - short if right else 0.0
    formgrader(hub, sessions, "collect")
    for name in hub.logins:
        assert (root / "submitted" / name / "cert" / "exam.paper.responses.json").exists()
    db = hub.base / "grades.db"
    hub.cli("grade", "cert", "--course-dir", str(root), "--db", str(db))
    from exam_tools.hub.logins import read_map
    from exam_tools.records.db import open_db

    # results are recorded under each member's roster id (the hub's map), not the login name
    roster_of = read_map(hub.base / "hub")
    assert set(hub.logins) <= set(roster_of)
    scores = {
        r["member"]: r["score"] for r in open_db(db).query("select member, score from attempts")
    }
    assert scores == {roster_of[login]: score for login, score in expected.items()}
    hub.cli("feedback", "cert", "--course-dir", str(root), "--db", str(hub.base / "roster.db"))
    chown_to_grader(hub, root / "feedback")
    formgrader(hub, sessions, "release_feedback")
    first = session(hub, sessions, hub.logins[0])
    first.nbgrader("fetch_feedback", COURSE, "cert")
    [stamp] = first.api("GET", f"api/contents/{COURSE}/cert/feedback").json()["content"]
    [page] = [f for f in first.api("GET", "api/contents/" + stamp["path"]).json()["content"]
              if f["name"].endswith(".html")]  # fmt: skip
    text = first.read_file(page["path"]).json()["content"]
    assert f"得分 {expected[hub.logins[0]]:g} / 33" in text
    names = dict(open_db(hub.base / "roster.db").execute("select id, name from members").fetchall())
    assert (
        f"党员 {names[roster_of[hub.logins[0]]]}（{hub.logins[0]}）" in text
    )  # named, from the roster
    see_the_feedback_in_a_browser(hub, hub.logins[2], expected[hub.logins[2]])


def take_the_exam_in_a_browser(hub: LocalHub, name: str) -> None:
    """Log in on a phone, tap the released exam in 待考 (the page fetches it), 开始考试, 交卷:
    the page hands it in through nbgrader's exchange."""
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from .test_member_ui import PHONE, WAIT, check_controls, log_in, shot

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        try:
            landing = log_in(page, hub.url, name, hub.passwords[name])
            tile = landing.get_by_role("button", name=re.compile("点这里开始考试"))
            expect(tile).to_be_visible(timeout=WAIT)
            tile.click()
            quiz = landing.locator(".exam-tools-quiz").nth(0)
            quiz.get_by_role("button", name="开始考试").click()
            expect(quiz.locator(".et-question")).to_be_visible(timeout=WAIT)
            expect(quiz.locator(".et-clock")).to_contain_text("剩余时间")
            check_controls(page, quiz, "hub exam")
            shot(page, "hub-exam")
            quiz.get_by_role("button", name="交卷").click()
            quiz.get_by_role("button", name="确定交卷").click()
            expect(landing).to_contain_text("试卷已交给老师", timeout=WAIT)
        finally:
            browser.close()


def see_the_feedback_in_a_browser(hub: LocalHub, name: str, score: float) -> None:
    """Back on 我的学习 after the feedback is released: one tap opens it as a page."""
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from .test_member_ui import PHONE, WAIT, log_in, shot

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        try:
            landing = log_in(page, hub.url, name, hub.passwords[name])
            back = landing.get_by_role("button", name="◀ 返回我的学习")
            tile = landing.get_by_role("button", name=re.compile("查看成绩反馈"))
            expect(tile.or_(back).first).to_be_visible(timeout=WAIT)
            if back.is_visible():
                back.click()
            tile.click()
            frame = page.frame_locator("iframe.et-feedback")
            expect(frame.locator("body")).to_contain_text(f"得分 {score:g} / 33", timeout=WAIT)
            shot(page, "hub-feedback")
        finally:
            browser.close()


def test_a_member_cannot_read_what_is_not_theirs(
    hub: LocalHub, sessions: dict[str, HubSession]
) -> None:
    import pwd

    me, other = hub.logins[0], hub.logins[1]
    other_home = Path(pwd.getpwnam(other).pw_dir)
    # the instructors' side: a bank with answers and a key file in the course directory
    shutil.copytree(ROOT / "question_bank", hub.course_root / "question_bank", dirs_exist_ok=True)
    key_file = hub.course_root / "exam_tools" / "secret.key.json"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text('{"key": "answers"}', "utf-8")
    chown_to_grader(hub, hub.course_root)
    bank_file = next((hub.course_root / "question_bank").glob("*.yaml"))
    targets = [other_home / LANDING, other_home, hub.course_root, hub.course_root / "source",
               bank_file, key_file, hub.course_root / "gradebook.db",
               hub.base / "hub" / "state" / "jupyterhub.sqlite",
               hub.base / "exchange" / COURSE / "inbound"]  # fmt: skip
    m = session(hub, sessions, me)
    for target in targets:
        # the contents API serves only the member's home
        r = m.api("GET", "api/contents/" + "../" * 8 + str(target).lstrip("/"))
        assert r.status_code in (403, 404), (target, r.status_code)
    kernel = m.start_kernel()
    code = (
        "import os\nfor p in %r:\n"
        "    try:\n"
        "        os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)\n"
        "        print('READ', p)\n"
        "    except PermissionError:\n"
        "        print('DENIED', p)\n"
    ) % [str(t) for t in targets]
    out = m.execute(kernel, code)
    assert out["error"] is None, out
    assert out["stdout"].split("\n")[:-1] == [f"DENIED {t}" for t in targets]
    # and the member's own files are theirs
    mine = m.execute(
        kernel, f"print(open({str(Path(pwd.getpwnam(me).pw_dir) / LANDING)!r}).read(1))"
    )
    assert mine["stdout"] == "{\n"


def test_removing_a_member_account_is_idempotent_and_spares_others(hub: LocalHub) -> None:
    import pwd

    gone = hub.logins[2]
    hub_dir = str(hub.base / "hub")
    home = Path(pwd.getpwnam(gone).pw_dir)
    assert "已删除" in hub.cli("hub", "remove", hub_dir, gone)
    assert not home.exists() and gone not in {p.pw_name for p in pwd.getpwall()}
    assert "跳过" in hub.cli("hub", "remove", hub_dir, gone)
    with pytest.raises(HubClientError, match="不是党员账号"):
        hub.cli("hub", "remove", hub_dir, hub.teacher)
    assert hub.teacher in {p.pw_name for p in pwd.getpwall()}
