"""Logins and accounts on a real JupyterHub on localhost, attacked as a member would (issue 16,
items 6, 7, 8 and 10).

Needs root (a LocalHub: Unix accounts ``etacc-…``, removed afterwards) and the hub venv; ports
18260-18264 are this file's own. ``hub init`` installs the PAM settings (``/etc/pam.d/exam-tools-hub``
and a block in ``/etc/pam.d/su``), as on a server.

- 32 clients, each from its own loopback address, post wrong passwords while members log in: the
  members' logins answer in under 5 s (they took 43.6 s behind pam_faildelay);
- an account locks after 5 wrong passwords, even for the right one, until ``hub unlock``;
- from a member's kernel, ``su`` to another member is locked the same way;
- a member changes their account's comment (GECOS) to another member's roster id: grading, manual
  scores from nbgrader's gradebook, pull-practice and publish-records still go to their own;
- with an https ``public_url`` the hub's cookies are Secure, HttpOnly and SameSite.

The pure parts (pacing, PAM files, the map's migration, cookie settings) are tested first, without
a hub.
"""

from __future__ import annotations

import http.client
import pwd
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from traitlets.config import Config

from exam_tools.hub import pam
from exam_tools.hub.accounts import login_name
from exam_tools.hub.config import load_config
from exam_tools.hub.jhconfig import apply
from exam_tools.hub.localhub import LocalHub
from exam_tools.hub.logins import fits_name, from_comments, read_map
from exam_tools.hub.throttle import TALLY_RECORD, Backoff, account_wait

from .conftest import DATA, ROOT, running_hub
from .test_service_hub import Member

COURSE = "etaccc"
PORT = 18260
WRONG = "0000000000"


# -- pure ------------------------------------------------------------------------------------


def test_backoff_paces_each_client_alone() -> None:
    b = Backoff(free=3, cap=300)
    for _ in range(3):
        assert b.wait("a", 100.0) == 0
        b.failed("a", 100.0)
    assert b.wait("a", 100.0) == 1.0  # the fourth try waits 1 s, then 2, 4 …
    b.failed("a", 101.0)
    assert b.wait("a", 101.0) == 2.0
    assert b.wait("b", 101.0) == 0  # another client is not slowed
    b.succeeded("a")
    assert b.wait("a", 101.0) == 0
    for i in range(20):
        b.failed("c", 200.0 + i)
    assert b.wait("c", 219.0) == 300.0  # capped


def test_account_wait_comes_from_the_faillock_tally() -> None:
    assert account_wait(0, 0, 1000, 1800) == 0
    assert account_wait(TALLY_RECORD, 1000, 1000, 1800) == 0  # one failure is free
    assert account_wait(3 * TALLY_RECORD, 1000, 1000.5, 1800) == 1.5
    assert account_wait(5 * TALLY_RECORD, 1000, 1000, 1800) == 8
    assert account_wait(5 * TALLY_RECORD, 1000, 3000, 1800) == 0  # forgotten after the interval


def test_pam_files_lock_after_failures_and_are_set_not_appended() -> None:
    cfg = load_config({"login": {"max_failures": 4, "lock_minutes": 10}})
    service = pam.service_file(cfg)
    assert "pam_faildelay.so" not in service and "pam_unix.so nodelay" in service
    assert "pam_faillock.so preauth deny=4 unlock_time=600" in service
    su = (
        Path("/etc/pam.d/su").read_text("utf-8")
        if Path("/etc/pam.d/su").exists()
        else ("auth       sufficient pam_rootok.so\n@include common-auth\n")
    )
    once = pam.su_file(su, cfg)
    assert pam.su_file(once, cfg) == once  # idempotent: the block is replaced, never added again
    assert once.count(pam.BEGIN) == 1
    lines = once.splitlines()
    rootok = next(i for i, line in enumerate(lines) if "pam_rootok" in line)
    assert lines[rootok + 1] == pam.BEGIN  # root's own su is untouched
    changed = pam.su_file(once, load_config({"login": {"max_failures": 6}}))
    assert "deny=6" in changed and "deny=4" not in changed and changed.count(pam.BEGIN) == 1


def test_gecos_claims_are_taken_only_where_the_login_name_fits() -> None:
    a, b = login_name("m-a", "dy"), login_name("m-b", "dy")
    # an untouched deployment: each comment names the id its login was made from
    add, problems = from_comments({a: "m-a", b: "m-b"}, "dy", {})
    assert add == {a: "m-a", b: "m-b"} and problems == []
    # b's member changed the comment to a's id: neither is taken, both reported
    add, problems = from_comments({a: "m-a", b: "m-a"}, "dy", {})
    assert add == {} and len(problems) == 2
    # a comment naming an id whose login would be another name
    add, problems = from_comments({b: "m-c"}, "dy", {})
    assert add == {} and "对不上" in problems[0]
    # a clash moved the second member one step on: that still fits
    n = int(a[2:])
    moved = f"dy{(n + 1) % 10**6:06d}"
    assert fits_name(moved, "m-a", "dy", {a, moved})
    assert not fits_name(moved, "m-a", "dy", {moved})


def test_public_url_and_cookie_flags_reach_jupyterhub() -> None:
    c = Config()
    hub = {"public_url": "https://xuexi.example.cn", "trusted_proxies": ["127.0.0.1"]}
    apply(c, load_config({"hub": hub}), Path("/srv/hub"))
    assert c.JupyterHub.public_url == "https://xuexi.example.cn/"
    assert c.JupyterHub.trusted_downstream_ips == ["127.0.0.1"]  # the TLS proxy's forwarded address
    assert c.JupyterHub.tornado_settings["cookie_options"] == {  # no expiry: a session cookie
        "httponly": True, "samesite": "Lax", "secure": True, "expires_days": None}  # fmt: skip
    c = Config()
    apply(c, load_config({}), Path("/srv/hub"))
    assert c.JupyterHub.public_url == ""
    assert "secure" not in c.JupyterHub.tornado_settings["cookie_options"]
    # the Chinese progress page after 2 s of a starting server, not 10 s of a blank browser
    assert c.JupyterHub.tornado_settings["slow_spawn_timeout"] == 2


# -- on a real hub ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=3, port=PORT, prefix="etacc-", course=COURSE,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)})  # fmt: skip
    yield from running_hub(local)


def raw_login(
    hub: LocalHub, name: str, password: str, ip: str = "127.0.0.1"
) -> tuple[int, float, list[str]]:
    """Log in as a browser at address ``ip`` would (form, then POST); the POST's status, how long
    it took, and the cookies it set."""
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=120, source_address=(ip, 0))
    try:
        conn.request("GET", "/hub/login")
        r = conn.getresponse()
        page = r.read().decode("utf-8", "replace")
        cookies = [v.split(";")[0] for k, v in r.getheaders() if k.lower() == "set-cookie"]
        m = re.search(r'name="_xsrf" value="([^"]+)"', page)
        assert m, page[:500]
        form = urlencode({"username": name, "password": password, "_xsrf": m.group(1)})
        start = time.monotonic()
        conn.request("POST", "/hub/login?next=", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(cookies)})  # fmt: skip
        r = conn.getresponse()
        r.read()
        took = time.monotonic() - start
        return r.status, took, [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    finally:
        conn.close()


def login_when_not_paced(hub: LocalHub, name: str, password: str, ip: str) -> int:
    """The status of a login tried again while the hub says to wait (429), up to 90 s."""
    deadline = time.monotonic() + 90
    while True:
        status, _, _ = raw_login(hub, name, password, ip)
        if status != 429 or time.monotonic() > deadline:
            return status
        time.sleep(1)


def unlock(hub: LocalHub, login: str) -> None:
    out = hub.cli("hub", "unlock", str(hub.base / "hub"), login)
    assert f"{login}：已解除锁定" in out


def test_wrong_passwords_do_not_slow_other_logins(hub: LocalHub) -> None:
    """32 clients post wrong passwords (half for names that are no account, half for the
    instructor's account) while two members log in with theirs."""
    stop = threading.Event()
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    def attacker(i: int) -> None:
        ip = f"127.0.2.{10 + i}"
        name = hub.teacher if i % 2 else f"etacc-nobody{i}"
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            status, _, _ = raw_login(hub, name, WRONG, ip)
            with lock:
                counts[status] += 1
            stop.wait(0.5)

    quiet = {}  # the same logins before the attack (a member's first login does more)
    for n, login in enumerate((hub.logins[0], hub.logins[2])):
        status, quiet[login], _ = raw_login(hub, login, hub.passwords[login], f"127.0.3.{n + 1}")
        assert status == 302
    took = {}
    with ThreadPoolExecutor(32) as pool:
        futures = [pool.submit(attacker, i) for i in range(32)]
        try:
            time.sleep(4)
            for n, login in enumerate((hub.logins[0], hub.logins[2])):
                status, seconds, _ = raw_login(hub, login, hub.passwords[login], f"127.0.3.{n + 1}")
                assert status == 302, (login, status)
                took[login] = seconds
        finally:
            stop.set()
        for f in futures:
            f.result()
    print(f"member logins: {quiet} quiet, {took} under attack; attackers' answers: {dict(counts)}")
    assert all(t < 5 for t in took.values()), took
    assert counts[403] > 0 and counts[429] > 0  # wrong ones refused, then paced
    assert set(counts) <= {403, 429}
    unlock(hub, hub.teacher)


def test_account_locks_after_wrong_passwords_until_unlocked(hub: LocalHub) -> None:
    b = hub.logins[1]
    failures, n = 0, 0
    deadline = time.monotonic() + 120
    while failures < 5 and time.monotonic() < deadline:
        n += 1  # a new address each time: only the account's own pacing applies
        status, _, _ = raw_login(hub, b, WRONG, f"127.0.4.{n}")
        if status == 429:
            time.sleep(1)
            continue
        assert status == 403
        failures += 1
    assert failures == 5
    # locked: the right password is refused too
    assert login_when_not_paced(hub, b, hub.passwords[b], "127.0.4.200") == 403
    unlock(hub, b)
    status, seconds, _ = raw_login(hub, b, hub.passwords[b], "127.0.4.201")
    assert status == 302 and seconds < 5


@pytest.fixture(scope="module")
def member(hub: LocalHub) -> Member:
    return Member(hub, hub.logins[0])


#: Runs a program on a terminal from the member's kernel, typing ``password`` at its prompt.
ON_A_TTY = """
import os, pty, time
def on_a_tty(argv, password):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    out, sent = b"", False
    while True:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
        if not sent and b"assword" in out:
            os.write(fd, password.encode() + b"\\n")
            sent = True
    return out.decode(errors="replace"), os.waitpid(pid, 0)[1]
"""


#: What a member account's shell (nologin) says: su took the password.
LET_IN = "This account is currently not available"


def su(member: Member, login: str, password: str) -> str:
    """What ``su`` says to the member trying ``password`` for ``login``."""
    return member.run(
        ON_A_TTY + f"print(on_a_tty(['/bin/su', '-c', 'true', {login!r}], {password!r})[0])"
    )


def test_su_from_a_kernel_is_locked_after_wrong_passwords(hub: LocalHub, member: Member) -> None:
    b = hub.logins[1]
    right = su(member, b, hub.passwords[b])
    assert LET_IN in right  # su tells a right password from a wrong one
    start = time.monotonic()
    for _ in range(5):
        assert LET_IN not in su(member, b, WRONG)
    print(f"5 wrong su passwords took {time.monotonic() - start:.1f} s")
    # locked: the right password fails as well, for su and for the hub
    assert LET_IN not in (locked := su(member, b, hub.passwords[b]))
    assert "Password" not in locked  # refused before the password is asked
    assert login_when_not_paced(hub, b, hub.passwords[b], "127.0.5.1") == 403
    unlock(hub, b)
    assert LET_IN in su(member, b, hub.passwords[b])


def gecos(login: str) -> str:
    return pwd.getpwnam(login).pw_gecos


def test_a_changed_account_comment_moves_no_result(hub: LocalHub, member: Member) -> None:
    """Member A writes member B's roster id into their account's comment; A's exam score, manual
    score, practice and published record still belong to A."""
    a, b = member.name, hub.logins[1]
    mapping = read_map(hub.base / "hub")
    a_id, b_id = mapping[a], mapping[b]
    assert a_id != b_id
    path = hub.base / "hub" / "accounts.json"
    assert path.stat().st_uid == 0 and path.stat().st_mode & 0o022 == 0
    # the member changes their comment with their own password from their kernel …
    out = member.run(
        ON_A_TTY + f"print(on_a_tty(['/usr/bin/chfn', '-r', 'x {b_id}'], {hub.passwords[a]!r}))"
    )
    assert f"x {b_id}" in gecos(a), out
    # a later `hub users` keeps the map as it was (and writes the comment back)
    hub.cli("hub", "users", str(hub.base / "hub"), "--db", str(hub.base / "roster.db"),
            "--cards", str(hub.base / "again.html"))  # fmt: skip
    assert read_map(hub.base / "hub") == mapping
    # where login.defs lets members change their full name (CHFN_RESTRICT), the comment can say
    # exactly what `hub users` wrote for member B
    from exam_tools.hub.system import comment_claims, member_comment

    subprocess.run(["usermod", "-c", member_comment(b_id), a], check=True)
    assert comment_claims()[a] == b_id  # what GECOS now says

    # an exam graded from A's submission, then a manual score in nbgrader's gradebook
    root = hub.course_root
    hub.cli("assign", "rice", "cert", "--course-dir", str(root), "--courses",
            str(DATA / "courses"), "--force")  # fmt: skip
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", "cert", "--force"],
                   cwd=root, check=True, capture_output=True)  # fmt: skip
    from exam_tools.course.paper import build_paper
    from exam_tools.quiz.exam import read_exam_spec

    folder = root / "submitted" / a / "cert"
    shutil.copytree(root / "release" / "cert", folder)
    spec = read_exam_spec(folder / "exam.json")
    paper = build_paper(spec.questions, spec.course, spec.assessment, member=a)
    (folder / "exam.paper.json").write_text(paper.to_json(), "utf-8")
    db = hub.base / "roster.db"
    hub.cli("grade", "cert", "--course-dir", str(root), "--db", str(db))
    import sqlite_utils

    rows = sqlite_utils.Database(db).execute("select member from attempts").fetchall()
    assert rows == [(a_id,)]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade("score", "exam", "cert", a)
        grade.manual_score = 3
        grade.needs_manual_grade = False
        gb.db.commit()
    out = hub.cli("grade", "import-nbgrader", "--course-dir", str(root), "--db", str(db))
    assert "已导入 1 份的人工评分" in out, out
    [(member_id, score)] = sqlite_utils.Database(db).execute(
        "select member, score from attempts").fetchall()  # fmt: skip
    assert (member_id, score) == (a_id, 3)

    # practice through the exam service, then pull-practice and publish-records
    hub.cli("exam", "open", "recap", "--practice", "rice/practice", "--service-db",
            str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
    import requests

    r = requests.get(f"{member.url}/api/exams/recap", params={"member": a}, timeout=30,
                     headers={"Authorization": f"token {member.token}"})  # fmt: skip
    practice = r.json()["paper"]
    assert member.call("POST", "exams/recap/start", {"paper": practice}).status_code == 200
    r = member.call("POST", "exams/recap/check", {"paper": practice, "attempt": 1, "n": 1})
    assert r.status_code == 200, r.text
    hub.cli("exam", "pull-practice", "--service-db", str(hub.service_db), "--db", str(db))
    got = (
        sqlite_utils.Database(db).execute("select distinct member, login from practice").fetchall()
    )
    assert got == [(a_id, a)]
    hub.cli("exam", "publish-records", "--service-db", str(hub.service_db), "--db", str(db),
            "--courses", str(DATA / "courses"))  # fmt: skip
    from exam_tools.service.store import ServiceStore

    store = ServiceStore(hub.service_db)
    try:
        mine, theirs = store.record(a), store.record(b)
    finally:
        store.close()
    assert mine is not None and theirs is not None
    assert mine["practice"]["items"] >= 1 and theirs["practice"]["items"] == 0

    # the member's own server is told their own roster id (from the map) when it starts
    # a deployment from before accounts.json: the next `hub users` makes the map from the comments
    # that fit their login names; A's (changed) and B's (now claimed twice) are left to a person
    def accounts() -> set[str]:
        return {p.pw_name for p in pwd.getpwall() if p.pw_name.startswith("etacc-")}

    before = accounts()
    path.unlink()
    hub.cli("hub", "users", str(hub.base / "hub"), "--db", str(hub.base / "roster.db"),
            "--cards", str(hub.base / "migrated.html"))  # fmt: skip
    assert read_map(hub.base / "hub") == {k: v for k, v in mapping.items() if k not in (a, b)}
    assert accounts() == before  # and no second account for A or B
    from exam_tools.hub.logins import write_map

    write_map(hub.base / "hub", mapping)
    member.session.stop_server()
    again = Member(hub, a)
    assert again.run("import os\nprint(os.environ['EXAM_TOOLS_ROSTER_ID'])").strip() == a_id


def test_cookies_are_secure_httponly_samesite_under_https(hub: LocalHub) -> None:
    """Behind a TLS proxy: public_url is https, and the login's cookies say so."""
    status, _, cookies = raw_login(hub, hub.logins[2], hub.passwords[hub.logins[2]])
    assert status == 302 and cookies
    cookies = [c for c in cookies if c.startswith("jupyterhub-")]
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    config = hub.base / "hub" / "config.yaml"
    config.write_text(config.read_text("utf-8").replace(
        "hub: {", "hub: {public_url: 'https://etacc.example.org/', "), "utf-8")  # fmt: skip
    hub.restart()
    status, _, cookies = raw_login(hub, hub.logins[2], hub.passwords[hub.logins[2]])
    assert status == 302
    cookies = [c for c in cookies if c.startswith("jupyterhub-")]
    assert cookies
    for cookie in cookies:
        flags = {f.strip().split("=")[0].lower() for f in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= flags, cookie
