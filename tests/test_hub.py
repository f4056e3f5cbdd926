"""A real JupyterHub on localhost, set up by `exam-tools hub init` and `exam-tools hub users`.

Needs root (it creates Unix accounts, all named ``ethub-…`` with homes under a temporary folder,
and removes them afterwards, also after a failure) and the hub's venv that .ci/run builds from
Debian's Python (hub-notes 1). Ports 18010-18013 are this file's own. Three members and an
instructor log in over HTTP as a browser would; the nbgrader cycle runs through their servers and
the course's formgrader service; then one member tries to read what is not theirs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import requests

from exam_tools.bank.model import Bank, QType
from exam_tools.course.key import answer_key
from exam_tools.course.paper import read_paper
from exam_tools.hub.client import HubClientError, HubSession
from exam_tools.hub.config import LANDING
from exam_tools.hub.jhconfig import landing_url

from .conftest import DATA, ROOT

VENV = Path(os.environ.get("EXAM_TOOLS_HUB_VENV", "/opt/exam-tools-hub"))
PORT, HUB_PORT, PROXY_API_PORT, COURSE_PORT = 18010, 18011, 18012, 18013
URL = f"http://127.0.0.1:{PORT}"
COURSE = "ethubc"
TEACHER = "ethub-t1"
GRADER = f"ethub-g-{COURSE}"
GROUPS = ("ethub-members", "ethub-instructors")


def unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root (creates Unix accounts)"
    if not (VENV / "bin" / "jupyterhub").exists():
        return f"no hub venv at {VENV} (.ci/run builds it)"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not installed (npm install -g)"
    return None


@dataclass
class Hub:
    base: Path
    course_root: Path
    passwords: dict[str, str]  # login name → first password, read from the 登录卡
    members: list[str]
    log: Path
    sessions: dict[str, HubSession] = field(default_factory=dict)

    def session(self, name: str) -> HubSession:
        """A logged-in session (one per account, reused)."""
        if name not in self.sessions:
            s = HubSession(URL, name)
            s.login(self.passwords[name])
            self.sessions[name] = s
        return self.sessions[name]

    def cli(self, *args: str) -> str:
        env = {**os.environ, "PYTHONPATH": str(self.base / "src"), "EXAM_TOOLS_ROOT": str(ROOT)}
        result = subprocess.run([sys.executable, "-m", "exam_tools", *args], env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


def ours(base: Path) -> list[str]:
    """Accounts this file made: ethub- names whose home is under an ethub- temporary folder
    (also those an earlier, killed run left behind)."""
    import pwd

    return [p.pw_name for p in pwd.getpwall()
            if p.pw_name.startswith("ethub-") and p.pw_dir.startswith(("/tmp/ethub-", str(base)))]  # fmt: skip


def cleanup(base: Path) -> None:
    from exam_tools.hub.system import remove_user

    for name in ours(base):
        remove_user(name)
    for group in GROUPS:
        subprocess.run(["groupdel", group], capture_output=True, check=False)


def write_roster(db: Path) -> None:
    from exam_tools.records.db import open_db
    from exam_tools.records.roster import Roster, org_id, store_roster

    r = Roster()
    for path in ("城关镇党委", "城关镇党委/花王村党支部"):
        parts = path.split("/")
        parent = org_id(parts[0]) if len(parts) > 1 else None
        r.orgs[path] = {"id": org_id(path), "name": parts[-1], "kind": "村", "parent": parent,
                        "path": path}  # fmt: skip
    for i, name in enumerate(("王建国", "李秀英", "张伟"), 1):
        r.members.append({"id": f"ethub-m{i}", "name": name, "org": org_id("城关镇党委/花王村党支部"),
                          "category": None, "roles": "[]", "birth_year": 1960, "joined": None,
                          "status": "正式", "flowing": 0})  # fmt: skip
    store_roster(open_db(db), r)


def landing_notebook(folder: Path) -> None:
    """The member side's landing page if this checkout has it, else a minimal stand-in."""
    folder.mkdir()
    real = ROOT / "notebooks" / "member" / LANDING
    if real.exists():
        shutil.copy(real, folder / LANDING)
        return
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 我的学习"),
                nbformat.v4.new_code_cell('import ipywidgets as w\nw.HTML("<b>待考</b>")')]  # fmt: skip
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nbformat.write(nb, folder / LANDING)


def world_readable(path: Path) -> None:
    for root, dirs, names in os.walk(path):
        for d in dirs:
            Path(root, d).chmod(0o755)
        for n in names:
            Path(root, n).chmod(0o644)


def config_yaml(base: Path) -> str:
    return f"""\
hub: {{port: {PORT}, hub_port: {HUB_PORT}, proxy_api_port: {PROXY_API_PORT}, ip: 127.0.0.1,
      prefix: {VENV}}}
users:
  member_prefix: ethub-
  member_group: {GROUPS[0]}
  instructor_group: {GROUPS[1]}
  grader_prefix: ethub-g-
  home_base: {base / "home"}
  instructors: [{TEACHER}]
exchange: {{root: {base / "exchange"}}}
courses:
  - {{id: {COURSE}, title: 测试课程, instructors: [{TEACHER}], port: {COURSE_PORT}}}
member: {{notebooks: {base / "nb"}}}
"""


def wait_for(url: str, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("JupyterHub stopped:\n" + log.read_text("utf-8", "replace")[-3000:])
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} not up in {timeout} s:\n" + log.read_text("utf-8", "replace")[-3000:])


def stop(proc: subprocess.Popen[bytes], pid_file: Path) -> None:
    """Stop the hub, then its proxy by the pid it recorded (hub-notes 10)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


@pytest.fixture(scope="module")
def hub() -> Iterator[Hub]:
    reason = unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI runs as root with the venv: this test must run there
        pytest.skip(reason)
    base = Path(tempfile.mkdtemp(prefix="ethub-", dir="/tmp"))
    proc = None
    try:
        base.chmod(0o755)
        cleanup(base)  # accounts left by an earlier run that was killed
        # the code under test, where every member's server can read it (hub-notes 1)
        shutil.copytree(ROOT / "src", base / "src", ignore=shutil.ignore_patterns("__pycache__"))
        landing_notebook(base / "nb")
        world_readable(base)
        hubdir = base / "hub"
        hubdir.mkdir()
        (hubdir / "config.yaml").write_text(config_yaml(base), "utf-8")
        write_roster(base / "roster.db")
        h = Hub(base, base / "home" / GRADER / COURSE, {}, [], hubdir / "hub.log")
        out = h.cli("hub", "init", str(hubdir))
        [(teacher, password)] = re.findall(r"教师账号 (\S+) 的初始密码：(\d+)", out)
        h.passwords[teacher] = password
        h.cli("hub", "users", str(hubdir), "--db", str(base / "roster.db"), "--org", "城关镇党委",
              "--cards", str(base / "cards.html"))  # fmt: skip
        cards = (base / "cards.html").read_text("utf-8")
        found = re.findall(r'登录名</dt><dd class="pw">([^<]+)</dd><dt>初始密码</dt>'
                           r'<dd class="pw">(\d+)</dd>', cards)  # fmt: skip
        assert len(found) == 3
        h.passwords.update(found)
        h.members = [login for login, _ in found]
        env = {**os.environ, "PYTHONPATH": str(base / "src"),
               "PATH": f"{VENV / 'bin'}:{os.environ['PATH']}"}  # fmt: skip
        with h.log.open("wb") as log:
            proc = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", "jupyterhub_config.py"],
                                    cwd=hubdir, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        wait_for(f"{URL}/hub/health", 90, proc, h.log)
        yield h
    finally:
        if proc is not None:
            stop(proc, base / "hub" / "state" / "proxy.pid")
        cleanup(base)
        shutil.rmtree(base, ignore_errors=True)


def test_accounts_are_idempotent_and_homes_private(hub: Hub) -> None:
    import pwd

    before = {n: pwd.getpwnam(n).pw_uid for n in hub.members}
    out = hub.cli("hub", "users", str(hub.base / "hub"), "--db", str(hub.base / "roster.db"),
                  "--cards", str(hub.base / "again.html"))  # fmt: skip
    assert "新设密码 0 个" in out
    assert {n: pwd.getpwnam(n).pw_uid for n in hub.members} == before
    again = (hub.base / "again.html").read_text("utf-8")
    assert all(hub.passwords[n] not in again for n in hub.members)
    for name in hub.members:
        home = Path(pwd.getpwnam(name).pw_dir)
        assert home.stat().st_mode & 0o077 == 0
        assert (home / LANDING).exists()


def test_members_land_on_the_voila_page(hub: Hub) -> None:
    with ThreadPoolExecutor(3) as pool:
        pages = list(pool.map(lambda n: (n, hub.session(n).follow(hub.session(n).user_url())),
                              hub.members))  # fmt: skip
    for name, page in pages:
        assert page.status_code == 200, name
        assert page.url == f"{URL}/user/{name}{landing_url({'member': {'landing': LANDING}})}"
        text = page.content.decode("utf-8")
        assert "voila" in text.lower() and "<title>我的学习</title>" in text
        assert "cdn.jsdelivr" not in text
        [fa] = re.findall(r'href="([^"]+fontawesome[^"]+all\.min\.css)"', text)
        assert hub.session(name).http.get(URL + fa, timeout=30).status_code == 200


def test_only_members_and_instructors_with_the_right_password_get_in(hub: Hub) -> None:
    from exam_tools.hub.system import ensure_user, set_password

    with pytest.raises(HubClientError):
        HubSession(URL, hub.members[0]).login("00000000" + hub.passwords[hub.members[0]])
    # a real account with a right password, but in neither group (like a system account)
    ensure_user("ethub-x", [], hub.base / "home")
    set_password("ethub-x", "Right-pw-123")
    with pytest.raises(HubClientError):
        HubSession(URL, "ethub-x").login("Right-pw-123")


def test_instructor_gets_chinese_jupyterlab_and_formgrader(hub: Hub) -> None:
    t = hub.session(TEACHER)
    lab = t.follow(t.user_url())
    assert lab.status_code == 200 and lab.url == t.user_url("lab")
    setting = t.api("GET", "lab/api/settings/@jupyterlab/translation-extension:plugin").json()
    assert setting["schema"]["properties"]["locale"]["default"] == "zh_CN"
    pack = t.api("GET", "lab/api/translations/zh_CN").json()
    assert pack["data"]["jupyterlab"][""]["language"] == "zh-CN"
    deadline = time.monotonic() + 60  # the course's formgrader service may still be starting
    while True:
        fg = t.http.get(f"{URL}/services/{COURSE}/formgrader/", timeout=60)
        if fg.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert fg.status_code == 200 and "nbgrader" in fg.text
    assert "frame-ancestors 'self'" in fg.headers["Content-Security-Policy"]
    member = hub.session(hub.members[0])
    assert member.http.get(f"{URL}/services/{COURSE}/formgrader/", timeout=60).status_code == 403


def formgrader(hub: Hub, action: str, assignment: str = "cert") -> None:
    t = hub.session(TEACHER)
    t.http.get(f"{URL}/services/{COURSE}/formgrader/", timeout=60)
    xsrf = t.http.cookies.get("_xsrf", path=f"/services/{COURSE}/") or ""
    r = t.http.post(f"{URL}/services/{COURSE}/formgrader/api/assignment/{assignment}/{action}",
                    headers={"X-XSRFToken": xsrf}, timeout=300)  # fmt: skip
    assert r.status_code == 200 and r.json()["success"], r.text[-2000:]


def chown_to_grader(path: Path) -> None:
    subprocess.run(["chown", "-R", f"{GRADER}:{GRADER}", str(path)], check=True)


def test_nbgrader_cycle_through_the_hub(hub: Hub, bank: Bank, tmp_path: Path) -> None:
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--courses", str(DATA / "courses"))
    chown_to_grader(root)
    formgrader(hub, "assign")  # nbgrader generate_assignment, in the grader's service
    formgrader(hub, "release")
    expected = {}
    for name, right in zip(hub.members, (True, False, None), strict=True):
        m = hub.session(name)
        m.nbgrader("fetch", COURSE, "cert")
        kernel = m.start_kernel()
        # what running the released notebook does: draws this member's paper
        ran = m.execute(kernel, f'import os\nos.chdir(os.path.expanduser("~/{COURSE}/cert"))\n'
                                'from exam_tools.quiz import show_exam\nshow_exam("exam.json")')  # fmt: skip
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
    formgrader(hub, "collect")
    for name in hub.members:
        assert (root / "submitted" / name / "cert" / "exam.paper.responses.json").exists()
    db = hub.base / "grades.db"
    hub.cli("grade", "cert", "--course-dir", str(root), "--db", str(db))
    from exam_tools.records.db import open_db

    scores = {
        r["member"]: r["score"] for r in open_db(db).query("select member, score from attempts")
    }
    assert scores == expected
    hub.cli("feedback", "cert", "--course-dir", str(root))
    chown_to_grader(root / "feedback")
    formgrader(hub, "release_feedback")
    first = hub.session(hub.members[0])
    first.nbgrader("fetch_feedback", COURSE, "cert")
    [stamp] = first.api("GET", f"api/contents/{COURSE}/cert/feedback").json()["content"]
    [page] = [f for f in first.api("GET", "api/contents/" + stamp["path"]).json()["content"]
              if f["name"].endswith(".html")]  # fmt: skip
    text = first.read_file(page["path"]).json()["content"]
    assert f"得分 {expected[hub.members[0]]:g} / 33" in text


def test_a_member_cannot_read_what_is_not_theirs(hub: Hub) -> None:
    import pwd

    me, other = hub.members[0], hub.members[1]
    other_home = Path(pwd.getpwnam(other).pw_dir)
    # the instructors' side: a bank with answers and a key file in the course directory
    shutil.copytree(ROOT / "question_bank", hub.course_root / "question_bank", dirs_exist_ok=True)
    key_file = hub.course_root / "exam_tools" / "secret.key.json"
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text('{"key": "answers"}', "utf-8")
    chown_to_grader(hub.course_root)
    bank_file = next((hub.course_root / "question_bank").glob("*.yaml"))
    targets = [other_home / LANDING, other_home, hub.course_root, hub.course_root / "source",
               bank_file, key_file, hub.course_root / "gradebook.db",
               hub.base / "hub" / "state" / "jupyterhub.sqlite",
               hub.base / "exchange" / COURSE / "inbound"]  # fmt: skip
    m = hub.session(me)
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
