"""The hub's one YAML file, merged over defaults (as The Littlest JupyterHub does).

``DIR/config.yaml`` holds only what differs from :data:`DEFAULTS`; :func:`load_config` merges it
and checks it whole, naming the key and the problem. Everything here is pure: the file is read at
the edge (:func:`read_config`), and the JupyterHub settings are made from the merged dict by the
``update_*`` functions in :mod:`exam_tools.hub.jhconfig`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exam_tools.errors import InvalidInputError, Location, Problem
from exam_tools.hub.limits import parse_size

CONFIG_FILE = "config.yaml"

#: The landing page members see (the member side writes it; Voilà renders it).
LANDING = "我的学习.ipynb"

DEFAULTS: dict[str, Any] = {
    "hub": {
        # where members' browsers connect (the proxy) and where the hub's API listens
        "ip": "",
        "port": 8000,
        "hub_port": 8081,
        "proxy_api_port": 8001,
        # the address printed on 登录卡 (and in their QR codes); empty: http://<this host>:<port>/
        "public_url": "",
        # the venv that runs the hub and every user's server (world-readable, hub-notes 1)
        "prefix": "/opt/exam-tools-hub",
        # the hub's own database and cookie secret (root only); empty: DIR/state
        "state_dir": "",
        # addresses of the TLS reverse proxy in front (e.g. ["127.0.0.1"] for nginx on this
        # server): the hub then paces wrong passwords by the client address that proxy forwards
        # (X-Forwarded-For) instead of by the proxy's own, which every member would share
        "trusted_proxies": [],
        # the zone every time is read and shown in (exam times, hand-in times, records)
        "timezone": "Asia/Shanghai",
    },
    "users": {
        # login names are <member_prefix><6 digits>, so they never collide with system accounts
        "member_prefix": "dy",
        "member_group": "exam-members",
        "instructor_group": "exam-instructors",
        "grader_prefix": "grader-",
        "home_base": "/home",
        # instructors' login names (Unix accounts, created by `exam-tools hub init`)
        "instructors": [],
    },
    # wrong passwords (hub logins and `su` alike, counted per account by pam_faillock): after
    # max_failures within lock_minutes the account is locked for lock_minutes, or until an
    # organiser runs `exam-tools hub unlock DIR LOGIN` (hub-notes 14)
    "login": {"max_failures": 5, "lock_minutes": 30},
    "exchange": {"root": "/srv/exam-tools/exchange"},
    # the question bank and courses that assign, release, exam open --practice and
    # publish-records read with --hub; empty: the copies installed in the venv (hub.prefix)
    "content": {"question_bank": "", "courses": ""},
    # one entry per course: {id, title, instructors: [login names], port}
    "courses": [],
    "member": {
        # a folder whose notebooks (the landing page among them) are copied into each member's home
        "notebooks": "",
        "landing": LANDING,
        # a kernel no page has been connected to for this long is shut down (a closed page, a
        # reload, a killed browser: hub-notes 7 and 17); a page still open keeps its kernel
        "cull_idle_timeout": 600,
        "cull_interval": 60,
        # a member's server with no activity is stopped by the hub after this many seconds
        "server_idle_timeout": 1800,
        # each member's server and kernels together: memory at most (a kernel that takes more is
        # killed alone) and processes/threads at most; measured use is about 80 MiB for the server
        # and 90-130 MiB per open page's kernel (benchmarks/bench_member_server.py, bench_hub.py)
        "mem_limit": "1G",
        "pids_limit": 256,
        # the largest file a member's server or kernel may write (RLIMIT_FSIZE): the member page
        # writes files of a few KiB; one member cannot fill the disk with one file
        "file_size_limit": "64M",
        # members' servers are forks of one process that has imported them already
        # (exam_tools.hub.forkserver): a login costs ~2 CPU-s less, the imported code is shared
        "fork_server": True,
        # members' servers and kernels not yet serving a page yield the CPU to the exam service,
        # the hub and its proxy (niceness 0..19): while a sitting logs in, answers are saved at once
        "nice": 5,
    },
    "instructor": {"locale": "zh_CN"},
    # logins on shared PCs (issue 17 item 2): the login ends when the browser closes, after this
    # many minutes without a tap, and on a site PC (kiosk) a few seconds after each 交卷
    "session": {"idle_minutes": 30.0, "kiosk": False},
    # the exam service (issue 12): name, port (0: off), user, db, each member's request limit
    # (rate a second after a burst; issue 16); see exam_tools.hub.examservice
    "exam_service": {
        "name": "exam",
        "port": 8090,
        "user": "exam-service",
        "db": "",
        "rate": 5,
        "burst": 20,
    },
}

NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
COURSE_ID = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


def merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` merged into a copy of ``base``: mappings key by key, anything else replaced."""
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _check(cfg: Mapping[str, Any], path: str) -> list[Problem]:
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(Location(path), None, field, message))

    for section, defaults in DEFAULTS.items():
        value = cfg.get(section)
        if isinstance(defaults, dict):
            if not isinstance(value, Mapping):
                bad(section, "应为键值对（映射）")
                continue
            for key in value:
                if key not in defaults:
                    bad(f"{section}.{key}", f"未知设置；可用的有 {'、'.join(defaults)}")
            for key, default in defaults.items():
                got = value.get(key)
                if isinstance(default, bool | int) and not isinstance(got, int):
                    bad(f"{section}.{key}", f"应为整数，现在是 {got!r}")
                elif isinstance(default, float) and (
                    isinstance(got, bool) or not isinstance(got, int | float) or got <= 0
                ):
                    bad(f"{section}.{key}", f"应为大于 0 的数，现在是 {got!r}")
                elif isinstance(default, str) and not isinstance(got, str):
                    bad(f"{section}.{key}", f"应为文字，现在是 {got!r}")
                elif isinstance(default, list) and not isinstance(got, list):
                    bad(f"{section}.{key}", f"应为列表，现在是 {got!r}")
    for key in cfg:
        if key not in DEFAULTS:
            bad(key, f"未知设置；可用的有 {'、'.join(DEFAULTS)}")
    hub = cfg.get("hub")
    if isinstance(hub, Mapping) and isinstance(hub.get("timezone"), str):
        from exam_tools.timezone import zone

        try:
            zone(hub["timezone"])
        except InvalidInputError:
            bad("hub.timezone", f"时区 {hub['timezone']!r} 不认识（应如 Asia/Shanghai）")
    users = cfg.get("users")
    if isinstance(users, Mapping):
        for name in users.get("instructors") or []:
            if not isinstance(name, str) or not NAME.match(name):
                bad(
                    "users.instructors",
                    f"登录名 {name!r} 不合要求（小写字母开头，字母、数字、-、_）",
                )
        prefix = users.get("member_prefix")
        if isinstance(prefix, str) and not NAME.match(prefix + "0"):
            bad("users.member_prefix", f"{prefix!r} 不合要求（小写字母开头，字母、数字、-、_）")
    member = cfg.get("member")
    for key in ("mem_limit", "file_size_limit"):
        if isinstance(member, Mapping) and isinstance(member.get(key), str):
            try:
                parse_size(member[key])
            except InvalidInputError as exc:
                bad(f"member.{key}", str(exc))
    nice = member.get("nice") if isinstance(member, Mapping) else None
    if isinstance(nice, int) and not 0 <= nice <= 19:
        bad("member.nice", f"{nice} 不在 0–19 之间（0 与 Hub 相同，越大越让出 CPU）")
    courses = cfg.get("courses")
    if isinstance(courses, list):
        seen: set[str] = set()
        ports: set[int] = set()
        for i, course in enumerate(courses, 1):
            where = f"courses[{i}]"
            if not isinstance(course, Mapping):
                bad(where, "应为键值对：id、title、instructors、port")
                continue
            cid = course.get("id")
            if not isinstance(cid, str) or not COURSE_ID.match(cid):
                bad(
                    f"{where}.id",
                    f"课程编号 {cid!r} 不合要求（小写字母开头，字母、数字、_，最长 24）",
                )
            elif cid in seen:
                bad(f"{where}.id", f"课程编号 {cid} 重复")
            else:
                seen.add(cid)
            port = course.get("port")
            if not isinstance(port, int) or not 1024 < port < 65536:
                bad(f"{where}.port", f"阅卷服务端口应为 1025–65535 的整数，现在是 {port!r}")
            elif port in ports:
                bad(f"{where}.port", f"端口 {port} 重复")
            else:
                ports.add(port)
            for name in course.get("instructors") or []:
                if name not in ((users or {}).get("instructors") or []):
                    bad(f"{where}.instructors", f"{name} 不在 users.instructors 里")
    return problems


def load_config(over: Mapping[str, Any] | None, path: str = CONFIG_FILE) -> dict[str, Any]:
    """Defaults merged with ``over``; raises :class:`InvalidInputError` listing every problem."""
    cfg = merge(DEFAULTS, over or {})
    problems = _check(cfg, path)
    if problems:
        raise InvalidInputError(f"{path} 有 {len(problems)} 处设置不对", problems)
    return cfg


def read_config(directory: Path) -> dict[str, Any]:
    """Read and check ``DIR/config.yaml`` (missing: the defaults)."""
    import yaml

    path = directory / CONFIG_FILE
    if not path.exists():
        return load_config({}, str(path))
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise InvalidInputError("YAML 格式错误", location=Location(str(path), line)) from None
    if not isinstance(data, Mapping):
        raise InvalidInputError("应为键值对（映射）", location=Location(str(path)))
    return load_config(data, str(path))


def content_dir(cfg: Mapping[str, Any], name: str) -> Path:
    """``content.question_bank`` or ``content.courses``; empty: the copy installed in the venv,
    else the one :func:`exam_tools.paths.find_bundled` finds."""
    from exam_tools.paths import find_bundled, installed

    if cfg["content"][name]:
        return Path(cfg["content"][name])
    copy = installed(name, cfg["hub"]["prefix"])
    return copy if copy.is_dir() else find_bundled(name)


def state_dir(cfg: Mapping[str, Any], directory: Path) -> Path:
    return Path(cfg["hub"]["state_dir"] or directory / "state")


def role_dir(directory: Path, role: str) -> Path:
    """Jupyter config folder added to ``JUPYTER_CONFIG_PATH`` for ``member``/``instructor``/``grader``."""
    return directory / "jupyter" / role


def grader_name(cfg: Mapping[str, Any], course_id: str) -> str:
    return f"{cfg['users']['grader_prefix']}{course_id}"


def course_root(cfg: Mapping[str, Any], course_id: str) -> Path:
    """The course directory, in the grader account's home (nbgrader's multi-course layout)."""
    return Path(cfg["users"]["home_base"]) / grader_name(cfg, course_id) / course_id


def public_url(cfg: Mapping[str, Any], host: str = "localhost") -> str:
    url = cfg["hub"]["public_url"] or f"http://{host}:{cfg['hub']['port']}/"
    return url if url.endswith("/") else url + "/"
