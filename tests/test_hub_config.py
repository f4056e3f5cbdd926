"""The pure parts of the hub deployment: config merging and checks, JupyterHub settings, login
names, first passwords, choosing members from the roster and the printed 登录卡 (no root)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from exam_tools.errors import InvalidInputError
from exam_tools.hub import files, jhconfig
from exam_tools.hub.accounts import (
    Account,
    first_password,
    login_name,
    members_of_org,
    plan_accounts,
)
from exam_tools.hub.cards import PER_PAGE, cards_html
from exam_tools.hub.config import load_config, merge, public_url, read_config
from exam_tools.hub.jhconfig import CSP, apply, hub_groups, landing_url, spawn_settings
from exam_tools.records.db import open_db
from exam_tools.records.roster import Roster, org_id, store_roster

COURSE = {"id": "dangke", "title": "党课", "instructors": ["teacher1"], "port": 9901}


def config(**over: Any) -> dict[str, Any]:
    return load_config(merge({"users": {"instructors": ["teacher1"]}, "courses": [COURSE]}, over))


def test_merge_keeps_defaults_and_replaces_lists() -> None:
    cfg = config(hub={"port": 9000})
    assert cfg["hub"]["port"] == 9000
    assert cfg["hub"]["hub_port"] == 8081
    assert cfg["users"]["instructors"] == ["teacher1"]
    assert load_config({})["courses"] == []


def test_bad_settings_are_all_named(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "hub: {port: eighty, colour: red}\n"
        "users: {member_prefix: 'Root'}\n"
        "member: {nice: 40}\n"
        "courses:\n"
        "  - {id: Bad-Id, port: 80, instructors: [nobody]}\n"
        "  - {id: ok, port: 9000}\n"
        "  - {id: ok, port: 9000}\n",
        "utf-8",
    )
    with pytest.raises(InvalidInputError) as err:
        read_config(tmp_path)
    fields = [p.field for p in err.value.problems]
    assert fields == ["hub.colour", "hub.port", "users.member_prefix", "member.nice", "courses[1].id",
                      "courses[1].port", "courses[1].instructors", "courses[3].id",
                      "courses[3].port"]  # fmt: skip
    assert all(p.location.path == str(tmp_path / "config.yaml") for p in err.value.problems)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("hub:\n  port: 1\n bad: [\n", "utf-8")
    with pytest.raises(InvalidInputError) as err:
        read_config(tmp_path)
    assert err.value.location is not None and err.value.location.line == 3


def test_landing_url_is_percent_encoded() -> None:
    assert landing_url(config()) == "/voila/render/%E6%88%91%E7%9A%84%E5%AD%A6%E4%B9%A0.ipynb"


class _Spawner:
    def __init__(self, active: bool) -> None:
        self.active = active


class _User:
    def __init__(self, name: str, active: bool) -> None:
        self.name, self.url, self.spawner = name, f"/user/{name}/", _Spawner(active)


class _Handler:
    def __init__(self, user: _User | None) -> None:
        self._user = user

    @property
    def current_user(self) -> _User | None:
        if self._user is _NOT_YET:
            raise RuntimeError("Must call async get_current_user first!")  # JupyterHub's own
        return self._user


_NOT_YET = _User("-", False)


def test_a_member_with_a_server_is_sent_straight_to_the_landing_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg = config()
    groups = {"dy1": ["exam-members"], "dy2": ["exam-members"], "teacher1": ["exam-instructors"],
              "both": ["exam-members", "exam-instructors"], "root": ["root"]}  # fmt: skip
    monkeypatch.setattr(jhconfig, "unix_groups_of", lambda name: groups.get(name, []))
    c = Config()
    apply(c, cfg, Path("/srv/hub"))
    default_url = c.JupyterHub.default_url
    # running or starting: 我的学习 itself, not /user/dy1/ (which the server redirects there)
    assert default_url(_Handler(_User("dy1", True))) == "/user/dy1" + landing_url(cfg)
    # no server yet: JupyterHub's own way (/hub/spawn), as for anyone who is not only a member
    assert default_url(_Handler(_User("dy2", False))) == ""
    for name in ("teacher1", "both", "root"):
        assert default_url(_Handler(_User(name, True))) == "", name
    assert default_url(_Handler(None)) == ""
    assert default_url(_Handler(_NOT_YET)) == ""


def test_roles_from_unix_groups() -> None:
    cfg = config()
    assert hub_groups("dy1", ["exam-members"], cfg) == ["nbgrader-dangke"]
    assert hub_groups("teacher1", ["exam-instructors"], cfg) == [
        "formgrade-dangke", "instructors", "nbgrader-dangke"]  # fmt: skip
    # an instructor of another course gets no formgrader of this one
    assert hub_groups("teacher2", ["exam-instructors"], cfg) == ["instructors"]
    assert hub_groups("root", ["root"], cfg) == []

    member = spawn_settings("dy1", ["exam-members"], "m-001", cfg, Path("/srv/hub"))
    assert member["default_url"] == landing_url(cfg)
    assert member["environment"] == {
        "JUPYTER_CONFIG_PATH": "/srv/hub/jupyter/member", "EXAM_TOOLS_ROSTER_ID": "m-001",
        "EXAM_TOOLS_SERVICE_URL": "http://127.0.0.1:8090/services/exam",
        "EXAM_TOOLS_IDLE_MINUTES": "30", "EXAM_TOOLS_KIOSK": "0",
        "JUPYTER_PATH": "/srv/hub/share"}  # fmt: skip
    # a member's server and kernels together: 1 GiB and 256 tasks at most (hub/limits.py)
    assert (member["mem_limit"], member["pids_limit"]) == (1024**3, 256)
    assert member["file_size_limit"] == 64 * 1024**2  # no file larger (tests/test_disk_hub.py)
    # forked from the fork server, whose socket is in the root-only state folder
    assert member["fork_server"] == "/srv/hub/state/forkserver.sock"
    assert member["nice"] == 5  # the hub and the exam service get the CPU first
    teacher = spawn_settings("teacher1", ["exam-instructors"], None, cfg, Path("/srv/hub"))
    # an instructor's server: no limits, started the usual way (not forked)
    assert teacher == {"default_url": "/lab", "mem_limit": 0, "pids_limit": 0,
                       "file_size_limit": 0, "fork_server": "", "nice": 0,
                       "environment": {"JUPYTER_CONFIG_PATH": "/srv/hub/jupyter/instructor"}}  # fmt: skip


def test_apply_sets_and_is_idempotent() -> None:
    cfg = config(hub={"port": 18000, "prefix": "/opt/venv"})
    c = Config()
    apply(c, cfg, Path("/srv/hub"))
    first = json.dumps(c, default=repr, sort_keys=True)
    apply(c, cfg, Path("/srv/hub"))
    # hooks are new closures each time; everything else is the same value, nothing appended
    assert re.sub(r" at 0x\w+", "", json.dumps(c, default=repr, sort_keys=True)) == re.sub(
        r" at 0x\w+", "", first
    )
    assert c.JupyterHub.port == 18000
    assert c.JupyterHub.authenticator_class == "exam_tools.hub.pamauth.ThrottledPAMAuthenticator"
    assert c.PAMAuthenticator.service == "exam-tools-hub"
    assert c.PAMAuthenticator.allowed_groups == {"exam-members", "exam-instructors"}
    assert c.Spawner.cmd == ["/opt/venv/bin/jupyterhub-singleuser"]
    [service, exam] = c.JupyterHub.services
    assert service["name"] == "dangke" and service["user"] == "grader-dangke"
    assert service["url"] == "http://127.0.0.1:9901"
    # the exam service (issue 12): its own account and database, usable by every hub user
    # (started by runas as root, ahead of members on the CPU, then as its account alone)
    assert exam["name"] == "exam" and "user" not in exam
    assert exam["command"][1:7] == [
        "-m",
        "exam_tools.hub.runas",
        "--nice",
        "-5",
        "exam-service",
        "--",
    ]
    assert exam["command"][-2:] == ["--db", "/home/exam-service/exam-service.sqlite"]
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["user"]["scopes"] == ["self", "access:services!service=exam"]
    assert roles["formgrade-dangke"]["scopes"] == ["access:services!service=dangke"]
    assert roles["formgrade-dangke"]["groups"] == ["formgrade-dangke"]


def test_generated_jupyter_config_by_role() -> None:
    out = files.hub_files(config(exchange={"root": "/srv/x"}), CSP)
    member = json.loads(out["jupyter/member/jupyter_server_config.json"])
    assert "@jupyter/nbgrader" in member["VoilaConfiguration"]["extension_denylist"]
    # Voilà's loading page in Chinese, on top of the offline template (issue 17 item 3)
    assert member["VoilaConfiguration"]["template"] == "exam-tools-member"
    conf = json.loads(out["share/voila/templates/exam-tools-member/conf.json"])
    assert conf == {"base_template": "exam-tools"}
    assert member["MappingKernelManager"]["cull_idle_timeout"] == 600
    assert member["MappingKernelManager"]["cull_connected"] is False
    loaded = member["ServerApp"]["jpserver_extensions"]
    # a member needs Voilà only, and the extension that makes its pages cheaper (issue 18)
    assert {name for name, on in loaded.items() if on} == {"voila", "exam_tools.hub.member_server"}
    assert member["MemberKernelManager"]["warm_kernel"] is True
    assert member["MemberKernelManager"]["warm_notebook"] == "我的学习.ipynb"
    assert "exam_tools.quiz.landing" in member["MemberKernelManager"]["warm_imports"]
    assert not loaded["jupyterlab"] and not loaded["nbgrader.server_extensions.assignment_list"]
    assert member["ServerApp"]["terminals_enabled"] is False
    assert "tornado_settings" not in member["ServerApp"]
    grader = json.loads(out["jupyter/grader/jupyter_server_config.json"])
    assert grader["ServerApp"]["tornado_settings"]["headers"]["Content-Security-Policy"] == CSP
    assert grader["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"]
    nb = json.loads(out["jupyter/member/nbgrader_config.json"])
    assert nb["Exchange"] == {"root": "/srv/x", "path_includes_course": True}
    assert nb["NbGrader"]["course_titles"] == {"dangke": "党课"}
    assert 'name="_xsrf"' in out["templates/login.html"] and "登录" in out["templates/login.html"]
    assert files.lab_overrides(config()) == {
        "@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}  # fmt: skip


def test_login_names_are_stable_prefixed_and_unique() -> None:
    name = login_name("m-3fa2c81d0b", "dy")
    assert re.fullmatch(r"dy\d{6}", name)
    assert login_name("m-3fa2c81d0b", "dy") == name
    assert login_name("m-3fa2c81d0b", "dy", taken=[name]) != name
    plan = plan_accounts(
        [{"id": "a"}, {"id": "b"}, {"id": "c"}], existing={"b": "dy000001"}, prefix="dy"
    )
    assert [(m["id"], new) for m, _, new in plan] == [("a", True), ("b", False), ("c", True)]
    assert plan[1][1] == "dy000001"
    assert len({login for _, login, _ in plan}) == 3


def test_first_passwords_are_random_digits() -> None:
    passwords = {first_password() for _ in range(50)}
    assert all(re.fullmatch(r"\d{10}", p) for p in passwords)
    assert len(passwords) > 45


def roster_db() -> Any:
    db = open_db(":memory:")
    r = Roster()
    for path in ("城关镇党委", "城关镇党委/花王村党支部", "城关镇党委/东街社区党支部", "河口镇党委",
                 "河口镇党委/花王村党支部"):  # fmt: skip
        parts = path.split("/")
        parent = org_id("/".join(parts[:-1])) if len(parts) > 1 else None
        r.orgs[path] = {"id": org_id(path), "name": parts[-1], "kind": "村", "parent": parent,
                        "path": path}  # fmt: skip
    for mid, name, path in (("m1", "王建国", "城关镇党委/花王村党支部"),
                            ("m2", "李秀英", "城关镇党委/东街社区党支部"),
                            ("m3", "张伟", "河口镇党委/花王村党支部")):  # fmt: skip
        r.members.append({"id": mid, "name": name, "org": org_id(path), "category": None,
                          "roles": "[]", "birth_year": None, "joined": None, "status": "正式",
                          "flowing": 0})  # fmt: skip
    store_roster(db, r)
    return db


def test_members_of_an_organisation_and_below() -> None:
    db = roster_db()
    assert [m["id"] for m in members_of_org(db, "城关镇党委")] == ["m2", "m1"]
    assert [m["id"] for m in members_of_org(db, "东街社区党支部")] == ["m2"]
    assert [m["id"] for m in members_of_org(db, None)] == ["m2", "m1", "m3"]
    with pytest.raises(InvalidInputError, match="有多个党组织叫“花王村党支部”"):
        members_of_org(db, "花王村党支部")
    with pytest.raises(InvalidInputError, match="没有党组织“新村”"):
        members_of_org(db, "新村")


def test_login_cards() -> None:
    branch = "城关镇党委/花王村党支部"
    accounts = [
        Account(f"m{i}", f"党员{i}", branch, f"dy00000{i}", f"1234567{i}" if i % 2 else None)
        for i in range(PER_PAGE + 1)
    ]
    accounts.append(Account("x", "<script>", "镇/<b>支部", "dy999999", "00000000"))
    page = cards_html(accounts, public_url(config(hub={"public_url": "https://xuexi.example.cn"})))
    assert page.count('class="page"') == 2
    assert page.count('class="card"') == PER_PAGE + 2
    first = page.split('class="card"')[2]
    for text in ("党员1", "花王村党支部", "dy000001", "12345671", "https://xuexi.example.cn/"):
        assert text in first
    assert "<svg" in first and "</svg>" in first
    # an account that already had its password gets no password, only how to get one
    assert "已设置过" in page.split('class="card"')[1]
    assert "<script>" not in page and html.escape("<script>") in page
    assert html.escape("<b>支部") in page


def test_the_hub_database_commits_to_a_write_ahead_log(tmp_path: Path) -> None:
    import threading

    from exam_tools.hub.jhconfig import hub_db_connection

    con = hub_db_connection(str(tmp_path / "jupyterhub.sqlite"))
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    con.execute("CREATE TABLE t (a)")
    con.commit()
    errors: list[BaseException] = []

    def other_thread() -> None:  # JupyterHub uses its connections from its executor's threads
        try:
            con.execute("INSERT INTO t VALUES (1)")
            con.commit()
        except BaseException as exc:  # reported by the assert below
            errors.append(exc)

    t = threading.Thread(target=other_thread)
    t.start()
    t.join()
    assert not errors and con.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    con.close()


def test_prestart_starts_a_few_at_a_time_and_names_failures() -> None:
    from exam_tools.hub.prestart import Outcome, PrestartError, prestart

    class FakeHub:
        def __init__(self) -> None:
            self.started: dict[str, int] = {}
            self.most = 0
            self.polls = 0

        def start(self, login: str) -> None:
            if login == "dy000003":
                raise PrestartError("Hub 拒绝启动（HTTP 403）")
            self.started[login] = 0

        def ready(self, login: str) -> bool:
            self.started[login] += 1
            running = [k for k, v in self.started.items() if v < 2]
            self.most = max(self.most, len(running))
            return self.started[login] >= 2

    fake = FakeHub()
    logins = [f"dy00000{i}" for i in range(1, 8)]
    done: list[str] = []
    out = prestart(fake, [*logins, "dy000001"], parallel=2, tick=done.append)  # type: ignore[arg-type]
    assert isinstance(out, Outcome)
    assert sorted(out.ready) == [x for x in logins if x != "dy000003"]
    assert out.failed == {"dy000003": "Hub 拒绝启动（HTTP 403）"}
    assert fake.most <= 2 and sorted(done) == sorted(logins)  # never more than 2 starting
    assert "1 名没有启动成功：dy000003（Hub 拒绝启动（HTTP 403））" in out.message()
