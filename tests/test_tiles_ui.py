"""我的学习's tiles in a real Voilà and headless Chromium (issue 17 items 4-6), at 390x844 and
1366x768, against a fake exam service on localhost (a small HTTP server speaking the service's
API): the member is greeted by name, every tile shows its title and state, fits the width, is at
least 48 px tall with text of at least 18 px; a tap on an exam the service is slow to open shows
正在打开… at once while the page stays live, and the service's failure is shown in amber, not in
the green of a right answer. Screenshots in ``tests/artifacts/`` (``tiles-<what>-<width>.png``).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from .conftest import DATA, ROOT
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, TOKEN, jupyter_server
from .test_member_ui import BOXES, DENYLIST, PC, PHONE, WAIT

LANDING = "我的学习.ipynb"
SLOW = 5.0  # seconds the fake service takes to answer an exam's state


def exams(now: float) -> list[dict[str, Any]]:
    base = {"course": "水稻种植", "course_id": "shuidao", "time_limit": 30, "closes_at": None,
            "open": True, "attempts": 0, "submitted": False, "submitted_at": None,
            "deadline": None, "opens_at": None}  # fmt: skip
    return [
        {**base, "exam": "later", "title": "第二次测验", "assessment_id": "quiz2",
         "open": False, "opens_at": now + 86400},
        {**base, "exam": "going", "title": "第一次测验", "assessment_id": "quiz1",
         "attempts": 1, "deadline": now + 1200},
        {**base, "exam": "cert", "title": "水稻种植认证考试", "assessment_id": "cert",
         "attempts": 1, "submitted": True, "submitted_at": now - 3600},
        {**base, "exam": "new", "title": "党章学习测验", "assessment_id": "dz",
         "course": "党章", "course_id": "dangzhang"},
    ]  # fmt: skip


RECORD = {"name": "张秀英", "year": 2026, "hours": 12, "required_hours": 32,
          "exams": [{"title": "水稻种植认证考试（水稻种植）", "score": 85, "total": 100,
                     "passed": True, "course_id": "shuidao", "assessment_id": "cert"}],
          "technologies": ["水稻种植"]}  # fmt: skip


class FakeService(BaseHTTPRequestHandler):
    """GET only: the lists 我的学习 reads; an exam's state after ``SLOW`` seconds, as a 503."""

    def do_GET(self) -> None:
        path = urlparse(self.path).path.removeprefix("/services/exam/api/")
        now = time.time()
        reply: dict[str, Any] | None = {
            "exams": {"exams": exams(now)},
            "practice": {
                "practice": [{"exam": "drill", "title": "课后练习", "course": "水稻种植"}]
            },
            "mistakes": {"count": 2, "practice": {"items": 5, "correct": 4, "graded": 5}},
            "record": {"member": "dy705925", "record": RECORD},
            "points": {
                "today": 6,
                "total": 57,
                "streak": 4,
                "by_kind": {"practice": 6},
                "names": {"practice": "练习答对"},
                "daily": {"exam": None, "judged": 0, "size": 5},
            },
            "contests": {"contests": []},  # no 知识竞赛 running
        }.get(path)
        if reply is None:  # an exam's state: slow, then the service is in trouble
            time.sleep(SLOW)
            self.send_response(503)
            self.end_headers()
            return
        body = json.dumps(reply, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def service() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/services/exam"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def voila(service: str, tmp_path: Path) -> Iterator[str]:
    """Voilà in a member's folder, its kernel pointed at the fake service (as on the hub)."""
    import shutil

    root = tmp_path / "member"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / "member" / LANDING, root / LANDING)
    content = tmp_path / "content"
    content.mkdir()
    (content / "courses").symlink_to(DATA / "courses")
    (content / "question_bank").symlink_to(ROOT / "question_bank")
    (root / "nbgrader_config.py").write_text(
        f'c = get_config()  # noqa: F821\nc.Exchange.root = "{tmp_path / "exchange"}"\n', "utf-8"
    )
    env = {
        **os.environ,
        "EXAM_TOOLS_MEMBER": "dy705925",
        "EXAM_TOOLS_ROOT": str(content),
        "EXAM_TOOLS_SERVICE_URL": service,
        "JUPYTERHUB_API_TOKEN": "member-token",
        "EXAM_TOOLS_TZ": "Asia/Shanghai",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
    }
    args = [
        "jupyter_server",
        f"--ServerApp.root_dir={root}",
        f"--VoilaConfiguration.extension_denylist={json.dumps(DENYLIST)}",
    ]
    yield from jupyter_server(args, env, tmp_path / "voila.log", "Voilà")


def shot(page: Page, what: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"tiles-{what}-{page.viewport_size['width']}.png"))


def rgb(page: Page, selector: str, prop: str) -> str:
    return str(page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}"))


@pytest.mark.parametrize("size", [PHONE, PC], ids=["phone", "pc"])
def test_tiles_states_and_a_slow_service_on_voila(voila: str, size: dict[str, int]) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=size)
        try:
            page.goto(f"{voila}/voila/render/{quote(LANDING)}?token={TOKEN}", timeout=WAIT)
            landing = page.locator(".et-landing")
            expect(landing.locator(".et-hello")).to_have_text("您好，张秀英！", timeout=WAIT)
            expect(landing).not_to_contain_text("dy705925")
            tiles = landing.locator("button.et-tile")
            expect(tiles.filter(has_text="党章学习测验")).to_be_visible(timeout=WAIT)
            for title, state in [("第二次测验", "【未开始】"), ("第一次测验", "【进行中】还剩约"),
                                 ("党章学习测验", "【可以开始】"),
                                 ("水稻种植认证考试", "【成绩已发布】85/100 分")]:  # fmt: skip
                expect(tiles.filter(has_text=f"考试：{title}")).to_contain_text(state)
            expect(tiles.filter(has_text="练习：课后练习")).to_be_visible()
            expect(tiles.filter(has_text="每日一练")).to_contain_text("今天的 5 道题")  # issue 20
            expect(landing.locator(".et-points")).to_contain_text("连续学习 4 天")
            # exams and practice look apart; an exam to take and one in progress stand out
            new = rgb(page, "button.et-exam.et-new", "backgroundColor")
            going = rgb(page, "button.et-exam.et-going", "backgroundColor")
            later = rgb(page, "button.et-exam.et-later", "backgroundColor")
            practice = rgb(page, "button.et-practice", "backgroundColor")
            assert len({new, going, later, practice}) == 4, (new, going, later, practice)
            width = size["width"]
            boxes: list[dict[str, Any]] = tiles.evaluate_all(BOXES)
            assert len(boxes) >= 6
            for b in boxes:
                assert b["left"] >= 0 and b["right"] <= width + 0.5, (width, b)
                assert b["height"] >= 48 and b["font"] >= 18 and not b["clipped"], b
            page.evaluate("window.scrollTo(0, 0)")
            shot(page, "home")

            tile = tiles.filter(has_text="第二次测验")
            started = time.monotonic()
            tile.click()
            waiting = landing.locator(".et-warn", has_text="正在打开")
            expect(waiting).to_be_visible(timeout=WAIT)
            shown = time.monotonic() - started
            expect(tile).to_be_disabled()
            expect(tile).to_contain_text("正在打开")
            assert shown < SLOW / 2, shown  # long before the service answers
            print(f"正在打开 shown {shown:.2f} s after the tap ({width} px)")
            shot(page, "waiting")
            trouble = landing.locator(".et-warn", has_text="暂时连不上考试服务")
            expect(trouble).to_be_visible(timeout=WAIT)
            assert time.monotonic() - started >= SLOW - 0.5
            color = trouble.evaluate("e => getComputedStyle(e).color")
            background = trouble.evaluate("e => getComputedStyle(e).backgroundColor")
            assert (color, background) == ("rgb(122, 62, 0)", "rgb(255, 243, 214)")  # amber
            assert color != "rgb(0, 102, 68)"  # not the green of a right answer (.et-right)
            expect(tile).to_be_enabled()  # tap again when the service is back
            shot(page, "trouble")
        finally:
            browser.close()
