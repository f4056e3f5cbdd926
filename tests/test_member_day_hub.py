"""A member's day at a shared PC and on a phone, in headless Chromium through a real JupyterHub
(issue 17 items 2 and 3): 退出登录, the login ending with the browser and after idle minutes,
kiosk logout after 交卷, and no Latin word on any page a member sees on the way in.

Needs root (a LocalHub: Unix accounts ``etday-…``, removed afterwards) and the hub venv; ports
18300-18304 are this file's own. The hub runs with ``session: {idle_minutes: 1, kiosk: true}``,
so "idle" is 60 s here. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from exam_tools.hub.localhub import LocalHub

from .conftest import DATA, ROOT, running_hub

PORT = 18300
COURSE = "etdayc"
IDLE = 60  # seconds (session.idle_minutes: 1)
LOGIN_H1 = "党员学习平台 登录"
PRACTICE = "公用电脑上的练习"
LATIN = re.compile(r"[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=4, port=PORT, prefix="etday-", course=COURSE,
                     env={"EXAM_TOOLS_ROOT": str(ROOT)},
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb",
                     extra_config="session: {idle_minutes: 1, kiosk: true}\n")  # fmt: skip
    for hub in running_hub(local):
        hub.cli("exam", "open", "kiosk", "--practice", "rice/practice", "--title", PRACTICE,
                "--service-db", str(hub.service_db), "--courses", str(DATA / "courses"))  # fmt: skip
        yield hub


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def shot(page: Any, what: str) -> None:
    from .test_member_ui import shot as keep

    keep(page, f"day-{what}")


SAMPLE = """() => {
  const out = {text: document.body ? document.body.innerText : ""};
  for (const sel of ["#et-loading-text", "#loading_text"]) {
    const e = document.querySelector(sel);
    if (e && e.getClientRects().length) out[sel] = parseFloat(getComputedStyle(e).fontSize);
  }
  return out;
}"""


def sample(page: Any) -> dict[str, Any]:
    """What the member reads now (``text``) and the size of a progress text on screen."""
    from playwright.sync_api import Error

    try:
        return dict(page.evaluate(SAMPLE))
    except Error:  # the page is navigating
        return {"text": ""}


def body_text(page: Any) -> str:
    return str(sample(page)["text"])


def latin_words(text: str, allowed: list[str]) -> list[str]:
    """Latin words in ``text``, other than the member's own login name and roster id."""
    for word in allowed:
        text = text.replace(word, " ")
    text = re.sub(r"etday-[a-z0-9]+", " ", text)  # login names and roster ids of this hub
    return LATIN.findall(text)


def expect_login_page(page: Any) -> None:
    from playwright.sync_api import expect

    from .test_member_ui import WAIT

    expect(page.locator("h1")).to_have_text(LOGIN_H1, timeout=WAIT)
    assert page.locator(".et-landing").count() == 0


def log_in_watching(page: Any, hub: LocalHub, name: str) -> list[tuple[str, str]]:
    """Log in and sample what the member reads until 我的学习 has drawn: (url, innerText) pairs,
    plus the font size of the progress texts seen on the way ("size:<px>")."""
    from .test_member_ui import WAIT

    page.goto(f"{hub.url}/hub/login", timeout=WAIT)
    page.fill("#username_input", name)
    page.fill("#password_input", hub.passwords[name])
    page.click("#login_submit", no_wait_after=True)
    seen: list[tuple[str, str]] = []
    shots: set[str] = set()
    deadline = time.monotonic() + WAIT / 1000
    while time.monotonic() < deadline:
        now = sample(page)
        seen.append((page.url, now.pop("text")))
        seen += [(sel, f"size:{px}") for sel, px in now.items()]
        for sel, what in (("#et-loading-text", "spawn"), ("#loading_text", "voila-loading")):
            if sel in now and what not in shots:  # the way in, as the member saw it
                shots.add(what)
                shot(page, what)
        if page.locator(".et-landing a.et-logout").count():
            break
        page.wait_for_timeout(150)
    for _ in range(5):  # the drawn page, a moment later
        seen.append((page.url, body_text(page)))
        page.wait_for_timeout(200)
    assert page.locator(".et-landing a.et-logout").count(), seen[-3:]
    return seen


@pytest.mark.parametrize("size", ["phone", "pc"])
def test_chinese_all_the_way_in_and_logout_leaves_nothing_behind(
    hub: LocalHub, browser: Any, size: str
) -> None:
    """Login page, a wrong password, a 404 under /hub/, the spawn page, Voilà's loading page,
    我的学习, the hub's home and token pages, 退出登录: no Latin word anywhere; then a new page
    in the same browser, also at /user/<name>/, shows the login page."""
    from playwright.sync_api import expect

    from .test_member_ui import PC, PHONE, WAIT

    viewport = PHONE if size == "phone" else PC
    name = hub.logins[0 if size == "phone" else 1]
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    texts: list[tuple[str, str]] = []
    try:
        page.goto(f"{hub.url}/hub/login", timeout=WAIT)
        expect_login_page(page)
        texts.append(("login", body_text(page)))
        shot(page, "login")
        page.fill("#username_input", name)
        page.fill("#password_input", "000000")
        page.click("#login_submit")
        expect(page.locator(".login_error")).to_have_text("登录名或密码不对，请再试一次")
        texts.append(("wrong password", body_text(page)))
        shot(page, "wrong-password")
        page.goto(f"{hub.url}/hub/no-such-page", timeout=WAIT)
        expect(page.locator("h1")).to_have_text("找不到这个页面")
        texts.append(("404", body_text(page)))
        shot(page, "404")

        seen = log_in_watching(page, hub, name)
        texts += seen
        sizes = {sel: float(t[5:]) for sel, t in seen if t.startswith("size:")}
        # the spawn page and Voilà's loading page, large; either may pass faster than a sample
        # (a member's server is forked in well under a second once the fork server runs)
        for selector in ("#et-loading-text", "#loading_text"):
            if selector in sizes:
                assert sizes[selector] >= 18, seen
        shot(page, "landing")
        # the members' Voilà template drew it (Chinese loading page, shown once widgets drew)
        setup = page.evaluate("String(window.update_loading_text) + String(window.display_cells)")
        assert "et-loading-bar" in setup and "Loading widget" in setup
        landing = page.locator(".et-landing")
        logout = landing.get_by_role("link", name="退出登录")
        expect(logout).to_be_visible()
        box = logout.bounding_box()
        assert box is not None and box["height"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 0.5

        other = context.new_page()  # the hub's own pages, as a member finds them
        for path, what in (("/hub/home", "home"), ("/hub/token", "token")):
            other.goto(f"{hub.url}{path}", timeout=WAIT)
            expect(other.locator("#logout")).to_have_text("退出登录")
            texts.append((what, body_text(other)))
            shot(other, what)
            assert other.locator("#stop, #stop-server-btn").count() == 0
        other.close()

        logout.click()
        expect_login_page(page)
        texts.append(("after logout", body_text(page)))
        shot(page, "logged-out")
        again = context.new_page()  # the next person at this PC
        again.goto(hub.url + "/", timeout=WAIT)
        expect_login_page(again)
        again.goto(f"{hub.url}/user/{name}/", timeout=WAIT)
        expect_login_page(again)
        texts.append(("user url after logout", body_text(again)))
    finally:
        context.close()
    bad = [(where, latin_words(text, [name]), text[:300]) for where, text in texts
           if not text.startswith("size:") and latin_words(text, [name])]  # fmt: skip
    assert not bad, bad


def test_closing_the_browser_ends_the_login(hub: LocalHub, browser: Any) -> None:
    """Every login cookie dies with the browser: a new browser started from the cookies a browser
    keeps on disk (the persistent ones) shows the login page; with all cookies it would not."""
    from .test_member_ui import PC

    name = hub.logins[2]
    context = browser.new_context(viewport=PC)
    page = context.new_page()
    log_in_watching(page, hub, name)
    cookies = context.cookies()
    page.close()
    context.close()
    kept = [c for c in cookies if c.get("expires", -1) != -1]
    assert not [c["name"] for c in kept if "jupyterhub" in c["name"]], kept

    reopened = browser.new_context(viewport=PC)
    reopened.add_cookies(kept)
    page = reopened.new_page()
    page.goto(hub.url + "/")
    expect_login_page(page)
    page.goto(f"{hub.url}/user/{name}/")
    expect_login_page(page)
    shot(page, "browser-closed")
    reopened.close()

    same = browser.new_context(viewport=PC)  # control: the session cookies do carry the login
    same.add_cookies(cookies)
    page = same.new_page()
    page.goto(f"{hub.url}/user/{name}/")
    page.locator(".et-landing a.et-logout").first.wait_for(timeout=90_000)
    page.get_by_role("link", name="退出登录").click()
    expect_login_page(page)
    same.close()


def test_idle_minutes_end_the_login(hub: LocalHub, browser: Any) -> None:
    """Taps keep a login alive past the idle time; a page closed without 退出登录 leaves a login
    that ends after the idle time; a page left open logs itself out."""
    from playwright.sync_api import expect

    from .test_member_ui import PHONE, WAIT

    name = hub.logins[3]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in_watching(page, hub, name)
    landing = page.locator(".et-landing")
    tile = landing.get_by_role("button", name=re.compile(f"练习：{PRACTICE}"))
    back = landing.get_by_role("button", name="◀ 返回我的学习")
    started = time.monotonic()
    while time.monotonic() - started < IDLE * 1.6:  # a member reading and tapping
        expect(tile.or_(back).first).to_be_visible(timeout=WAIT)
        (back if back.is_visible() else tile).click()
        page.wait_for_timeout(6000)
    fresh = context.new_page()
    fresh.goto(hub.url + "/", timeout=WAIT)
    expect(fresh.locator(".et-landing a.et-logout").first).to_be_visible(timeout=WAIT)
    fresh.close()

    page.close()  # the tab closed, the browser left open for the next person
    time.sleep(IDLE + 8)
    page = context.new_page()
    page.goto(hub.url + "/", timeout=WAIT)
    expect_login_page(page)
    page.goto(f"{hub.url}/user/{name}/", timeout=WAIT)
    expect_login_page(page)
    shot(page, "idle-closed")

    log_in_watching(page, hub, name)  # a page left open on the table
    expect(page.locator("h1")).to_have_text(LOGIN_H1, timeout=(IDLE + 20) * 1000)
    shot(page, "idle-open")
    other = context.new_page()
    other.goto(hub.url + "/", timeout=WAIT)
    expect_login_page(other)
    context.close()


def test_kiosk_logs_out_after_hand_in(hub: LocalHub, browser: Any) -> None:
    """On a site PC (kiosk) 交卷 shows 已交卷, then the login page comes by itself."""
    from playwright.sync_api import expect

    from .test_member_ui import PC, WAIT

    name = hub.logins[0]
    context = browser.new_context(viewport=PC)
    page = context.new_page()
    log_in_watching(page, hub, name)
    landing = page.locator(".et-landing")
    back = landing.get_by_role("button", name="◀ 返回我的学习")
    if back.is_visible():
        back.click()
    landing.get_by_role("button", name=re.compile(f"练习：{PRACTICE}")).click()
    quiz = landing.locator(".exam-tools-quiz").nth(0)
    expect(quiz.locator(".et-question")).to_be_visible(timeout=WAIT)
    quiz.get_by_role("button", name="交卷", exact=True).click()
    quiz.get_by_role("button", name="确定交卷").click()
    expect(landing.locator(".et-kiosk")).to_contain_text("已交卷", timeout=WAIT)
    shot(page, "kiosk-handed-in")
    expect(page.locator("h1")).to_have_text(LOGIN_H1, timeout=30_000)
    other = context.new_page()
    other.goto(f"{hub.url}/user/{name}/", timeout=WAIT)
    expect_login_page(other)
    context.close()


def test_instructors_keep_the_hubs_own_home_and_token_pages(hub: LocalHub) -> None:
    """The Chinese frame tells instructors from members by their hub group: an instructor's home
    and token pages are JupyterHub's own (start button, API tokens), a member's are not."""
    from exam_tools.hub.client import HubSession

    for name, staff in ((hub.teacher, True), (hub.logins[1], False)):
        s = HubSession(hub.url, name)
        r = s.http.post(f"{hub.url}/hub/login?next=", allow_redirects=False, timeout=120,
                        data={"username": name, "password": hub.passwords[name],
                              "_xsrf": s._hub_xsrf()})  # fmt: skip
        assert r.status_code == 302, r.text[:300]
        r_home = s.http.get(f"{hub.url}/hub/home", timeout=60)
        r_token = s.http.get(f"{hub.url}/hub/token", timeout=60)
        assert r_home.status_code == r_token.status_code == 200
        home, token = r_home.content.decode(), r_token.content.decode()  # no charset in the header
        assert "退出登录" in home and "退出登录" in token
        assert ("My Server" in home) is staff  # JupyterHub's Start/Stop My Server
        assert ("Request new API token" in token) is staff
        assert ("进入我的学习" in home) is not staff
        s.http.get(f"{hub.url}/hub/logout", timeout=60)
