"""知识竞赛 on a member's phone: a big A/B/C/D pad (判断: 对 and 错) under the projector's question.

The page waits for the host's next step by long polling the exam service (``GET
api/contests/<c>?after=version``) in a background thread, and sends a tap in another, so a tap
never waits for the network: the pad locks at once and says 正在提交…, then 已提交 or 超时 as the
service answers. The service decides everything (its clock, the answer, the points); the
countdown here only mirrors the time left the service sent.
"""

from __future__ import annotations

import dataclasses
import html
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as w

from exam_tools.quiz import shared
from exam_tools.quiz.online.client import ServiceAway, ServiceClient, ServiceRefused

POLL_SECONDS = 35.0  # the service answers a waiting request within 20 s
LETTERS = "ABCDEFGH"

CSS = """<style>
.et-contest .et-c-head { font-size: 22px; font-weight: bold; color: #7a0c0c; }
.et-contest .et-c-clock { font-size: 30px; font-weight: bold; color: #7a0c0c; }
.et-contest .et-c-stem { font-size: 22px; line-height: 1.5; margin: 8px 0; }
.et-contest .et-c-status { font-size: 22px; font-weight: bold; padding: 10px 12px;
  border-radius: 8px; margin: 6px 0; }
.et-contest .et-c-sent { background: #e3f1e3; color: #1b5e20; border: 2px solid #2e7d32; }
.et-contest .et-c-late { background: #fff3d6; color: #7a3e00; border: 2px solid #e0a000; }
.et-contest .et-c-wait { background: #f2f2f2; color: #333; }
.et-contest button.et-c-key { width: 100%; min-height: 72px; font-size: 26px !important;
  font-weight: bold; margin: 4px 0; white-space: normal; height: auto; line-height: 1.4;
  text-align: left; padding: 8px 14px; }
.et-contest button.et-c-key.et-c-chosen { background: #1556b8; color: #fff; }
.et-contest .et-c-result { font-size: 20px; line-height: 1.6; }
</style>"""


def contest_tiles(
    service: ServiceClient | None, button: Callable[[str, Callable[[], None], str], w.Button],
    open_contest: Callable[[str], None],
) -> list[w.Widget]:  # fmt: skip
    """The 知识竞赛 tiles of 我的学习: one per contest running for the member (none if away)."""
    if service is None:
        return []
    try:
        running = service.call("GET", "contests", patient=False)["contests"]
    except (ServiceAway, ServiceRefused, KeyError, TypeError):
        return []
    tiles: list[w.Widget] = []
    for c in running:
        state = "已结束，点这里看排名" if c["phase"] == "finished" else "正在进行，点这里参加"
        team = f"（{c['team']}）" if c.get("team") else ""
        text = f"知识竞赛：{c['title']}{team}\n{state}"
        tiles.append(button(text, partial(open_contest, str(c["contest"])), "et-exam et-new"))
    return tiles


class ContestView:
    """The contest on the member's page; ``widget`` is shown, :meth:`close` stops its threads."""

    def __init__(self, client: ServiceClient, contest: str) -> None:
        self.client = client
        self.poller = dataclasses.replace(client, timeout=POLL_SECONDS)
        self.contest = contest
        self.state: dict[str, Any] | None = None
        self.sent: Any = None  # the value sent for the open question
        self.sending = False
        self.outcome = ""  # "sent", "late", "" for the open question
        self.deadline = 0.0  # time.monotonic() when the open question's time is up
        self.closed = threading.Event()
        self._lock = threading.RLock()
        self.head = shared.html('<div class="et-c-head">知识竞赛</div>')
        self.clock = shared.html()
        self.stem = shared.html('<div class="et-c-stem">正在连接……</div>')
        self.status = shared.html()
        self.pad = w.VBox(layout=shared.layout(width="100%"))
        self.result = shared.html()
        self.widget = w.VBox([shared.html(CSS), self.head, self.clock, self.stem, self.status,
                              self.pad, self.result], layout=shared.layout(width="100%"),
                             _dom_classes=("et-contest",))  # fmt: skip
        for target in (self._poll, self._tick):
            threading.Thread(target=target, daemon=True, name="contest").start()

    def close(self) -> None:
        self.closed.set()

    # ---- the service ----------------------------------------------------------------------------

    def _poll(self) -> None:
        version = -1
        while not self.closed.is_set():
            try:
                s = self.poller.call("GET", f"contests/{self.contest}?after={version}",
                                     patient=False)  # fmt: skip
            except ServiceAway:
                self._say("网络不通，正在重新连接……", "et-c-late")
                self.closed.wait(2)
                continue
            except ServiceRefused as exc:
                self._say(str(exc), "et-c-late")
                self.closed.wait(10)
                continue
            if s["version"] != version:
                version = s["version"]
                self.render(s)
            if s["phase"] == "finished":
                return

    def tap(self, value: Any) -> None:
        """A tap on the pad: locked at once, sent in the background."""
        with self._lock:
            s = self.state
            if s is None or s["phase"] != "open" or self.sending or self.outcome:
                return
            self.sending, self.sent, k = True, value, s["k"]
            self._lock_pad(value)
            self._say("正在提交……", "et-c-wait")
        threading.Thread(
            target=self._send, args=(k, value), daemon=True, name="contest-tap"
        ).start()

    def _send(self, k: int, value: Any) -> None:
        body = {"k": k, "value": value}
        while True:
            try:
                self.client.call("POST", f"contests/{self.contest}/answers", body, patient=False)
                outcome, text = "sent", f"已提交 ✓ 您选了“{_label(value)}”，请看大屏幕等公布答案"
            except ServiceRefused as exc:
                if exc.code == "answered":
                    outcome, text = "sent", "已提交 ✓ 这道题您已经答过了"
                else:
                    outcome, text = "late", f"超时：{exc}"
            except ServiceAway:
                if time.monotonic() < self.deadline + 1:
                    time.sleep(0.5)
                    continue
                outcome, text = "late", "网络不通，答案没有送达，这道题没有计分"
            break
        with self._lock:
            if self.state is not None and self.state["k"] == k and self.state["phase"] == "open":
                self.sending, self.outcome = False, outcome
                self._say(text, "et-c-sent" if outcome == "sent" else "et-c-late")

    # ---- what the page shows --------------------------------------------------------------------

    def _say(self, text: str, css: str) -> None:
        self.status.value = f'<div class="et-c-status {css}">{html.escape(text)}</div>'

    def _lock_pad(self, chosen: Any) -> None:
        for b in self.pad.children:
            b.disabled = True
            if getattr(b, "et_value", None) == chosen and chosen is not None:
                b.add_class("et-c-chosen")

    def _tick(self) -> None:
        while not self.closed.wait(1.0):
            with self._lock:
                s = self.state
                if s is None or s["phase"] != "open":
                    continue
                left = max(0, round(self.deadline - time.monotonic()))
                self.clock.value = f'<div class="et-c-clock">还剩 {left} 秒</div>'
                if left == 0 and not self.outcome and not self.sending:
                    self.outcome = "late"
                    self._lock_pad(None)
                    self._say("超时：时间到了，这道题没有作答", "et-c-late")

    def render(self, s: dict[str, Any]) -> None:
        with self._lock:
            new_question = self.state is None or (s["k"], s["phase"]) != (
                self.state["k"], self.state["phase"])  # fmt: skip
            self.state = s
            team = f"　{html.escape(s['team'])}" if s.get("team") else ""
            self.head.value = (f'<div class="et-c-head">知识竞赛：{html.escape(s["title"])}{team}'
                               f"</div>")  # fmt: skip
            self.clock.value = ""
            self.result.value = ""
            q = s.get("question")
            if q is not None:
                self.stem.value = (f'<div class="et-c-stem">第 {s["k"]} / {s["total"]} 题　'
                                   f"{html.escape(q['stem'])}</div>")  # fmt: skip
            if s["phase"] == "waiting":
                self.stem.value = '<div class="et-c-stem">竞赛还没有开始，请看大屏幕。</div>'
                self._say("等主持人开始……", "et-c-wait")
                self.pad.children = []
            elif s["phase"] == "open":
                self.deadline = time.monotonic() + float(s["remaining"])
                if new_question:
                    self.sent, self.sending, self.outcome = None, False, ""
                    self.pad.children = self._keys(q or {})
                    mine = s.get("mine")
                    if mine is not None:  # answered before a reload
                        self.outcome = "sent"
                        self._lock_pad(mine["value"])
                        self._say(f"已提交 ✓ 您选了“{_label(mine['value'])}”", "et-c-sent")
                    else:
                        self._say("请选择答案：", "et-c-wait")
                self.clock.value = f'<div class="et-c-clock">还剩 {round(s["remaining"])} 秒</div>'
            elif s["phase"] == "closed":
                self._lock_pad(None)
                self.status.value = ""
                self.result.value = _result(s)
            else:
                self.pad.children = []
                self.stem.value = '<div class="et-c-stem">竞赛结束，谢谢参与！</div>'
                self.status.value = ""
                self.result.value = _standing(s)

    def _keys(self, q: dict[str, Any]) -> list[w.Button]:
        if q.get("type") == "judge":
            keys: list[tuple[Any, str]] = [(True, "对"), (False, "错")]
        else:
            keys = [(LETTERS[i], f"{LETTERS[i]}．{o}") for i, o in enumerate(q.get("options", []))]
        out = []
        for value, text in keys:
            b = shared.button(description=text, tooltip=text, layout=shared.layout(width="100%"),
                              classes=("et-c-key",))  # fmt: skip
            b.et_value = value  # the value this key sends
            b.on_click(lambda _b, v=value: self.tap(v))
            out.append(b)
        return out


def _label(value: Any) -> str:
    if isinstance(value, bool):
        return "对" if value else "错"
    return str(value)


def _standing(s: dict[str, Any]) -> str:
    me, parts = s.get("me"), []
    if me is not None:
        parts.append(
            f"您现在共 {me['points']} 分，第 {me['rank']} 名（共 {s.get('players', 0)} 人）"
        )
    team = s.get("my_team")
    if team is not None:
        parts.append(
            f"{html.escape(s.get('team') or '')} 共 {team['points']} 分，团队第 {team['rank']} 名"
        )
    return "".join(f"<div>{p}</div>" for p in parts)


def _result(s: dict[str, Any]) -> str:
    r, mine = s.get("reveal") or {}, s.get("mine")
    if mine is None:
        verdict = '<div class="et-c-status et-c-late">这道题您没有作答</div>'
    elif mine.get("correct"):
        verdict = f'<div class="et-c-status et-c-sent">答对了！得 {mine["points"]} 分</div>'
    else:
        verdict = '<div class="et-c-status et-c-late">这道题答错了</div>'
    text = f"<div><b>正确答案：{html.escape(str(r.get('answer', '')))}</b></div>"
    if r.get("explanation"):
        text += f"<div>解析：{html.escape(r['explanation'])}</div>"
    return f'{verdict}<div class="et-c-result">{text}{_standing(s)}</div>'
