"""A throwaway JupyterHub on localhost, for tests and the benchmark (needs root).

:class:`LocalHub` writes a config.yaml, runs ``exam-tools hub init`` and ``exam-tools hub users``
for a roster of ``members`` made up on the spot, reads the first passwords back from the printed
登录卡, and starts JupyterHub from the hub venv. On exit (also after an error) it stops the hub,
then its proxy by the pid it recorded (hub-notes 10), and deletes every account it made (all
named ``<prefix>…`` with homes under its own temporary folder) and the groups.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from exam_tools.hub.client import HubClientError, HubSession
from exam_tools.hub.config import LANDING

DEFAULT_VENV = Path("/opt/exam-tools-hub")


def unavailable(venv: Path = DEFAULT_VENV) -> str | None:
    """Why a local hub cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (creates Unix accounts)"
    if not (venv / "bin" / "jupyterhub").exists():
        return f"no hub venv at {venv} (deploy/install-hub.sh builds it)"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not installed (npm install -g)"
    return None


def running(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (OSError, ValueError):
        return False
    return True


def minimal_landing(path: Path) -> None:
    """A stand-in landing notebook: a title and one widget."""
    import json

    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# 我的学习"},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": 'import ipywidgets as w\nw.HTML("<b>待考</b>")'},
    ]  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = {"cells": cells, "metadata": {"kernelspec": kernel}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb, ensure_ascii=False), "utf-8")


def service_pids(db: Path) -> list[int]:
    """The pids of exam services running on the database ``db`` (from /proc)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"exam_tools.service.server" in args and str(db).encode() in args:
            found.append(int(proc.name))
    return found


def world_readable(path: Path) -> None:
    for root, dirs, names in os.walk(path):
        for d in dirs:
            Path(root, d).chmod(0o755)
        for n in names:
            Path(root, n).chmod(0o644)


@dataclass
class LocalHub:
    src: Path  # the exam_tools source to run (copied where every account can read it)
    members: int = 3
    port: int = (
        18010  # and the next four: hub API, proxy API, the course's formgrader, exam service
    )
    prefix: str = "ethub-"
    course: str = "ethubc"
    venv: Path = DEFAULT_VENV
    landing: Path | None = None  # the landing notebook; None: a minimal stand-in
    notebooks: dict[str, Path] = field(default_factory=dict)  # more files for members' homes
    env: dict[str, str] = field(default_factory=dict)  # for the CLI (EXAM_TOOLS_ROOT …)
    member: dict[str, int | str] = field(default_factory=dict)  # more of config.yaml's member:
    extra_config: str = ""  # more sections of config.yaml (e.g. "session: {kiosk: true}")
    # the hub is stopped after this many seconds whatever happens, so that a request hanging
    # on it ends (its connection closes) instead of holding a test run until CI's time runs out
    watchdog: float = 1200
    # filled in by __enter__
    base: Path = Path()
    passwords: dict[str, str] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    _watchdog: threading.Timer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def teacher(self) -> str:
        return f"{self.prefix}t1"

    @property
    def grader(self) -> str:
        return f"{self.prefix}g-{self.course}"

    @property
    def groups(self) -> tuple[str, str]:
        return f"{self.prefix}members", f"{self.prefix}instructors"

    @property
    def course_root(self) -> Path:
        return self.base / "home" / self.grader / self.course

    @property
    def service_db(self) -> Path:
        return self.base / "home" / f"{self.prefix}svc" / "exam-service.sqlite"

    def service_pids(self) -> list[int]:
        """The pids of this hub's exam service (found by its database path, which is this hub's
        own); empty while it is not running."""
        return service_pids(self.service_db)

    @property
    def log(self) -> Path:
        return self.base / "hub" / "hub.log"

    def session(self, name: str) -> HubSession:
        s = HubSession(self.url, name)
        s.login(self.passwords[name])
        return s

    def cli(self, *args: str) -> str:
        env = {**os.environ, "EXAM_TOOLS_HUB": str(self.base / "hub"), **self.env,
               "PYTHONPATH": str(self.base / "src")}  # fmt: skip
        result = subprocess.run([sys.executable, "-m", "exam_tools", *args], env=env,
                                capture_output=True, text=True, check=False)  # fmt: skip
        if result.returncode != 0:
            raise HubClientError(f"exam-tools {args[0]} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def config_yaml(self) -> str:
        b, p = self.base, self.prefix
        return f"""\
hub: {{port: {self.port}, hub_port: {self.port + 1}, proxy_api_port: {self.port + 2},
      ip: 127.0.0.1, prefix: {self.venv}}}
users:
  member_prefix: {p}
  member_group: {self.groups[0]}
  instructor_group: {self.groups[1]}
  grader_prefix: {p}g-
  home_base: {b / "home"}
  instructors: [{self.teacher}]
exchange: {{root: {b / "exchange"}}}
courses:
  - {{id: {self.course}, title: 测试课程, instructors: [{self.teacher}], port: {self.port + 3}}}
member: {{notebooks: {b / "nb"}{"".join(f", {k}: {v}" for k, v in self.member.items())}}}
exam_service: {{port: {self.port + 4}, user: {p}svc}}
{self.extra_config}"""

    def write_roster(self, db: Path) -> None:
        from exam_tools.records.db import open_db
        from exam_tools.records.roster import Roster, org_id, store_roster

        r = Roster()
        for path in ("城关镇党委", "城关镇党委/花王村党支部"):
            parts = path.split("/")
            parent = org_id(parts[0]) if len(parts) > 1 else None
            r.orgs[path] = {"id": org_id(path), "name": parts[-1], "kind": "村",
                            "parent": parent, "path": path}  # fmt: skip
        for i in range(1, self.members + 1):
            r.members.append({"id": f"{self.prefix}m{i}", "name": f"党员{i}",
                              "org": org_id("城关镇党委/花王村党支部"), "category": None,
                              "roles": "[]", "birth_year": 1960, "joined": None,
                              "status": "正式", "flowing": 0})  # fmt: skip
        store_roster(open_db(db), r)

    def accounts(self) -> list[str]:
        """Accounts made by a local hub: prefixed names with homes under a temporary folder of
        the same prefix (also those an earlier, killed run left behind)."""
        out = []
        for p in pwd.getpwall():
            if not p.pw_name.startswith(self.prefix):
                continue
            home = Path(p.pw_dir)
            if (
                home.is_relative_to(self.base)
                or (
                    home.is_relative_to("/tmp")
                    and home.parts[2].startswith(self.prefix)
                    # another local hub's account: only if that hub is no longer running
                    and not running(Path(*home.parts[:3]) / "hub" / "state" / "jupyterhub.pid")
                )
            ):
                out.append(p.pw_name)
        return out

    def cleanup(self) -> None:
        from exam_tools.hub.system import remove_user

        for name in self.accounts():
            remove_user(name)
        for group in self.groups:
            subprocess.run(["groupdel", group], capture_output=True, check=False)

    def __enter__(self) -> LocalHub:
        self.base = Path(tempfile.mkdtemp(prefix=self.prefix, dir="/tmp"))
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        base = self.base
        base.chmod(0o755)
        self.cleanup()
        # the code under test, where every member's server can read it (hub-notes 1)
        shutil.copytree(self.src, base / "src", ignore=shutil.ignore_patterns("__pycache__"))
        # compiled as pip compiles an installed package: members cannot write __pycache__ here,
        # and every server and kernel would compile exam_tools from source on each start
        subprocess.run([str(self.venv / "bin" / "python"), "-m", "compileall", "-q",
                        str(base / "src")], capture_output=True, check=False)  # fmt: skip
        (base / "nb").mkdir()
        if self.landing is not None and self.landing.exists():
            shutil.copy(self.landing, base / "nb" / LANDING)
        else:
            minimal_landing(base / "nb" / LANDING)
        for rel, source in self.notebooks.items():
            (base / "nb" / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, base / "nb" / rel)
        world_readable(base)
        hubdir = base / "hub"
        hubdir.mkdir()
        (hubdir / "config.yaml").write_text(self.config_yaml(), "utf-8")
        self.write_roster(base / "roster.db")
        (base / "roster.db").chmod(0o600)
        out = self.cli("hub", "init", str(hubdir))
        self.passwords.update(re.findall(r"教师账号 (\S+) 的初始密码：(\d+)", out))
        self.cli("hub", "users", str(hubdir), "--db", str(base / "roster.db"),
                 "--cards", str(base / "cards.html"))  # fmt: skip
        cards = (base / "cards.html").read_text("utf-8")
        found = re.findall(r'登录名</dt><dd class="pw">([^<]+)</dd><dt>初始密码</dt>'
                           r'<dd class="pw">(\d+)</dd>', cards)  # fmt: skip
        self.passwords.update(found)
        self.logins = [login for login, _ in found]
        self.launch()

    def launch(self) -> None:
        """Start JupyterHub on this hub's directory and wait until it answers."""
        base, hubdir = self.base, self.base / "hub"
        env = {**os.environ, "PYTHONPATH": str(base / "src"),
               "PATH": f"{self.venv / 'bin'}:{os.environ['PATH']}"}  # fmt: skip
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(self.venv / "bin" / "jupyterhub"), "-f", "jupyterhub_config.py"],
                cwd=hubdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._watchdog = threading.Timer(self.watchdog, self.stop)
        self._watchdog.daemon = True
        self._watchdog.start()
        self.wait_for(f"{self.url}/hub/health", 120)

    def restart(self) -> None:
        """Stop the hub and its proxy and start them again (after a change to config.yaml)."""
        self.stop()
        pid_file = self.base / "hub" / "state" / "proxy.pid"
        deadline = time.monotonic() + 15
        while running(pid_file) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.launch()

    def wait_for(self, url: str, timeout: float) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise HubClientError("JupyterHub stopped:\n" + self.tail())
            # a hub busy starting (a loaded machine) may take longer than 5 s to answer: try again
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(url, timeout=5).status_code == 200:
                    return
            time.sleep(0.3)
        raise HubClientError(f"{url} not up in {timeout} s:\n" + self.tail())

    def tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        """Stop the hub, then its proxy by the pid it recorded."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        proc = self.proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        pid_file = self.base / "hub" / "state" / "proxy.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            self.cleanup()
            shutil.rmtree(self.base, ignore_errors=True)
