"""A 知识竞赛 through a real JupyterHub, in headless Chromium: the projector page (an instructor's
hub login, OAuth) at 1366x768 and two members' phones at 390x844 play two questions; the standings
on the projector are the service's database's; every control is inside the viewport; names members
or organisers wrote stay text.

Needs root (a LocalHub: Unix accounts ``etct-…``, removed afterwards) and the hub venv; ports
18500-18504 are this file's own. Screenshots go to tests/artifacts/ (``contest-…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from exam_tools.hub.localhub import LocalHub

from .conftest import DATA, ROOT, running_hub

PORT = 18500
SECONDS = 30
TITLE = "七一<i>知识</i>竞赛"
RED, BLUE = "红队", "蓝<b>队</b>"
PROJECTOR = {"width": 1366, "height": 768}
ROOM = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=2, port=PORT, prefix="etct-", course="etctc",
                     env={"EXAM_TOOLS_ROOT": str(ROOT)},
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb")  # fmt: skip
    for hub in running_hub(local):
        db = str(hub.service_db)
        hub.cli("exam", "open", "ctp", "--practice", "rice/practice", "--service-db", db,
                "--courses", str(DATA / "courses"))  # fmt: skip
        m1, m2 = hub.logins
        hub.cli("exam", "contest", "new", "c1", "--from", "ctp", "--title", TITLE, "--questions",
                "2", "--seconds", str(SECONDS), "--seed", "3", "--team", f"{RED}={m1}",
                "--team", f"{BLUE}={m2}", "--service-db", db)  # fmt: skip
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
    from .test_member_ui import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"contest-{what}-{page.viewport_size['width']}.png"))


def contests(hub: LocalHub) -> Any:
    from exam_tools.service.contest import ContestStore
    from exam_tools.service.store import ServiceStore

    return ContestStore(ServiceStore(hub.service_db))


def inside(page: Any, selector: str) -> None:
    """Every visible control matching ``selector`` lies inside the viewport, 48 px tall or more."""
    vp = page.viewport_size
    for el in page.locator(selector).all():
        if not el.is_visible():
            continue
        el.scroll_into_view_if_needed()
        r = el.bounding_box()
        assert r is not None, selector
        assert r["x"] >= 0 and r["x"] + r["width"] <= vp["width"] + 0.5, (selector, r, vp)
        assert r["y"] >= 0 and r["y"] + r["height"] <= vp["height"] + 0.5, (selector, r, vp)
        assert r["height"] >= 48, (selector, r)


def no_overflow(page: Any) -> None:
    """The projector page never scrolls: everything it shows fits the screen."""
    size = page.evaluate("() => [document.documentElement.scrollWidth, "
                         "document.documentElement.scrollHeight]")  # fmt: skip
    assert size[0] <= page.viewport_size["width"] and size[1] <= page.viewport_size["height"]


def standings_rows(page: Any, table: int) -> list[list[str]]:
    return list(page.locator("#right table").nth(table).evaluate(
        "t => [...t.rows].map(r => [...r.cells].map(c => c.textContent))"))  # fmt: skip


def key_index(q: dict[str, Any], right: bool) -> int:
    """Which pad button is the right (or a wrong) answer."""
    if q["type"] == "judge":
        return 0 if q["answer"] == right else 1
    i = "ABCDEFGH".index(q["answer"])
    return i if right else (i + 1) % len(q["options"])


def test_a_contest_on_the_projector_and_two_phones(hub: LocalHub, browser: Any) -> None:
    from playwright.sync_api import expect

    from .test_member_ui import PHONE, WAIT, check_controls, log_in

    questions = contests(hub).row("c1")["questions"]
    m1, m2 = hub.logins
    # the host: the instructor's hub login, then the service's page through the hub's OAuth
    host = browser.new_context(viewport=PROJECTOR).new_page()
    host.goto(f"{hub.url}/hub/login?next={quote('/services/exam/contest/c1')}", timeout=WAIT)
    host.fill("#username_input", hub.teacher)
    host.fill("#password_input", hub.passwords[hub.teacher])
    host.click("#login_submit")
    button = host.locator("#next")
    expect(button).to_have_text("开始第 1 题", timeout=WAIT)
    expect(host.locator("#title")).to_have_text(f"知识竞赛：{TITLE}")  # text, not markup
    assert host.locator("#title i").count() == 0
    inside(host, "#next")
    no_overflow(host)
    shot(host, "waiting")

    # a member is not a host: the page refuses them
    phones = []
    for name in (m1, m2):
        page = browser.new_context(viewport=PHONE).new_page()
        landing = log_in(page, hub.url, name, hub.passwords[name])
        tile = landing.get_by_role("button", name=re.compile("知识竞赛"))
        expect(tile).to_be_visible(timeout=WAIT)
        check_controls(page, landing, f"{name} 我的学习")
        tile.click()
        view = landing.locator(".et-contest")
        expect(view).to_contain_text("竞赛还没有开始", timeout=WAIT)
        phones.append((page, view))
    r = phones[0][0].request.get(f"{hub.url}/services/exam/contest/c1")
    assert r.status == 403 and "只有老师或管理员可以主持竞赛" in r.text()
    shot(phones[0][0], "phone-waiting")

    # question 1 by the keyboard; m1 right, m2 wrong
    host.keyboard.press("Space")
    expect(host.locator("#count")).to_have_text("第 1 / 2 题", timeout=WAIT)
    expect(host.locator("#stem")).to_contain_text(questions[0]["stem"])
    for (page, view), right in zip(phones, (True, False), strict=True):
        keys = view.locator("button.et-c-key")
        expect(keys.first).to_be_enabled(timeout=WAIT)
        check_controls(page, view, "pad")
        inside(page, "button.et-c-key")
        keys.nth(key_index(questions[0], right)).click()
        expect(view.locator(".et-c-status")).to_contain_text("已提交", timeout=WAIT)
        expect(keys.first).to_be_disabled()
    shot(phones[0][0], "phone-sent")
    expect(host.locator("#answered")).to_have_text("已答 2 / 2 人", timeout=WAIT)
    clock = int(host.locator("#clock").inner_text())
    assert 0 < clock <= SECONDS
    no_overflow(host)
    shot(host, "question")

    button.click()  # 公布答案
    expect(host.locator("#reveal")).to_contain_text("正确答案", timeout=WAIT)
    expect(phones[0][1]).to_contain_text("答对了！", timeout=WAIT)
    expect(phones[1][1]).to_contain_text("这道题答错了", timeout=WAIT)
    no_overflow(host)
    inside(host, "#next")
    shot(host, "answer")
    shot(phones[0][0], "phone-answer")

    # question 2 by the → key: m2 right, m1 lets the time run out
    host.keyboard.press("ArrowRight")
    expect(host.locator("#count")).to_have_text("第 2 / 2 题", timeout=WAIT)
    page2, view2 = phones[1]
    keys = view2.locator("button.et-c-key")
    expect(keys.first).to_be_enabled(timeout=WAIT)
    keys.nth(key_index(questions[1], True)).click()
    expect(view2.locator(".et-c-status")).to_contain_text("已提交", timeout=WAIT)
    late = phones[0][1]
    expect(late.locator(".et-c-status")).to_contain_text("超时", timeout=(SECONDS + 30) * 1000)
    expect(late.locator("button.et-c-key").first).to_be_disabled()
    shot(phones[0][0], "phone-late")
    button.click()
    expect(host.locator("#reveal")).to_contain_text("正确答案", timeout=WAIT)
    expect(button).to_have_text("查看最终排名")

    # the standings on the projector are the service's database's
    s = contests(hub).standings("c1")
    teams = [[f"第{t['rank']}名", t["name"], f"{t['points']} 分"] for t in s["teams"]]
    people = [[f"第{p['rank']}名", p["name"], p["team"], f"{p['points']} 分"] for p in s["members"]]
    assert standings_rows(host, 0) == teams and standings_rows(host, 1) == people
    assert {t["name"] for t in s["teams"]} == {RED, BLUE}
    assert all(p["points"] > 0 for p in s["members"])  # each got one right
    assert host.locator("#right b").count() == 0  # 蓝<b>队</b> is text on the page
    button.click()
    expect(button).to_have_text("竞赛已结束", timeout=WAIT)
    expect(button).to_be_disabled()
    assert standings_rows(host, 1) == people
    no_overflow(host)
    shot(host, "final")
    expect(view2).to_contain_text("竞赛结束", timeout=WAIT)
    expect(view2).to_contain_text("团队第", timeout=WAIT)
    shot(page2, "phone-final")
    host.set_viewport_size(ROOM)  # the same page on a room's 1920x1080 screen
    inside(host, "#next")
    no_overflow(host)
    shot(host, "final")
