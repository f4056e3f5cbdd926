"""Start a sitting's servers before the sitting: ``exam-tools hub prestart``.

Thirty members logging in at once on two cores queue for minutes while their servers start (each
start costs a couple of CPU-seconds; issue 18). Starting the servers ahead, a few at a time, moves
that queue to before the exam: a member who logs in then finds 我的学习 ready. The command talks to
JupyterHub's REST API with the token of an API-only service, ``exam-tools-admin``, whose role may
create users and start their servers and nothing else; ``hub init`` writes the token into the
hub's state folder (root only), and the hub reads it from there when it starts. Z2JH's user
placeholders play this role on Kubernetes.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from exam_tools.errors import ExamToolsError

SERVICE = "exam-tools-admin"
TOKEN_FILE = "admin-api-token"
#: What the service may do: create members in the hub's database and start their servers.
SCOPES = ["admin:users", "servers", "read:users"]


class PrestartError(ExamToolsError, RuntimeError):
    pass


def token_path(state: Path) -> Path:
    return state / TOKEN_FILE


def ensure_token(state: Path) -> Path:
    """The service's token file in the hub's state folder (0600, made once)."""
    path = token_path(state)
    if not path.exists():
        path.write_text(secrets.token_hex(32) + "\n", "utf-8")
    path.chmod(0o600)
    return path


def read_token(state: Path) -> str | None:
    try:
        return token_path(state).read_text("utf-8").strip() or None
    except OSError:
        return None


def service_entry(token: str) -> dict[str, Any]:
    """The ``c.JupyterHub.services`` entry: no URL and no command, only an API token."""
    return {"name": SERVICE, "api_token": token}


def role() -> dict[str, Any]:
    return {"name": SERVICE, "scopes": list(SCOPES), "services": [SERVICE]}


@dataclass
class Outcome:
    ready: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def message(self) -> str:
        line = f"已提前启动 {len(self.ready)} 名党员的学习页面（用时 {self.seconds:.0f} 秒）"
        if self.failed:
            names = "、".join(f"{k}（{v}）" for k, v in sorted(self.failed.items()))
            line += f"；{len(self.failed)} 名没有启动成功：{names}"
        return line


class HubAPI:
    """The few REST calls prestart needs (``/hub/api``), with the service's token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method: str, path: str) -> tuple[int, Any]:
        req = urllib.request.Request(
            f"{self.base}{path}", method=method, data=b"" if method == "POST" else None,
            headers={"Authorization": f"token {self.token}"},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                body = r.read()
                return r.status, json.loads(body) if body else None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except OSError as exc:
            raise PrestartError(f"连不上 JupyterHub（{self.base}）：{exc}；Hub 在运行吗？") from exc

    def start(self, login: str) -> None:
        user = quote(login, safe="")
        status, _ = self.call("POST", f"/users/{user}")  # 201 created, 409 already there
        if status not in (201, 409):
            raise PrestartError(f"Hub 拒绝建立用户（HTTP {status}）")
        status, _ = self.call("POST", f"/users/{user}/server")  # 201, 202 pending, 400 running
        if status not in (201, 202, 400):
            raise PrestartError(f"Hub 拒绝启动（HTTP {status}）")

    def ready(self, login: str) -> bool:
        status, model = self.call("GET", f"/users/{quote(login, safe='')}")
        server = ((model or {}).get("servers") or {}).get("") if status == 200 else None
        return bool(server and server.get("ready"))


def prestart(
    api: HubAPI,
    logins: Iterable[str],
    parallel: int = 3,
    timeout: float = 300,
    tick: Callable[[str], None] = lambda _login: None,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Start the servers of ``logins``, at most ``parallel`` starting at a time; wait for each."""
    waiting = list(dict.fromkeys(logins))
    out = Outcome()
    began = clock()
    starting: dict[str, float] = {}
    while waiting or starting:
        while waiting and len(starting) < parallel:
            login = waiting.pop(0)
            try:
                api.start(login)
            except PrestartError as exc:
                out.failed[login] = str(exc)
                tick(login)
                continue
            starting[login] = clock()
        time.sleep(0.5)
        for login, since in list(starting.items()):
            if api.ready(login):
                out.ready.append(login)
            elif clock() - since > timeout:
                out.failed[login] = f"{timeout:.0f} 秒内没有启动好"
            else:
                continue
            del starting[login]
            tick(login)
    out.seconds = clock() - began
    return out
