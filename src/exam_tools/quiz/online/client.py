"""The quiz's side of the exam service: HTTP calls with the member's hub token, and a local queue.

Answers go into a queue file in the member's folder first (one JSON line each, written and
flushed before anything is sent), then to the service in order; when the service cannot be
reached the queue keeps them and the next call (or :meth:`ServiceClient.flush`) sends them. The
queue is only a cache: the service decides, by its own receipt time, whether an answer counts
(see :mod:`exam_tools.service.rules`). Standard library only, so the member's kernel stays light.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exam_tools.errors import QuizError

AWAY_NOTICE = "网络暂时不通，答案已先保存在本机，连通后会自动送达，请继续作答。"
BUSY_NOTICE = "操作太频繁，答案已先保存在本机，几秒后会自动送达，请继续作答。"


class ServiceRefused(QuizError):
    """The service said no; the message is the service's own, in Chinese."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class ServiceAway(QuizError, ConnectionError):
    """The service could not be reached (network, restart)."""


class ServiceBusy(ServiceAway):
    """The service asked to wait (429, too many requests from this member): like away, what
    waits stays queued and is sent again later; the message is the service's, ``retry_after``
    (seconds) its Retry-After."""

    def __init__(self, message: str, retry_after: float = 3.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class ServiceClient:
    url: str  # e.g. http://127.0.0.1:8000/services/exam
    token: str
    member: str
    timeout: float = 10.0
    opener: Callable[..., Any] = urllib.request.urlopen
    # a tap told "too many requests" (the page's own requests can come in a burst) waits as the
    # service asks and tries again, up to this many seconds in all, instead of failing at once;
    # answers are not waited for here: their queue keeps them (AnswerQueue)
    busy_patience: float = 8.0

    @classmethod
    def from_env(cls, member: str) -> ServiceClient | None:
        """The client in a member's server on the hub, or None outside one."""
        url = os.environ.get("EXAM_TOOLS_SERVICE_URL")
        token = os.environ.get("JUPYTERHUB_API_TOKEN")
        return cls(url.rstrip("/"), token, member) if url and token else None

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, patient: bool = True
    ) -> dict[str, Any]:
        waited = 0.0
        while True:
            try:
                return self._call(method, path, body)
            except ServiceBusy as exc:
                if not patient or waited + exc.retry_after > self.busy_patience:
                    raise
                time.sleep(exc.retry_after)
                waited += exc.retry_after

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        data = None
        url = f"{self.url}/api/{path}"
        if body is not None:
            data = json.dumps({**body, "member": self.member}, ensure_ascii=False).encode("utf-8")
        else:
            url += ("&" if "?" in url else "?") + "member=" + urllib.parse.quote(self.member)
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        req.add_header("Content-Type", "application/json")
        try:
            with self.opener(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"{}")  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            try:
                err = json.loads(exc.read() or b"{}")
            except ValueError:
                err = {}
            if exc.code == 429:
                try:
                    wait = min(60.0, max(1.0, float(exc.headers.get("Retry-After") or 3)))
                except ValueError:
                    wait = 3.0
                raise ServiceBusy(str(err.get("message") or BUSY_NOTICE), wait) from None
            if exc.code >= 500 or "message" not in err:
                raise ServiceAway(AWAY_NOTICE) from None
            raise ServiceRefused(str(err.get("error")), str(err["message"]), exc.code) from None
        except (OSError, ValueError):  # URLError, refused, reset, timeout, half a reply
            raise ServiceAway(AWAY_NOTICE) from None

    def exams(self) -> list[dict[str, Any]]:
        """The exams the service holds for 待考: open or opening later, and what the member did."""
        return list(self.call("GET", "exams")["exams"])

    def state(self, exam: str) -> dict[str, Any]:
        return self.call("GET", f"exams/{exam}")

    def start(self, exam: str, paper: str) -> dict[str, Any]:
        return self.call("POST", f"exams/{exam}/start", {"paper": paper})

    def save(self, exam: str, paper: str, attempt: int, n: int, value: Any) -> dict[str, Any]:
        body = {"paper": paper, "attempt": attempt, "n": n, "value": value}
        return self.call("POST", f"exams/{exam}/answers", body, patient=False)

    def submit(self, exam: str, paper: str, attempt: int) -> dict[str, Any]:
        return self.call("POST", f"exams/{exam}/submit", {"paper": paper, "attempt": attempt})

    def check(self, exam: str, paper: str, attempt: int, n: int) -> dict[str, Any]:
        return self.call(
            "POST", f"exams/{exam}/check", {"paper": paper, "attempt": attempt, "n": n}
        )

    def practice_list(self) -> list[dict[str, Any]]:
        """The practice papers the instructors handed to the service and open now."""
        return list(self.call("GET", "practice")["practice"])

    def progress(self) -> dict[str, Any]:
        """``count``: questions in the member's 错题本 at the service; ``practice``: this year's
        practice verdicts (``items``, ``correct``, ``graded``)."""
        return self.call("GET", "mistakes")

    def new_review(self) -> str | None:
        """A new 错题本 paper drawn by the service; its exam name, None if the book is empty."""
        exam = self.call("POST", "mistakes", {})["exam"]
        return None if exam is None else str(exam)

    def record(self) -> dict[str, Any]:
        return self.call("GET", "record")

    def points(self) -> dict[str, Any]:
        """学习积分 as the service counts them (``today``, ``total``, ``streak``, ``by_kind``,
        ``names``) and today's 每日一练 (``daily``: ``exam`` or None, ``judged``, ``size``)."""
        return self.call("GET", "points")

    def daily(self) -> str:
        """Today's 每日一练, drawn by the service (the same all day); its exam name."""
        return str(self.call("POST", "daily", {})["exam"])


class AnswerQueue:
    """Answers waiting for the service, kept in ``path`` (JSON lines) until it confirms them."""

    def __init__(self, path: str | Path, client: ServiceClient, exam: str, paper: str) -> None:
        self.path = Path(path)
        self.client = client
        self.exam = exam
        self.paper = paper
        self._lock = threading.Lock()  # the list and its file; never held while sending
        self._sending = threading.Lock()  # one flush at a time
        self.pending: list[dict[str, Any]] = []
        if self.path.exists():
            for line in self.path.read_text("utf-8").splitlines():
                try:
                    self.pending.append(json.loads(line))
                except ValueError:
                    continue  # a line cut by a crash: the answer is also in the responses file
        self.refused: list[ServiceRefused] = []
        self.busy = False  # the last flush stopped at a 429 (too many requests), not the network
        self.busy_until = 0.0  # time.monotonic() before which nothing is sent (Retry-After)

    def _write(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            for item in self.pending:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)

    def put(self, attempt: int, n: int, value: Any) -> None:
        """Queue an answer; one still waiting for the same question is replaced (only the last
        answer to a question counts, and typing sends one per keystroke)."""
        with self._lock:
            self.pending = [p for p in self.pending
                            if (p.get("attempt"), p.get("n")) != (attempt, n)]  # fmt: skip
            self.pending.append({"attempt": attempt, "n": n, "value": value})
            self._write()

    def flush(self) -> bool:
        """Send what waits, in order. True when nothing is left; False when the service is away.
        An answer the service refuses leaves the queue and is kept in ``refused``.

        The network is waited for outside the queue's lock, so :meth:`put` (a member's tap) never
        waits for it; one flush sends at a time, so answers arrive in the order given. An answer
        replaced by a newer one while on its way leaves the queue; the newer one is sent next."""
        with self._sending:
            with self._lock:
                if self.pending and time.monotonic() < self.busy_until:
                    self.busy = True  # the service asked to wait: sending now would be refused
                    return False
                self.busy = False
            while True:
                with self._lock:
                    if not self.pending:
                        return True
                    item = self.pending[0]
                try:
                    self.client.save(self.exam, self.paper, item["attempt"], item["n"],
                                     item["value"])  # fmt: skip
                except ServiceRefused as exc:
                    with self._lock:
                        self.refused.append(exc)
                except ServiceAway as exc:
                    with self._lock:
                        self.busy = isinstance(exc, ServiceBusy)
                        if isinstance(exc, ServiceBusy):
                            self.busy_until = time.monotonic() + exc.retry_after
                    return False
                with self._lock:
                    self.pending = [p for p in self.pending if p is not item]
                    self._write()

    def take_refused(self) -> list[ServiceRefused]:
        """The refusals since the last call (each is handed to the quiz once)."""
        with self._lock:
            out, self.refused = self.refused, []
            return out
