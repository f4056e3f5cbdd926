"""The exam service in the hub's deployment: its config section, account, JupyterHub entries.

``config.yaml`` may set ``exam_service: {name, port, user, db, rate, burst}``; ``port: 0`` turns
the service off; ``rate`` and ``burst`` are each member's request limit (requests a second after a
burst of ``burst``; see :mod:`exam_tools.service.limits`).
JupyterHub runs it as a managed service under its own Unix account (the database in
that account's private home), members' servers learn its address from ``EXAM_TOOLS_SERVICE_URL``,
and every hub user's token may use it (scope ``access:services!service=<name>``): the service
itself lets each member act only for themself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "name": "exam",
    "port": 8090,
    "user": "exam-service",
    # the service's database; empty: <home_base>/<user>/exam-service.sqlite
    "db": "",
    "rate": 5,  # requests a second each member may make, after
    "burst": 20,  # this many at once (exam_tools.service.limits)
}

#: The service's session's niceness: ahead of the hub and its proxy (0) and of members' servers
#: and kernels waiting for a page (member.nice), so answers are saved at once while a sitting
#: logs in (exam_tools.hub.runas)
NICE = -5


def settings(cfg: Mapping[str, Any]) -> dict[str, Any]:
    return {**DEFAULTS, **(cfg.get("exam_service") or {})}


def enabled(cfg: Mapping[str, Any]) -> bool:
    return bool(settings(cfg)["port"])


def home(cfg: Mapping[str, Any]) -> Path:
    return Path(cfg["users"]["home_base"]) / str(settings(cfg)["user"])


def db_path(cfg: Mapping[str, Any]) -> Path:
    s = settings(cfg)
    return Path(str(s["db"])) if s["db"] else home(cfg) / "exam-service.sqlite"


def service_url(cfg: Mapping[str, Any]) -> str:
    s = settings(cfg)
    return f"http://127.0.0.1:{s['port']}/services/{s['name']}"


def service_entry(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The ``c.JupyterHub.services`` entry."""
    s = settings(cfg)
    prefix = Path(cfg["hub"]["prefix"])
    return {
        "name": s["name"],
        "url": f"http://127.0.0.1:{s['port']}",
        # started as root by runas, which gives the service's session more weight on the CPU
        # than members' (their answers are saved at once while others log in) and drops to the
        # service's account before the service runs (exam_tools.hub.runas)
        "command": [
            str(prefix / "bin" / "python"),
            "-m",
            "exam_tools.hub.runas",
            "--nice",
            str(NICE),
            str(s["user"]),
            "--",
            str(prefix / "bin" / "python"),
            "-m",
            "exam_tools.service.server",
            "--rate",
            str(s["rate"]),
            "--burst",
            str(s["burst"]),
            "--instructor-group",  # who may host a 知识竞赛 (exam_tools.service.contest_web)
            str(cfg["users"]["instructor_group"]),
            "--db",
            str(db_path(cfg)),
        ],
        "cwd": str(home(cfg)),
        "environment": {
            "HOME": str(home(cfg)),
            "PATH": f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        },
        "display": False,
        "oauth_no_confirm": True,  # the 知识竞赛's projector page: the instructor's hub login
    }


def user_role(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """JupyterHub's default ``user`` role, plus using the exam service."""
    return {"name": "user", "scopes": ["self", f"access:services!service={settings(cfg)['name']}"]}


def ensure_account(cfg: Mapping[str, Any]) -> None:
    """The service's own Unix account, with a private home holding the database (needs root)."""
    import shutil

    from exam_tools.hub import system

    s = settings(cfg)
    system.ensure_user(s["user"], [], cfg["users"]["home_base"])
    db = db_path(cfg)
    db.parent.mkdir(parents=True, exist_ok=True)
    for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if path.exists():
            shutil.chown(path, s["user"], s["user"])
            path.chmod(0o600)
