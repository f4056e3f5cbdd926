"""How long a login lasts on the hub (issue 17 item 2: shared PCs in a village).

- **Browser closes, login ends.** Every cookie the hub and the single-user servers set is a
  session cookie (``cookie_options: {expires_days: None}``; the hub hands the same options to
  each server as ``JUPYTERHUB_COOKIE_OPTIONS``). JupyterHub's own default is 30 days.
- **Idle minutes.** The hub accepts its login cookie for ``session.idle_minutes`` after it was
  signed (``cookie_max_age_days``), and the OAuth tokens of the single-user servers live as long.
  While a member taps, the member page loads ``/hub/exam-tools/alive``, which signs the cookie
  again (:mod:`exam_tools.hub.alive`); a page left open logs itself out after the same minutes
  (:mod:`exam_tools.quiz.session`). Members' servers check a token with the hub at least every
  :func:`token_cache_seconds`, so an expired login is not served from their cache for long.
- **退出登录** (``/hub/logout``) clears the cookies, deletes the session's tokens and, with
  ``shutdown_on_logout``, stops the member's server, so ``/user/<name>/`` serves nobody afterwards.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

ALIVE_PATH = r"/exam-tools/alive"

#: A 1x1 transparent GIF (the answer to the page's tiny image).
GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def idle_seconds(cfg: Mapping[str, Any]) -> float:
    return float(cfg["session"]["idle_minutes"]) * 60


def token_cache_seconds(cfg: Mapping[str, Any]) -> int:
    """How long a member's server may trust a token without asking the hub (JupyterHub: 300)."""
    return int(min(300, max(1, idle_seconds(cfg) // 10)))


def member_environment(cfg: Mapping[str, Any]) -> dict[str, str]:
    """What the member page reads (see :mod:`exam_tools.quiz.session`)."""
    s = cfg["session"]
    return {"EXAM_TOOLS_IDLE_MINUTES": f"{float(s['idle_minutes']):g}",
            "EXAM_TOOLS_KIOSK": "1" if s["kiosk"] else "0"}  # fmt: skip


async def _alive(handler: Any) -> None:
    user = handler.current_user
    if user is not None and getattr(user, "name", None) is not None:
        handler.set_hub_cookie(user)  # signed now: the idle minutes count from this tap
    else:
        handler.set_status(403)
    handler.set_header("Cache-Control", "no-store")
    handler.set_header("Content-Type", "image/gif")
    handler.finish(GIF)


def make_alive_handler() -> Any:
    """The handler of ``/hub/exam-tools/alive`` (imports JupyterHub: in the hub only)."""
    base = importlib.import_module("jupyterhub.handlers").BaseHandler

    async def get(self: Any) -> None:
        await _alive(self)

    return type("ExamToolsAliveHandler", (base,), {"get": get})


def update_session(c: Any, cfg: Mapping[str, Any]) -> None:
    """The hub's session settings (see the module's docstring)."""
    idle = idle_seconds(cfg)
    c.JupyterHub.cookie_max_age_days = idle / 86400
    c.JupyterHub.oauth_token_expires_in = max(1, int(idle))
    c.JupyterHub.shutdown_on_logout = True
    # the cookies' expires_days=None (session cookies) is in jhconfig.cookie_options, the one
    # place that sets the hub's tornado_settings
    # tornado imports the handler by name when the hub starts (exam_tools.hub.alive)
    c.JupyterHub.extra_handlers = [(ALIVE_PATH, "exam_tools.hub.alive.AliveHandler")]
