"""A member takes an exam in a real JupyterLab, in headless Chromium, by clicking.

The suite starts JupyterLab on localhost; Playwright drives Debian's Chromium (installed by
``.ci/run``). The test opens the exam notebook, runs it, answers every question the way a member
would, submits, and then reads the responses file on disk. Screenshots are kept in
``tests/artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from exam_tools.bank.model import Bank, QType
from exam_tools.course.paper import Paper

from .conftest import ROOT, write_exam

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "exam-tools-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def exam_dir(bank: Bank, tmp_path: Path) -> tuple[Path, Paper]:
    folder = tmp_path / "exam"
    return folder, write_exam(bank, folder, "m007")


@pytest.fixture
def jupyterlab(exam_dir: tuple[Path, Paper], tmp_path: Path) -> Iterator[str]:
    folder, _paper = exam_dir
    settings = tmp_path / "lab-settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}', encoding="utf-8")  # no "Jupyter news?" pop-up
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
    }
    args = [
        "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    yield from jupyter_server(args, env, tmp_path / "jupyterlab.log", "JupyterLab")


def jupyter_server(
    args: list[str], env: dict[str, str], log_path: Path, what: str
) -> Iterator[str]:
    """Run ``python -m <args>`` as a Jupyter server on a free localhost port with the test token;
    yield its address once it answers, stop its whole process group afterwards."""
    port = free_port()
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *args,
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            f"--IdentityProvider.token={TOKEN}",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(f"{what} did not start:\n" + log_path.read_text()) from None
                time.sleep(0.5)
        yield base
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(20)
        except ProcessLookupError:
            pass  # it had already stopped
        log.close()


def kernel_idle(base: str) -> bool:
    with urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}", timeout=5) as response:
        sessions = json.load(response)
    return any(s.get("kernel", {}).get("execution_state") == "idle" for s in sessions)


def run_first_cell(page: Page, base: str, quiz: Locator) -> None:
    """Run the notebook's cell as a member would (click it, Shift+Enter) once its kernel is up.

    A keypress that reaches JupyterLab before the kernel is connected is dropped, so wait for the
    kernel, and press again if nothing happened.
    """
    deadline = time.monotonic() + 60
    while not kernel_idle(base):
        if time.monotonic() > deadline:
            raise RuntimeError("the notebook's kernel did not start")
        time.sleep(0.5)
    for _attempt in range(3):
        page.locator(".jp-CodeCell .cm-content").first.click()
        page.keyboard.press("Shift+Enter")
        try:
            quiz.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            continue
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-failed.png"), full_page=True)
    raise AssertionError("the quiz did not appear after running the cell three times")


def answer_in_browser(page: Page, paper: Paper) -> dict[int, object]:
    """Answer every question by clicking and typing; return what was given, in paper terms."""
    given: dict[int, object] = {}
    quiz = page.locator(".exam-tools-quiz")
    for item in paper.items:
        expect(quiz.locator(".et-progress")).to_contain_text(f"第 {item.n} 题 / 共 {len(paper)} 题")
        current = quiz.locator(".et-item")
        if item.type is QType.SINGLE:
            current.locator(".widget-radio-box label").nth(1).click()
            given[item.n] = "B"
        elif item.type is QType.MULTIPLE:
            current.locator(".widget-checkbox input").nth(0).check()
            current.locator(".widget-checkbox input").nth(2).check()
            given[item.n] = ["A", "C"]
        elif item.type is QType.JUDGE:
            current.get_by_role("button", name="✘ 错误").click()
            given[item.n] = False
        elif item.type is QType.FILL:
            boxes = current.locator(".widget-text input")
            for i in range(boxes.count()):
                boxes.nth(i).fill(f"答案{i + 1}")
            given[item.n] = [f"答案{i + 1}" for i in range(item.blanks)]
        else:
            current.locator("textarea").fill("先浅水后晒田")
            given[item.n] = "先浅水后晒田"
        if item.n == 1:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "quiz-question.png"), full_page=True)
        if item.n < len(paper):
            quiz.get_by_role("button", name="下一题 ▶").click()
    return given


def test_a_member_takes_an_exam_in_jupyterlab(
    jupyterlab: str, exam_dir: tuple[Path, Paper]
) -> None:
    folder, paper = exam_dir
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        try:
            page.goto(f"{jupyterlab}/lab/tree/{quote('考试.ipynb')}?token={TOKEN}")
            cell = page.locator(".jp-CodeCell .cm-content").first
            cell.wait_for(timeout=60_000)
            quiz = page.locator(".exam-tools-quiz")
            run_first_cell(page, jupyterlab, quiz)
            expect(quiz).to_contain_text("水稻种植认证考试")
            quiz.get_by_role("button", name="开始考试").click()  # the clock starts on this tap
            clock = quiz.locator(".et-clock")
            expect(clock).to_contain_text("剩余时间")
            shown = clock.inner_text()
            expect(clock).not_to_have_text(shown, timeout=5_000)  # the countdown ticks
            stem_size = quiz.locator(".et-stem").evaluate("e => getComputedStyle(e).fontSize")
            option_size = quiz.locator(".et-item label").first.evaluate(
                "e => getComputedStyle(e).fontSize"
            )
            assert float(stem_size.removesuffix("px")) >= 18
            assert float(option_size.removesuffix("px")) >= 18

            given = answer_in_browser(page, paper)
            # the answer card shows every question answered
            cards = quiz.locator(".et-card button")
            assert cards.count() == len(paper)
            quiz.get_by_role("button", name="交卷").click()
            expect(quiz).to_contain_text(f"全部 {len(paper)} 道题都已作答")
            quiz.get_by_role("button", name="确定交卷").click()
            expect(quiz).to_contain_text("已交卷")
            expect(quiz).to_contain_text("成绩和答案将在老师发布后查看")
            page.screenshot(path=str(ARTIFACTS / "quiz-submitted.png"), full_page=True)
        finally:
            browser.close()

    data = json.loads((folder / "考试.responses.json").read_text(encoding="utf-8"))
    attempt = data["attempts"][0]
    assert data["member"] == "m007" and data["paper"] == paper.id
    assert attempt["submitted_by"] == "member"
    assert {int(n): v for n, v in attempt["answers"].items()} == given
