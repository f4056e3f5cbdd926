"""JupyterHub's PAM login, paced before PAM is asked (loaded by the hub only; hub venv).

:class:`ThrottledPAMAuthenticator` is JupyterHub's ``PAMAuthenticator`` with a gate in front:

- a client address that sent wrong passwords waits 1, 2, 4 … (up to 300) seconds, an account
  with recent failures (pam_faillock's tally, shared with ``su``) 1, 2, 4 … (up to 60): a login
  arriving sooner is answered at once with 429 and a Chinese message, without asking PAM;
- a name that is no account of the member or instructor group is refused without asking PAM;
- PAM runs our own service (``/etc/pam.d/exam-tools-hub``, :mod:`exam_tools.hub.pam`):
  ``pam_faillock`` locks the account after ``deny`` failures and there is no ``pam_faildelay``,
  so a wrong password never holds one of the hub's PAM threads for seconds (hub-notes 14).
"""

from __future__ import annotations

import grp
import pwd
import time
from pathlib import Path
from typing import Any

from jupyterhub.auth import PAMAuthenticator  # type: ignore[import-not-found]  # hub venv only
from tornado import web
from traitlets import Integer, Unicode

from exam_tools.hub.throttle import Backoff, account_wait


class ThrottledPAMAuthenticator(PAMAuthenticator):  # type: ignore[misc]  # untyped base
    faillock_dir = Unicode("/var/run/faillock", config=True, help="pam_faillock's tally folder")
    fail_interval = Integer(1800, config=True, help="seconds failures count for (pam_faillock)")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clients = Backoff()

    def account_wait(self, name: str, now_wall: float) -> float:
        if not name or "/" in name or name.startswith("."):
            return 0.0
        try:
            st = (Path(self.faillock_dir) / name).stat()
        except OSError:
            return 0.0
        return account_wait(st.st_size, st.st_mtime, now_wall, self.fail_interval)

    def may_log_in(self, name: str) -> bool:
        """An account in one of the allowed groups (members, instructors)."""
        try:
            entry = pwd.getpwnam(name)
        except (KeyError, UnicodeEncodeError, ValueError):
            return False
        groups = set()
        for g in self.allowed_groups:
            try:
                info = grp.getgrnam(g)
            except KeyError:
                continue
            if name in info.gr_mem or info.gr_gid == entry.pw_gid:
                groups.add(g)
        return bool(groups)

    async def authenticate(self, handler: Any, data: dict[str, Any]) -> Any:
        name = str(data.get("username") or "")
        client = handler.request.remote_ip if handler is not None else ""
        now = time.monotonic()
        wait = max(self.clients.wait(client, now), self.account_wait(name, time.time()))
        if wait > 0:
            self.log.warning("login paced (%r@%s): %.0f s to wait", name[:32], client, wait)
            message = f"登录失败次数太多，请 {int(wait) + 1} 秒后再试"
            error = web.HTTPError(429, message)
            error.jupyterhub_message = message  # type: ignore[attr-defined]  # the hub's error page shows it
            raise error
        if not self.may_log_in(name):
            self.clients.failed(client, now)
            self.log.warning(
                "login refused, no such member or instructor (%r@%s)", name[:32], client
            )
            return None
        result = await super().authenticate(handler, data)
        if result is None:
            self.clients.failed(client, time.monotonic())
        return result
