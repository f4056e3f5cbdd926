"""What keeps one member from filling the disk or slowing the rest, and logs that show data only.

:class:`RateLimiter` is a token bucket per member, in memory: ``burst`` requests at once, then
``rate`` requests a second; a request beyond it is answered 429 (:data:`TOO_MANY`) and costs
no database write of its own (refusals are counted, see :meth:`ServiceStore.refuse`).
:func:`shown` escapes a value for a log line: control characters (newlines included), format
characters (bidi overrides) and backslashes become ``\\n``, ``\\x1b``, ``\\u202e``, ``\\\\``, so one
logged value is one line and never reads as another entry. :class:`LogThrottle` keeps a flood
from filling the process log: a kind of line appears at most ``per_window`` times a window.
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any

#: Default per-member limit: a burst of this many requests, then ``RATE`` a second.
BURST = 20
RATE = 5.0
TOO_MANY = "操作太频繁，请稍等几秒再试。"
#: A request refused for the rate or for having no valid token is answered after this pause, so
#: a client that waits for its answers (as floods do) slows itself; at most MAX_HELD at once.
PAUSE = 1.0
MAX_HELD = 200

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def shown(value: Any, limit: int | None = None) -> str:
    """``value`` as text fit for one log line: printable characters (Chinese too) as they are,
    anything else escaped; cut at ``limit`` characters (with …) after escaping."""
    text = "-" if value is None else str(value)
    out = []
    for ch in text:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch)[0] == "C" or unicodedata.category(ch) in ("Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")  # fmt: skip
        else:
            out.append(ch)
    s = "".join(out)
    return s if limit is None or len(s) <= limit else s[: limit - 1] + "…"


class RateLimiter:
    """Token buckets, one per key (a hub user name), refilled at ``rate`` a second up to ``burst``."""

    def __init__(
        self,
        rate: float = RATE,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
        pause: float = PAUSE,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self.pause = pause  # seconds a refused request's answer waits (see PAUSE)
        self.held = 0  # answers waiting now
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens for ``key`` (a costly request takes more); False when fewer are
        left (the request is refused, and takes none)."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens < cost:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - cost, now)
            if len(self._buckets) > 10_000:  # hub users only, but never unbounded: drop full ones
                full = [k for k, (t, a) in self._buckets.items()
                        if t + (now - a) * self.rate >= self.burst]  # fmt: skip
                for k in full:
                    del self._buckets[k]
            return True

    def retry_after(self, key: str, cost: float = 1.0) -> int:
        """Whole seconds until ``key`` has ``cost`` tokens again (at least 1)."""
        with self._lock:
            tokens, _ = self._buckets.get(key, (float(self.burst), 0.0))
        return max(1, int(max(0.0, cost - tokens) / self.rate + 0.999))


class LogThrottle(logging.Filter):
    """At most ``per_window`` records of one kind (logger and message template) per ``window``
    seconds; the first record let through after a gap says how many were held back."""

    def __init__(
        self, per_window: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.per_window = per_window
        self.window = window
        self.clock = clock
        self._seen: dict[tuple[str, str], list[float]] = {}  # kind -> [window start, shown, held]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, str(record.msg))
        with self._lock:
            now = self.clock()
            entry = self._seen.get(kind)
            if entry is None or now - entry[0] >= self.window:
                held = int(entry[2]) if entry is not None else 0
                self._seen[kind] = [now, 1, 0]
                if len(self._seen) > 1000:  # kinds are message templates: few; never unbounded
                    self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
                if held:
                    record.msg = f"{record.msg} [{held} similar lines held back]"
                return True
            if entry[1] < self.per_window:
                entry[1] += 1
                return True
            entry[2] += 1
            return False
