"""退出登录, logout after idle minutes and kiosk mode on a shared PC (issue 17 item 2).

On the hub the member page carries a 退出登录 button (a link to the hub's ``/hub/logout``, which
ends the login, the single-user server's token and, with ``shutdown_on_logout``, the server).
The kernel sees every tap (:func:`touch`), so it knows when the member went away: after
``EXAM_TOOLS_IDLE_MINUTES`` without a tap the page goes to the logout itself. While the member taps,
a tiny image from the hub (``/hub/exam-tools/alive``) re-signs the hub's login cookie, whose
lifetime is those same minutes: a page closed without logging out leaves a login that ends on its
own (the server-side bound; see :mod:`exam_tools.hub.session`). With ``EXAM_TOOLS_KIOSK`` (site PCs)
the page logs out a few seconds after each 交卷.

Navigation uses a ``<meta http-equiv="refresh">`` put into the page by a widget, which browsers obey
when it is inserted: no JavaScript. Off the hub (no ``JUPYTERHUB_API_URL``) none of this exists.
"""

from __future__ import annotations

import html
import os
import threading
import time
import weakref
from collections.abc import Callable

import ipywidgets as w

from exam_tools.quiz import shared

LOGOUT_TEXT = "退出登录"
KIOSK_DELAY = 8  # seconds between 已交卷 and the logout on a site PC

LOGOUT_CSS = """<style>
.et-session { display: flex; justify-content: flex-end; }
.et-session a.et-logout { display: inline-flex; align-items: center; min-height: 48px;
  padding: 6px 18px; font-size: 20px; color: #333; background: #eee; border: 1px solid #aaa;
  border-radius: 6px; text-decoration: none; box-sizing: border-box; }
.et-session .et-kiosk { font-size: 22px; font-weight: bold; color: #064; margin: 8px 0; }
</style>"""

_sessions: weakref.WeakSet[MemberSession] = weakref.WeakSet()


def touch() -> None:
    """A tap: the member is here (every page's buttons and answers call it)."""
    for s in list(_sessions):
        s.touch()


def hub_base() -> str | None:
    """The hub's base URL (``/`` by default) when this kernel runs on the hub, else None."""
    if not os.environ.get("JUPYTERHUB_API_URL"):
        return None
    base = os.environ.get("JUPYTERHUB_BASE_URL") or "/"
    return base if base.endswith("/") else base + "/"


def idle_minutes() -> float:
    try:
        return max(0.0, float(os.environ.get("EXAM_TOOLS_IDLE_MINUTES", "0")))
    except ValueError:
        return 0.0


def kiosk() -> bool:
    return os.environ.get("EXAM_TOOLS_KIOSK", "") not in ("", "0")


def refresh_html(url: str, delay: float = 0) -> str:
    return f'<meta http-equiv="refresh" content="{delay:g};url={html.escape(url, quote=True)}">'


class MemberSession:
    """The 退出登录 bar at the top of the member page, with the idle and kiosk logouts."""

    def __init__(
        self,
        base: str,
        *,
        idle: float = 0,
        kiosk_mode: bool = False,
        clock: Callable[[], float] = time.monotonic,
        check_every: float = 2.0,
    ) -> None:
        self.logout_url = base + "hub/logout"
        self.alive_url = base + "hub/exam-tools/alive"
        self.idle = idle * 60  # seconds; 0: never
        self.kiosk = kiosk_mode
        self.clock = clock
        self.last = clock()
        self.pinged = float("-inf")
        self.pings = 0
        self.logged_out = False
        self.bar = shared.html(self._bar_html(), classes=("et-session",))
        self.widget = w.VBox([self.bar])
        self._stop = threading.Event()
        _sessions.add(self)
        self.touch()
        if self.idle:
            threading.Thread(
                target=self._watch, args=(check_every,), name="exam-tools-idle", daemon=True
            ).start()

    def _bar_html(self, extra: str = "") -> str:
        link = (
            f'<a class="et-logout" href="{html.escape(self.logout_url, quote=True)}" '
            f'target="_top">{LOGOUT_TEXT}</a>'
        )
        return f'{LOGOUT_CSS}<div class="et-session">{link}</div>{extra}'

    @property
    def ping_every(self) -> float:
        """Re-sign the hub cookie at most this often (a tap a second must not cost a request)."""
        return min(60.0, self.idle / 4) if self.idle else 300.0

    def touch(self) -> None:
        if self.logged_out:
            return
        now = self.clock()
        self.last = now
        if now - self.pinged >= self.ping_every:
            self.pinged = now
            self.pings += 1
            url = html.escape(f"{self.alive_url}?n={self.pings}", quote=True)
            self.bar.value = self._bar_html(
                f'<img src="{url}" alt="" width="1" height="1" style="position: absolute; '
                'opacity: 0">'
            )

    def logout(self, delay: float = 0, message: str = "") -> None:
        """Send the page to the hub's logout (after ``delay`` seconds, showing ``message``)."""
        self.logged_out = True
        self._stop.set()
        note = f'<div class="et-kiosk">{html.escape(message)}</div>' if message else ""
        self.bar.value = self._bar_html(note + refresh_html(self.logout_url, delay))

    def handed_in(self) -> None:
        """交卷 confirmed: on a site PC (kiosk) the next person must not find this member."""
        if self.kiosk and not self.logged_out:
            self.logout(KIOSK_DELAY, f"已交卷。{KIOSK_DELAY} 秒后自动退出登录，下一位请重新登录。")

    def idle_due(self) -> bool:
        return bool(self.idle) and self.clock() - self.last >= self.idle

    def _watch(self, every: float) -> None:
        while not self._stop.wait(every):
            if self.idle_due():
                self.logout()
                return

    def stop(self) -> None:
        self._stop.set()
        _sessions.discard(self)


def member_session() -> MemberSession | None:
    """The session bar for a page running on the hub, from the spawn environment; else None."""
    base = hub_base()
    if base is None:
        return None
    return MemberSession(base, idle=idle_minutes(), kiosk_mode=kiosk())
