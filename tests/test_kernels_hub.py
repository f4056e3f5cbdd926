"""A member holds only the kernels of the pages open now (issue 17, item 8; hub-notes 17).

On a real JupyterHub on localhost (root; ports 18320-18324, accounts ``etcul-…``), a member logs
in in headless Chromium and opens 我的学习 (a Voilà page whose heartbeat updates a widget every few
seconds). A browser killed without closing its page (a phone's browser swept away, a PC switched
off) must not leave its kernel behind once the cull time has passed, while the kernel of a page that
stays open, with a member reading a question for longer than the cull time, is never taken away.
The cull time here is 20 s (checked every 5 s) to keep the test short; a deployment's is 600 s.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from exam_tools.hub.client import HubSession
from exam_tools.hub.kernels import alone_too_long
from exam_tools.hub.localhub import LocalHub

from .conftest import ROOT, running_hub

CULL = 20  # seconds without a connected page
INTERVAL = 5


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    local = LocalHub(ROOT / "src", members=1, port=18320, prefix="etcul-", course="etculc",
                     landing=ROOT / "notebooks" / "member" / "我的学习.ipynb",
                     member={"cull_idle_timeout": CULL, "cull_interval": INTERVAL})  # fmt: skip
    yield from running_hub(local)


def kernels(session: HubSession) -> list[dict[str, object]]:
    r = session.api("GET", "api/kernels")
    r.raise_for_status()
    return list(r.json())


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(1)
    return bool(predicate())


def test_alone_too_long() -> None:
    assert alone_too_long(100.0, 0, 121.0, 20)
    assert not alone_too_long(100.0, 0, 119.0, 20)
    assert not alone_too_long(100.0, 1, 1000.0, 20)  # a connected page is never culled
    assert not alone_too_long(None, 0, 1000.0, 20)  # not yet seen alone


def kill_browser(marker: str) -> None:
    """SIGKILL the Chromium started with ``marker`` among its arguments: a phone whose browser was
    swept away, a PC switched off; no page unload, nothing tells Voilà the page is gone."""
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if marker.encode() in args:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)


def test_a_killed_browser_leaves_no_kernel_and_an_open_page_keeps_its_own(hub: LocalHub) -> None:
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS
    from .test_member_ui import PHONE, log_in, shot

    name = hub.logins[0]
    api = hub.session(name)
    api.follow(api.user_url())
    marker = f"--et-test-marker={uuid.uuid4().hex}"
    with sync_playwright() as pw:
        gone = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, marker])
        log_in(gone.new_page(viewport=PHONE), hub.url, name, hub.passwords[name])
        # that page's kernel, and any left by pages fetched without a websocket (the hub
        # session's own visit to the server's address renders 我的学习 once)
        orphan = {k["id"] for k in kernels(api)}
        assert orphan
        kill_browser(marker)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # another page stays open: a member reading one question for longer than the cull time
            page = browser.new_page(viewport=PHONE)
            log_in(page, hub.url, name, hub.passwords[name])
            kept = {k["id"] for k in kernels(api)} - orphan
            assert len(kept) == 1
            assert wait_for(lambda: {k["id"] for k in kernels(api)} == kept,
                            CULL + 3 * INTERVAL + 90), kernels(api)  # fmt: skip
            time.sleep(CULL + 2 * INTERVAL)
            assert {k["id"] for k in kernels(api)} == kept
            expect(page.locator(".et-landing")).to_be_visible()
            assert not page.get_by_text("连接已断开").is_visible()
            shot(page, "kernels-kept-open")
            page.close()  # closed the ordinary way
            assert wait_for(lambda: kernels(api) == [], CULL + 3 * INTERVAL + 30), kernels(api)
        finally:
            browser.close()
            with contextlib.suppress(Exception):
                gone.close()
