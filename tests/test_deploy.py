"""Deploying the hub by the README alone, as a new organiser would (issue 17, items 9-14).

The deployment test runs the code block of README.md's 在服务器上部署 section, as root, in a fresh
folder outside the checkout, with a login shell's PATH (no venv in it) plus the folder the
commands are linked into. It adapts the commands only by directory names (the temporary folder
stands for /, and install-hub.sh gets the hub venv /opt/exam-tools-hub that .ci/run builds and that
link folder) and ports (18280-18284, this file's own); the README's "编辑 config.yaml" step edits the
values the first ``hub init`` wrote (so each of them must be there), with Unix names of this
file's own (``etdep-…``, removed afterwards). ``systemctl`` is not run: the hub starts as the
generated unit's ``ExecStart`` says, with its ``Environment`` and ``WorkingDirectory``. A member
logs in over HTTP with the password on the printed 登录卡 and reaches 我的学习; an exam is
released as the course's grader and a practice handed to the exam service, from outside the
checkout.

The other tests check the generated config.yaml (every setting with a Chinese comment, kept on
re-runs), the roster warning, and the 登录卡 in headless Chromium at A4.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import yaml
from pypdf import PdfReader

from exam_tools.hub.accounts import Account
from exam_tools.hub.cards import cards_html
from exam_tools.hub.config import DEFAULTS, read_config
from exam_tools.hub.setup import InitReport, unwritten_settings, write_config, write_files
from exam_tools.service.store import ServiceStore

from .conftest import ROOT, FakeClock, require_hub
from .test_practice_records import cli, practise, records, rows, service
from .test_roster import xlsx as roster_xlsx

__all__ = ["records", "service"]  # fixtures shared with test_practice_records

VENV = Path("/opt/exam-tools-hub")
PORT = 18280  # proxy; +1 hub API, +2 proxy API, +3 the course's formgrader, +4 exam service
PREFIX = "etdep-"
BARE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


# -- config.yaml, unit, roster warning (no root needed) ----------------------------------------
def key_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, section, key) of every ``  key: value`` line under a ``section:`` line."""
    out, section = [], ""
    for i, line in enumerate(text.splitlines()):
        if m := re.match(r"^([a-z_]+):", line):
            section = m.group(1)
            if not isinstance(DEFAULTS[section], dict):
                out.append((i, section, ""))
        elif m := re.match(r"^  ([a-z_]+):", line):
            out.append((i, section, m.group(1)))
    return out


def test_config_yaml_names_every_setting_with_a_chinese_comment(tmp_path: Path) -> None:
    assert write_config(tmp_path) == tmp_path / "config.yaml"
    text = (tmp_path / "config.yaml").read_text("utf-8")
    lines = text.splitlines()
    found = key_lines(text)
    expected = {(s, k) for s, v in DEFAULTS.items() for k in (v if isinstance(v, dict) else [""])}
    assert {(s, k) for _, s, k in found} == expected
    for i, section, key in found:
        # the comment above the key, or above the keys of its group (hub_port, proxy_api_port)
        j = i - 1
        while j >= 0 and re.match(r"^  [a-z_]+:", lines[j]):
            j -= 1
        assert lines[j].lstrip().startswith("#") and re.search(r"[\u4e00-\u9fff]", lines[j]), (
            f"{section}.{key} has no Chinese comment above it"
        )
    for port in ("8000", "8081", "8001", "8090"):
        assert re.search(rf"^  [a-z_]+: {port}$", text, re.M), port
    # read back, it is a valid configuration; the ports are the defaults
    cfg = read_config(tmp_path)
    assert (cfg["hub"]["port"], cfg["hub"]["hub_port"], cfg["hub"]["proxy_api_port"]) == (
        8000, 8081, 8001)  # fmt: skip
    assert cfg["exam_service"]["port"] == 8090
    # the bank and courses it names are real folders (installed, or beside the code)
    for name in ("question_bank", "courses"):
        assert Path(cfg["content"][name]).is_dir(), cfg["content"][name]


def test_hub_init_keeps_the_organisers_config_and_writes_the_unit_with_real_paths(
    tmp_path: Path,
) -> None:
    hub = tmp_path / "我的 hub"
    write_config(hub)
    edited = (hub / "config.yaml").read_text("utf-8").replace("port: 8000", "port: 8123")
    edited += "# 组织委员自己的说明\n"
    (hub / "config.yaml").write_text(edited, "utf-8")
    assert write_config(hub) is None
    cfg = read_config(hub)
    report = InitReport()
    write_files(hub, cfg, report)
    write_files(hub, cfg, InitReport())
    assert (hub / "config.yaml").read_text("utf-8") == edited
    assert cfg["hub"]["port"] == 8123
    unit = (hub / "exam-tools-hub.service").read_text("utf-8")
    assert f"WorkingDirectory={hub}\n" in unit
    jupyterhub = Path(cfg["hub"]["prefix"]) / "bin" / "jupyterhub"
    assert f"ExecStart={jupyterhub} -f {hub / 'jupyterhub_config.py'}\n" in unit
    path = re.search(r"^Environment=PATH=(.+)$", unit, re.M)
    assert path and path.group(1).split(":")[0] == str(jupyterhub.parent)
    assert "/srv/exam-tools-hub" not in unit
    # a config.yaml from an older version names fewer settings: hub init says which
    assert unwritten_settings(hub) == []
    (hub / "config.yaml").write_text(re.sub(r"(?m)^  hub_port: .*\n", "", edited), "utf-8")
    assert unwritten_settings(hub) == ["hub.hub_port"]


def test_roster_warning_only_when_another_account_can_read_it(tmp_path: Path) -> None:
    from exam_tools.cli.hub import readable_by_others

    private, open_ = tmp_path / "private", tmp_path / "open"
    for d in (private, open_):
        d.mkdir()
        (d / "党员.db").write_bytes(b"")
        (d / "党员.db").chmod(0o644)
    tmp_path.chmod(0o755)
    private.chmod(0o700)  # as /root
    open_.chmod(0o755)
    assert not readable_by_others(private / "党员.db")
    assert readable_by_others(open_ / "党员.db") == all(
        p.stat().st_mode & 0o001 for p in open_.resolve().parents
    )
    (open_ / "党员.db").chmod(0o600)
    assert not readable_by_others(open_ / "党员.db")


def test_publish_records_reads_the_courses_before_it_imports_any_practice(
    service: tuple[ServiceStore, FakeClock], records: Path, tmp_path: Path
) -> None:
    store, clock = service
    practise(store, clock, "a")
    args = ["exam", "publish-records", "--service-db", str(store.path), "--db", str(records)]
    r = cli(*args, "--courses", str(tmp_path / "courses"), ok=False)
    assert "找不到课程目录" in r.stderr, r.stderr
    assert rows(records) == [], "nothing imported by a run that failed"
    hub = tmp_path / "hub"
    write_config(hub)
    text = (hub / "config.yaml").read_text("utf-8")
    text = re.sub(r"(?m)^(  courses: ).*$", rf"\g<1>{tmp_path / 'nowhere'}", text)
    (hub / "config.yaml").write_text(text, "utf-8")
    r = cli(*args, "--hub", str(hub), ok=False)  # the courses the hub's config names
    assert "nowhere" in r.stderr and rows(records) == []
    cli(*args, "--courses", str(ROOT / "courses"))
    assert len(rows(records)) == 10


# -- 登录卡 in Chromium at A4 ------------------------------------------------------------------
def test_login_card_prints_the_address_whole_on_one_line() -> None:
    from playwright.sync_api import sync_playwright

    accounts = [
        Account("m1", "李秀英", "城关镇党委/花王村党支部", "dy381920", "38192047"),
        Account("m2", "欧阳建国", "城关镇党委/石桥村党总支/第一党支部", "dy000123", None),
    ]
    urls = ["http://10.0.0.5:18400/", "https://dangyuan.chengguan-zhen.example.cn:18400/"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new",
                                                                     "--no-sandbox"])  # fmt: skip
        # A4 at 96 px per inch less the 10 mm margins: 190 mm (718 px) of width to print on
        page = browser.new_page(viewport={"width": 718, "height": 1047})
        page.emulate_media(media="print")
        for i, url in enumerate(urls):
            text = cards_html(accounts, url)
            assert "扫码打开登录页" in text and "扫码登录" not in text
            page.set_content(text)
            boxes = page.eval_on_selector_all(
                ".card",
                """cards => cards.map(card => {
                  const u = card.querySelector('.url'), r = u.getBoundingClientRect();
                  const c = card.getBoundingClientRect();
                  const range = document.createRange(); range.selectNodeContents(u);
                  return {text: u.textContent, lines: range.getClientRects().length,
                          textWidth: range.getBoundingClientRect().width,
                          height: r.height, font: parseFloat(getComputedStyle(u).fontSize),
                          scroll: u.scrollWidth, width: u.clientWidth,
                          left: r.left, right: r.right, bottom: r.bottom,
                          cardLeft: c.left, cardRight: c.right, cardBottom: c.bottom};
                })""",
            )
            page.screenshot(path=str(ARTIFACTS / f"deploy_login_cards_{i}.png"), full_page=True)
            for b in boxes:
                assert b["text"] == url
                assert b["lines"] == 1, b  # one line box: never broken, not mid-port
                assert b["height"] < 2 * b["font"], b
                assert b["scroll"] <= b["width"], b  # nothing cut off
                assert b["cardLeft"] <= b["left"] and b["right"] <= b["cardRight"], b
                assert b["bottom"] <= b["cardBottom"], b
                # as large as fits: 16 pt (21.3 px), or (a long address) most of the width
                assert b["font"] > 21 or b["textWidth"] > 0.85 * b["width"], b
        # printed to PDF at A4, the page still holds 8 cards (nothing pushed to another sheet)
        page.set_content(cards_html(accounts * 4, urls[1]))
        pdf = page.pdf(format="A4", print_background=True)
        browser.close()
    (ARTIFACTS / "deploy_login_cards.pdf").write_bytes(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


# -- the README's deployment, as root ----------------------------------------------------------
def readme_block() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## 在服务器上部署")[1].split("\n### ")[0]
    m = re.search(r"```\n(.*?)```", section, re.S)
    assert m, "the deployment section has no command block"
    return m.group(1).splitlines()


def adapt(line: str, t: Path) -> str:
    """The README's command with the temporary folder for /, the hub venv and link folder for
    install-hub.sh, and no systemctl (the test starts the unit's ExecStart itself)."""
    line = re.sub(r"\s+#.*$", "", line)
    line = re.sub(r"(?<![\w/.-])/(srv|root|etc)\b", lambda m: f"{t}{m.group(0)}", line)
    line = re.sub(r"^deploy/install-hub\.sh$", f"deploy/install-hub.sh {VENV} {t}/usr/local/bin",
                  line)  # fmt: skip
    return line.replace(" && systemctl enable --now exam-tools-hub", "")


def set_value(text: str, section: str, key: str, value: object) -> str:
    """``section.key`` set to ``value`` in place, as an organiser edits the file (the key must be
    in the file already)."""
    head = re.search(rf"^{section}:.*$", text, re.M)
    assert head, f"no {section}: in config.yaml"
    end = re.search(r"^\S", text[head.end() + 1 :], re.M)
    stop = head.end() + 1 + end.start() if end else len(text)
    body = text[head.end() : stop]
    shown = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    shown = shown.removesuffix("\n...").strip()
    body, n = re.subn(rf"^(  {key}: ).*$", lambda m: m.group(1) + shown, body, count=1, flags=re.M)
    assert n == 1, f"{section}.{key} is not in config.yaml"
    return text[: head.end()] + body + text[stop:]


def edit_config(path: Path, t: Path) -> None:
    """The README's "编辑 config.yaml" step: address, ports, teacher, course; this test's own Unix
    names and folders."""
    text = path.read_text("utf-8")
    for section, key, value in [
        ("hub", "port", PORT), ("hub", "hub_port", PORT + 1), ("hub", "proxy_api_port", PORT + 2),
        ("hub", "public_url", f"http://127.0.0.1:{PORT}/"),
        ("users", "member_prefix", PREFIX), ("users", "member_group", f"{PREFIX}members"),
        ("users", "instructor_group", f"{PREFIX}instructors"),
        ("users", "grader_prefix", f"{PREFIX}g-"), ("users", "home_base", f"{t}/home"),
        ("users", "instructors", [f"{PREFIX}t1"]),
        ("exchange", "root", f"{t}/srv/exchange"),
        ("exam_service", "port", PORT + 4), ("exam_service", "user", f"{PREFIX}svc"),
    ]:  # fmt: skip
        text = set_value(text, section, key, value)
    course = (
        f"  - {{id: shuidao, title: 水稻绿色高效种植, instructors: [{PREFIX}t1], port: {PORT + 3}}}"
    )
    text, n = re.subn(r"^courses: \[\]$", f"courses:\n{course}", text, flags=re.M)
    assert n == 1
    path.write_text(text, "utf-8")


def remove_accounts(base: Path | None) -> None:
    """This file's accounts and groups (also those a killed run left)."""
    from exam_tools.hub.system import remove_user

    for p in pwd.getpwall():
        if p.pw_name.startswith(PREFIX) and (
            p.pw_dir.startswith(f"/tmp/{PREFIX}") or (base and p.pw_dir.startswith(str(base)))
        ):
            remove_user(p.pw_name)
    for group in (f"{PREFIX}members", f"{PREFIX}instructors"):
        subprocess.run(["groupdel", group], capture_output=True, check=False)


def shell(script: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + script], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=900)  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script}\n→ exit {proc.returncode}:\n{out}"
    return out


@pytest.fixture
def fresh_root() -> Iterator[Path]:
    require_hub(VENV)
    remove_accounts(None)
    t = Path(tempfile.mkdtemp(prefix=PREFIX, dir="/tmp"))
    t.chmod(0o755)  # members' servers reach their homes and the hub's jupyter/ folders
    (t / "root").mkdir(mode=0o700)
    (t / "etc" / "systemd" / "system").mkdir(parents=True)  # there on every Debian server
    try:
        yield t
    finally:
        remove_accounts(t)
        shutil.rmtree(t, ignore_errors=True)


def unit_settings(unit: str) -> dict[str, str]:
    out = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value.removeprefix("PATH=") if key == "Environment" else value
    return out


def stop(proc: subprocess.Popen[bytes], state: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    pid_file = state / "proxy.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def test_deploy_by_the_readme_in_a_fresh_folder(fresh_root: Path) -> None:
    from exam_tools.hub.client import HubSession

    t = fresh_root
    (t / "root" / "花名册.xlsx").write_bytes(roster_xlsx([
        ["李秀英", "城关镇党委/花王村党支部", "种养业大户党员", "", 1975, "2001-07", "正式", "否", ""],
        ["张国强", "城关镇党委/花王村党支部", "村(社区)干部", "书记、班子成员", 1970, "1998-06-01",
         "正式", "否", ""],
        ["陈志", "河西镇党委/柳树村党支部", "工人党员", "", 1990, "2015-05", "预备", "是", ""],
    ]))  # fmt: skip
    links = t / "usr" / "local" / "bin"
    # a login shell's PATH with the link folder (/usr/local/bin) in it; no venv, no PYTHONPATH
    env = {"PATH": f"{links}:{BARE_PATH}", "HOME": str(t / "root"), "LANG": "C.UTF-8"}
    lines = readme_block()
    edit = next(i for i, line in enumerate(lines) if line.lstrip().startswith("#"))
    assert "编辑" in lines[edit] and "config.yaml" in lines[edit]
    first = [adapt(line, t) for line in lines[:edit]]
    rest = [adapt(line, t) for line in lines[edit + 1 :]]
    assert first[0].startswith("deploy/install-hub.sh"), "the block starts with the install"
    out = shell("\n".join(first), ROOT, env)
    # install-hub.sh says what it installed and what comes next; the commands are on PATH
    assert "已安装" in out and "下一步" in out and "exam-tools hub init" in out
    for name in ("exam-tools", "jupyterhub", "configurable-http-proxy"):
        assert shutil.which(name, path=env["PATH"]), name
    hub = t / "srv" / "exam-tools-hub"
    assert (hub / "config.yaml").exists() and "systemctl enable --now exam-tools-hub" in out
    edit_config(hub / "config.yaml", t)
    cds = [line for line in first if line.startswith("cd ")]
    out = shell("\n".join([*cds, *rest]), ROOT, env)
    teacher = re.search(rf"教师账号 {PREFIX}t1 的初始密码：(\d+)", out)
    assert teacher, out
    cards = (t / "root" / "登录卡.html").read_text("utf-8")
    found = re.findall(r'登录名</dt><dd class="pw">([^<]+)</dd><dt>初始密码</dt>'
                       r'<dd class="pw">(\d+)</dd>', cards)  # fmt: skip
    assert len(found) == 2, "two members of 城关镇党委 have cards (河西镇 not)"
    assert html.escape(f"http://127.0.0.1:{PORT}/") in cards

    # the unit copied to (the stand-in for) /etc/systemd/system, started as systemd would
    unit = unit_settings((t / "etc/systemd/system/exam-tools-hub.service").read_text("utf-8"))
    assert unit["WorkingDirectory"] == str(hub)
    assert unit["ExecStart"] == f"{VENV}/bin/jupyterhub -f {hub}/jupyterhub_config.py"
    log = t / "hub.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            shlex.split(unit["ExecStart"]), cwd=unit["WorkingDirectory"],
            env={"PATH": unit["Environment"], "HOME": "/root", "LANG": "C.UTF-8"},
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text("utf-8", "replace")[-3000:]
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"http://127.0.0.1:{PORT}/hub/health", timeout=5).ok:
                    break
            assert time.monotonic() < deadline, log.read_text("utf-8", "replace")[-3000:]
            time.sleep(0.5)
        login, password = found[0]
        page = HubSession(f"http://127.0.0.1:{PORT}", login).login(password)
        text = page.content.decode("utf-8")
        assert page.status_code == 200, text[-2000:]
        assert page.url.endswith(f"/user/{login}/voila/render/{quote('我的学习.ipynb')}")
        assert "voila" in text.lower() and "我的学习" in text, text[-2000:]

        # the README's exam commands, adapted the same way, from outside the checkout
        here = {**env}
        out = shell(
            f"cd {t}/root\nexam-tools assign shuidao cert --hub {hub} --release", ROOT, here
        )
        assert f"已由 {PREFIX}g-shuidao 发布作业 cert" in out, out
        grader = pwd.getpwnam(f"{PREFIX}g-shuidao")
        course = t / "home" / f"{PREFIX}g-shuidao" / "shuidao"
        not_graders = [p for p in course.rglob("*") if p.lstat().st_uid != grader.pw_uid]
        assert not not_graders, not_graders
        assert (course / "release" / "cert").is_dir() and (course / "gradebook.db").exists()
        assert (t / "srv" / "exchange" / "shuidao" / "outbound" / "cert").is_dir()
        out = shell(f"cd {t}/root\nexam-tools exam open shuidao-practice --practice "
                    f"shuidao/practice --title 水稻练习 --hub {hub}", ROOT, here)  # fmt: skip
        assert "考试服务已收到“shuidao-practice”：水稻练习" in out, out
        out = shell(f"cd {t}/root\nexam-tools exam publish-records --hub {hub} "
                    f"--db {t}/root/党员.db", ROOT, here)  # fmt: skip
        assert "已发布" in out, out
    finally:
        stop(proc, hub / "state")
    out = shell(f"exam-tools hub remove {hub} {' '.join(login for login, _ in found)}", t, env)
    assert out.count("已删除账号和主目录") == 2
    for login, _ in found:
        with pytest.raises(KeyError):
            pwd.getpwnam(login)
