"""A member on a phone and on a PC: 我的学习 rendered by a real Voilà (a Jupyter server with the
Voilà extension, as on the hub), driven in headless Chromium at 390x844 and 1366x768.

Everything is measured from the page itself: every control inside the viewport, touch targets at
least 44 px tall, text at least 18 px, the clock visible while answering, the confirm buttons' text
whole, the page scrolled to each new question, a reload and a restarted kernel handled. Screenshots
are kept in ``tests/artifacts/`` (``member-<what>-<width>.png``).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from exam_tools.course.paper import read_paper
from exam_tools.quiz.alive import OFFLINE_TEXT

from .classroom import ASSIGNMENT, COURSE_ID, Classroom, grade_and_release_feedback, make_classroom
from .conftest import DATA, ROOT
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TOKEN, jupyter_server

PHONE = {"width": 390, "height": 844}
PC = {"width": 1366, "height": 768}
LANDING = "我的学习.ipynb"
EXAM_TILE = "水稻种植认证考试（水稻种植（测试课程））"
PRACTICE_TILE = "水稻种植（测试课程） · 模拟考试：水稻种植认证考试"
WAIT = 90_000  # ms; the machine is shared, so wait on conditions, generously

# lab extensions that only make sense inside JupyterLab and throw errors in a Voilà page
DENYLIST = ["@jupyter/nbgrader", "@jupyter-notebook/lab-extension", "jupyterlab_pygments"]


@pytest.fixture
def classroom(tmp_path: Path) -> Classroom:
    room = make_classroom(tmp_path / "classroom")
    shutil.copy(ROOT / "notebooks" / "member" / LANDING, room.member_root / LANDING)
    return room


@pytest.fixture
def voila(classroom: Classroom, tmp_path: Path) -> Iterator[str]:
    """A Jupyter server with Voilà in the member's folder, as the hub starts it."""
    content = tmp_path / "content"  # the test courses over the shipped bank
    content.mkdir()
    (content / "courses").symlink_to(DATA / "courses")
    (content / "question_bank").symlink_to(ROOT / "question_bank")
    env = {
        **os.environ,
        "EXAM_TOOLS_MEMBER": "m007",
        "EXAM_TOOLS_ROOT": str(content),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    args = [
        "jupyter_server",
        f"--ServerApp.root_dir={classroom.member_root}",
        f"--VoilaConfiguration.extension_denylist={json.dumps(DENYLIST)}",
    ]
    yield from jupyter_server(args, env, tmp_path / "voila.log", "Voilà")


def landing_url(base: str) -> str:
    return f"{base}/voila/render/{quote(LANDING)}?token={TOKEN}"


def shot(page: Page, what: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"member-{what}-{page.viewport_size['width']}.png"))


def open_landing(page: Page, base: str) -> Locator:
    page.goto(landing_url(base), timeout=WAIT)
    landing = page.locator(".et-landing")
    expect(landing).to_be_visible(timeout=WAIT)
    expect(landing.locator(".et-section").first).to_have_text("待考", timeout=WAIT)
    return landing


BOXES = """els => els.filter(e => e.offsetParent !== null).map(e => {
  const r = e.getBoundingClientRect();
  return {text: (e.innerText || e.placeholder || e.tagName).slice(0, 30), left: r.left,
          right: r.right, top: r.top, bottom: r.bottom, height: r.height,
          font: parseFloat(getComputedStyle(e).fontSize),
          clipped: e.scrollWidth > e.clientWidth + 1};
})"""

# what a member taps: buttons, option rows, text boxes
CONTROLS = "button, .widget-radio-box label, .widget-checkbox label, .widget-text input, textarea"


def check_controls(page: Page, scope: Locator, what: str) -> None:
    """Every visible control of ``scope`` fits the viewport's width, is at least 44 px tall, has
    text of at least 18 px, and shows its whole label; once scrolled to, it is in the viewport."""
    width = page.viewport_size["width"]
    height = page.viewport_size["height"]
    boxes: list[dict[str, Any]] = scope.locator(CONTROLS).evaluate_all(BOXES)
    assert boxes, what
    for b in boxes:
        assert b["left"] >= 0 and b["right"] <= width + 0.5, (what, width, b)
        assert b["height"] >= 44, (what, b)
        assert b["font"] >= 18, (what, b)
        assert not b["clipped"], (what, b)
    for control in scope.locator(CONTROLS).all():
        if not control.is_visible():
            continue
        control.scroll_into_view_if_needed()
        r = control.bounding_box()
        assert r is not None and r["y"] >= 0 and r["y"] + r["height"] <= height + 0.5, (what, r)


def check_text_size(quiz: Locator, what: str) -> None:
    """Question text is at least 18px. The widget may swap the question's nodes just after the
    progress line changes; a node swapped out mid-read has no computed style, so read again."""
    for selector in (".et-stem", ".et-qhead"):
        size = float("nan")
        for _ in range(50):
            size = quiz.locator(selector).evaluate(
                "e => e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : NaN"
            )
            if not math.isnan(size):
                break
            time.sleep(0.1)
        assert size >= 18, (what, selector, size)


def check_clock_stays(page: Page, quiz: Locator) -> None:
    """Scrolled to the bottom, the clock bar is still on screen (sticky at the top)."""
    quiz.locator(".et-card button").last.scroll_into_view_if_needed()
    bar = quiz.locator(".et-bar")
    expect(bar).to_contain_text("剩余时间")
    r = bar.bounding_box()
    assert r is not None and r["y"] >= -0.5 and r["y"] + r["height"] <= page.viewport_size["height"]


def question_in_view(page: Page, quiz: Locator) -> None:
    """After next/prev the new question's top is on screen, below the clock bar."""
    page.wait_for_function(
        """() => { const q = document.querySelector('.et-question');
                   const r = q && q.getBoundingClientRect();
                   return r && r.top >= 0 && r.top < window.innerHeight / 2; }""",
        timeout=WAIT,
    )


def answer(item_type: str, current: Locator) -> None:
    if item_type == "single":
        current.locator(".widget-radio-box label").nth(1).click()
    elif item_type == "multiple":
        current.locator(".widget-checkbox label.widget-label-basic").nth(0).click()
    elif item_type == "judge":
        current.get_by_role("button", name="✘ 错误").click()
    elif item_type == "fill":
        boxes = current.locator(".widget-text input")
        for i in range(boxes.count()):
            boxes.nth(i).fill(f"答案{i + 1}")
    else:
        current.locator("textarea").fill("先浅水后晒田")


def go_through(page: Page, quiz: Locator, types: list[str], label: str, *, first: int = 1,
               stop: int) -> None:  # fmt: skip
    """Answer questions first..stop, checking the layout of each, a screenshot of each type."""
    seen: set[str] = set()
    for n in range(first, stop + 1):
        item_type = types[n - 1]
        expect(quiz.locator(".et-progress")).to_contain_text(f"第 {n} 题", timeout=WAIT)
        current = quiz.locator(".et-item")
        check_text_size(quiz, f"{label} {n} {item_type}")
        check_controls(page, quiz, f"{label} {n} {item_type}")
        answer(item_type, current)
        if item_type not in seen:
            seen.add(item_type)
            current.scroll_into_view_if_needed()
            shot(page, f"{label}-{item_type}")
        if n < len(types):
            quiz.get_by_role("button", name="下一题 ▶").click()
            question_in_view(page, quiz)


def log_in(page: Page, hub_url: str, name: str, password: str) -> Locator:
    """Log in on the hub's Chinese login page as a member; 我的学习 once it shows."""
    page.goto(f"{hub_url}/hub/login", timeout=WAIT)
    page.fill("#username_input", name)
    page.fill("#password_input", password)
    page.click("#login_submit")
    landing = page.locator(".et-landing")
    expect(landing).to_be_visible(timeout=WAIT)
    return landing


def begin_exam(page: Page, landing: Locator, *, shoot: bool = False) -> Locator:
    """Tap the exam's tile: its rules show (time limit, tries) with 开始考试, no question and no
    clock yet; tap 开始考试 and the first question appears. The quiz's locator."""
    landing.get_by_role("button", name=EXAM_TILE).click()
    quiz = landing.locator(".exam-tools-quiz").nth(0)
    begin = quiz.get_by_role("button", name="开始考试")
    expect(begin).to_be_visible(timeout=WAIT)
    expect(quiz).to_contain_text("点“开始考试”后开始计时")
    assert not quiz.locator(".et-question, .et-clock").count()
    check_controls(page, quiz, "intro")
    if shoot:
        shot(page, "exam-intro")
    begin.click()
    expect(landing.locator(".et-question")).to_be_visible(timeout=WAIT)
    return quiz


def exam_types(classroom: Classroom) -> list[str]:
    paper = read_paper(classroom.member_root / ASSIGNMENT / "exam.paper.json")
    return [i.type.value for i in paper.items]


@pytest.mark.parametrize("size", [PHONE, PC], ids=["phone", "pc"])
def test_a_member_takes_an_exam_and_practises_on_voila(
    voila: str, classroom: Classroom, member_home: Path, size: dict[str, int]
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=size)
        try:
            landing = open_landing(page, voila)
            meta = page.locator('meta[name="viewport"]').get_attribute("content") or ""
            assert "width=device-width" in meta and "initial-scale=1" in meta
            assert not page.locator(".jp-InputArea, .jp-CodeCell .cm-content").count()
            expect(landing).to_contain_text("学时和考试成绩由组织委员发布后在这里显示")
            check_controls(page, landing, "landing")
            page.evaluate("window.scrollTo(0, 0)")
            shot(page, "landing")

            # one tap: the exam's rules, nothing to run; the clock starts on 开始考试
            quiz = begin_exam(page, landing, shoot=True)
            types = exam_types(classroom)
            assert set(types) == {"single", "multiple", "judge", "fill", "short"}
            check_clock_stays(page, quiz)
            half = len(types) // 2
            go_through(page, quiz, types, "exam", stop=half)

            # a reload comes back to the same question, answers and time kept
            page.reload(timeout=WAIT)
            expect(landing.locator(".et-progress")).to_contain_text(
                f"第 {half + 1} 题", timeout=WAIT
            )
            quiz.get_by_role("button", name="◀ 上一题").click()
            expect(landing.locator(".et-progress")).to_contain_text(f"已答 {half} 题")
            expect(landing.locator(".et-clock")).to_contain_text("剩余时间")
            quiz.get_by_role("button", name="下一题 ▶").click()
            go_through(page, quiz, types, "exam", first=half + 1, stop=len(types))
            check_clock_stays(page, quiz)

            landing.get_by_role("button", name="交卷", exact=True).click()
            confirm = landing.locator(".et-box", has=page.get_by_role("button", name="确定交卷"))
            expect(confirm).to_be_visible()
            confirm.scroll_into_view_if_needed()
            check_controls(page, confirm, "confirm")
            expect(page.get_by_text(OFFLINE_TEXT)).to_be_hidden()  # minutes in: the kernel beats
            shot(page, "confirm")
            confirm.get_by_role("button", name="确定交卷").click()
            expect(landing).to_contain_text("试卷已交给老师", timeout=WAIT)
            inbound = list((classroom.exchange / COURSE_ID / "inbound").iterdir())
            assert [p.name.split("+")[:2] for p in inbound] == [["m007", ASSIGNMENT]]

            # practice with every question type, from the same page
            landing.get_by_role("button", name="◀ 返回我的学习").click()
            landing.get_by_role("button", name=PRACTICE_TILE).click()
            expect(landing.locator(".et-question")).to_be_visible(timeout=WAIT)
            types = practice_types(member_home)
            assert set(types) == {"single", "multiple", "judge", "fill", "short"}
            go_through(page, quiz, types, "practice", stop=len(types))
            check_controls(page, quiz, "practice end")
            landing.get_by_role("button", name="◀ 返回我的学习").click()
            expect(landing.locator(".et-section").first).to_have_text("待考", timeout=WAIT)

            # released feedback opens as a page here
            grade_and_release_feedback(classroom)
            open_landing(page, voila)
            landing.get_by_role("button", name=f"查看成绩反馈：{EXAM_TILE}").click()
            frame = landing.locator("iframe.et-feedback")
            expect(frame).to_be_visible(timeout=WAIT)
            r = frame.bounding_box()
            assert r is not None and r["x"] >= 0 and r["x"] + r["width"] <= size["width"] + 0.5
            expect(page.frame_locator("iframe.et-feedback").locator("body")).to_contain_text(
                "正确答案", timeout=WAIT
            )
            shot(page, "feedback")
        finally:
            browser.close()


def practice_types(home: Path) -> list[str]:
    """The question types of the practice paper now open (the page remembers it)."""
    kept = json.loads((home / "当前.json").read_text(encoding="utf-8"))["paper"]
    return [i.type.value for i in read_paper(kept).items]


def restart_kernels(base: str) -> int:
    """Restart every kernel of the server, as a crash or an administrator would."""
    headers = {"Authorization": f"token {TOKEN}"}
    with urllib.request.urlopen(
        urllib.request.Request(f"{base}/api/kernels", headers=headers), timeout=10
    ) as response:
        kernels = json.load(response)
    for kernel in kernels:
        request = urllib.request.Request(
            f"{base}/api/kernels/{kernel['id']}/restart", data=b"", headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=60):
            pass
    return len(kernels)


def test_a_restarted_kernel_says_what_to_do_and_a_reload_resumes(
    voila: str, classroom: Classroom
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=PHONE)
        try:
            landing = open_landing(page, voila)
            quiz = begin_exam(page, landing)
            types = exam_types(classroom)
            go_through(page, quiz, types, "restart", stop=2)
            expect(quiz.locator(".et-progress")).to_contain_text("第 3 题", timeout=WAIT)
            notice = page.get_by_text(OFFLINE_TEXT)
            expect(notice).to_be_hidden()
            assert restart_kernels(voila) >= 1
            expect(notice).to_be_visible(timeout=WAIT)
            cover = page.locator(".et-offline").bounding_box()  # over the whole screen
            assert cover is not None and cover["y"] <= 0.5 and cover["x"] <= 0.5
            assert cover["y"] + cover["height"] >= PHONE["height"] - 0.5
            assert cover["x"] + cover["width"] >= PHONE["width"] - 0.5
            reload = page.get_by_role("link", name="刷新页面").bounding_box()
            assert reload is not None and reload["height"] >= 44
            shot(page, "offline")
            page.get_by_role("link", name="刷新页面").click()
            expect(landing.locator(".et-progress")).to_contain_text(
                "第 3 题 / 共 10 题　已答 2 题", timeout=WAIT
            )
            expect(page.get_by_text(OFFLINE_TEXT)).to_be_hidden()
        finally:
            browser.close()
