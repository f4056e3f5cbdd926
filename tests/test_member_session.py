"""退出登录, idle and kiosk logouts on the member page, and the hub's session settings (issue 17
item 2), without a hub; tests/test_member_day_hub.py walks them in a browser through a real one."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from exam_tools.hub.config import load_config
from exam_tools.hub.files import member_server_config
from exam_tools.hub.jhconfig import cookie_options, spawn_settings
from exam_tools.hub.session import token_cache_seconds, update_session
from exam_tools.quiz import session as S


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(idle: float = 30, kiosk: bool = False) -> tuple[S.MemberSession, Clock]:
    clock = Clock()
    s = S.MemberSession("/", idle=idle, kiosk_mode=kiosk, clock=clock, check_every=3600)
    return s, clock


def test_the_page_has_a_logout_link_and_pings_the_hub_on_taps() -> None:
    s, clock = make(idle=30)
    assert '<a class="et-logout" href="/hub/logout" target="_top">退出登录</a>' in s.bar.value
    assert 'src="/hub/exam-tools/alive?n=1"' in s.bar.value  # the page opened: a tap
    clock.now += 30
    S.touch()  # every page's taps go through touch(): a second ping only after a minute
    assert s.pings == 1 and not s.idle_due()
    clock.now += 31
    S.touch()
    assert s.pings == 2 and 'alive?n=2"' in s.bar.value
    s.stop()


def test_idle_minutes_without_a_tap_log_out() -> None:
    s, clock = make(idle=30)
    clock.now += 29 * 60
    assert not s.idle_due()
    s.touch()
    clock.now += 29 * 60
    assert not s.idle_due()
    clock.now += 61
    assert s.idle_due()
    s.logout()
    assert '<meta http-equiv="refresh" content="0;url=/hub/logout">' in s.bar.value
    s.touch()  # logged out: taps change nothing
    assert "refresh" in s.bar.value
    s.stop()


@pytest.mark.parametrize("kiosk", [True, False])
def test_kiosk_logs_out_a_few_seconds_after_hand_in(kiosk: bool) -> None:
    s, _clock = make(kiosk=kiosk)
    s.handed_in()
    assert (f'content="{S.KIOSK_DELAY};url=/hub/logout"' in s.bar.value) is kiosk
    assert ("已交卷" in s.bar.value) is kiosk
    s.stop()


def test_off_the_hub_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTERHUB_API_URL", raising=False)
    assert S.member_session() is None
    monkeypatch.setenv("JUPYTERHUB_API_URL", "http://127.0.0.1:8081/hub/api")
    monkeypatch.setenv("JUPYTERHUB_BASE_URL", "/jh")
    monkeypatch.setenv("EXAM_TOOLS_IDLE_MINUTES", "0")
    monkeypatch.setenv("EXAM_TOOLS_KIOSK", "1")
    s = S.member_session()
    assert s is not None and s.logout_url == "/jh/hub/logout" and s.kiosk and not s.idle
    s.stop()


def test_hub_session_settings() -> None:
    cfg = load_config({"session": {"idle_minutes": 20, "kiosk": True}})
    c = SimpleNamespace(JupyterHub=SimpleNamespace())
    update_session(c, cfg)
    assert c.JupyterHub.cookie_max_age_days * 86400 == pytest.approx(20 * 60)
    assert c.JupyterHub.oauth_token_expires_in == 20 * 60
    assert c.JupyterHub.shutdown_on_logout is True
    # no expiry date: the browser drops the cookies when it closes (JupyterHub's default: 30 days)
    assert cookie_options(cfg)["expires_days"] is None
    assert c.JupyterHub.extra_handlers == [
        ("/exam-tools/alive", "exam_tools.hub.alive.AliveHandler")
    ]
    assert member_server_config(cfg)["HubOAuth"] == {"cache_max_age": token_cache_seconds(cfg)}
    assert token_cache_seconds(cfg) == 120
    env = spawn_settings("dy1", ["exam-members"], None, cfg, Path("/srv/hub"))["environment"]
    assert env["EXAM_TOOLS_IDLE_MINUTES"] == "20" and env["EXAM_TOOLS_KIOSK"] == "1"
    with pytest.raises(ValueError, match=r"session\.idle_minutes"):
        load_config({"session": {"idle_minutes": 0}})
    assert load_config({})["session"] == {"idle_minutes": 30.0, "kiosk": False}
