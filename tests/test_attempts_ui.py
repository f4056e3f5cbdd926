"""After 交卷 no tap starts another attempt (issue 17 item 1), in a real Voilà and headless Chromium
at 390x844 and 1366x768: 已交卷 with its time, a double tap on 确定交卷 leaves one attempt, and the
next attempt is only offered on the rules page, which says how attempts are graded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from .classroom import ASSIGNMENT, Classroom
from .test_browser import CHROMIUM, CHROMIUM_ARGS
from .test_member_ui import (  # noqa: F401 (classroom and voila are fixtures used by name)
    PC,
    PHONE,
    WAIT,
    answer,
    begin_exam,
    check_controls,
    classroom,
    exam_types,
    open_landing,
    shot,
    voila,
)

VISIBLE_BUTTONS = "els => els.filter(e => e.offsetParent !== null).map(e => e.innerText.trim())"


def attempts(room: Classroom) -> list[dict[str, object]]:
    path = room.member_root / ASSIGNMENT / "exam.paper.responses.json"
    return json.loads(path.read_text("utf-8"))["attempts"]


def no_start_control(landing: Locator) -> None:
    shown: list[str] = landing.locator("button").evaluate_all(VISIBLE_BUTTONS)
    assert "查看考试说明" in shown, shown
    for text in shown:
        assert "开始" not in text and "再练" not in text and "作答" not in text, shown


@pytest.mark.parametrize("size", [PHONE, PC], ids=["phone", "pc"])
def test_after_hand_in_no_tap_starts_attempt_two(
    voila: str,  # noqa: F811 (the fixture imported above)
    classroom: Classroom,  # noqa: F811
    member_home: Path,
    size: dict[str, int],
) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page: Page = browser.new_page(viewport=size)
        try:
            landing = open_landing(page, voila)
            quiz = begin_exam(page, landing)
            rules = quiz.locator(".et-box").first
            answer(exam_types(classroom)[0], landing.locator(".et-item"))
            expect(landing.locator(".et-progress")).to_contain_text("已答 1 题", timeout=WAIT)

            landing.get_by_role("button", name="交卷", exact=True).click()
            confirm = landing.get_by_role("button", name="确定交卷")
            confirm.scroll_into_view_if_needed()
            box = confirm.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.dblclick(x, y)  # the double tap that used to start attempt 2
            expect(landing.locator(".et-clock")).to_have_text("已交卷", timeout=WAIT)
            expect(landing).to_contain_text("还可以作答 1 次（按最高分计）", timeout=WAIT)
            page.wait_for_timeout(1500)
            page.mouse.click(x, y)  # and a third tap on the same spot
            page.wait_for_timeout(1500)
            result = landing.locator(".et-box", has_text="已交卷")
            expect(result).to_contain_text("作答 1 /")
            no_start_control(landing)
            assert len(attempts(classroom)) == 1 and attempts(classroom)[0]["submitted_at"]
            check_controls(page, landing, "handed in")
            result.scroll_into_view_if_needed()
            shot(page, "attempts-handed-in")

            # the next attempt only from the rules page, which says how attempts are graded
            landing.get_by_role("button", name="查看考试说明").click()
            expect(rules).to_contain_text("多次作答按最高分计", timeout=WAIT)
            expect(rules).to_contain_text("已作答 1 次，还可以作答 1 次")
            expect(rules).to_contain_text("没有作答任何题的一次不计分")
            expect(rules).to_contain_text("点“开始第 2 次作答”后开始计时")
            again = quiz.get_by_role("button", name="开始第 2 次作答")
            expect(again).to_be_visible()
            assert not quiz.locator(".et-question").is_visible()
            check_controls(page, quiz, "rules again")
            page.evaluate("window.scrollTo(0, 0)")
            shot(page, "attempts-rules")
            quiz.get_by_role("button", name="◀ 返回").click()
            expect(landing.locator(".et-clock")).to_have_text("已交卷", timeout=WAIT)
            no_start_control(landing)
            assert len(attempts(classroom)) == 1

            # tapped on purpose from the rules page, attempt 2 starts on a clean paper
            landing.get_by_role("button", name="查看考试说明").click()
            again.click()
            expect(landing.locator(".et-progress")).to_contain_text("已答 0 题", timeout=WAIT)
            expect(landing.locator(".et-clock")).to_contain_text("剩余时间")
            assert len(attempts(classroom)) == 2
        finally:
            browser.close()
