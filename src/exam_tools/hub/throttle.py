"""How long a login must wait after wrong passwords (pure; the clock is passed in).

Two things are paced before PAM is asked at all (:mod:`exam_tools.hub.pamauth`), so wrong
passwords only slow their own client or their own account and never hold JupyterHub's PAM
threads (hub-notes 14):

- a client (its IP address): :class:`Backoff`, kept in the hub's memory;
- an account: from the failures ``pam_faillock`` recorded for it (:func:`account_wait`), which
  also counts wrong ``su`` passwords and is reset by ``exam-tools hub unlock`` or a right one.

After :data:`PAM_FAILLOCK`'s ``deny`` failures the account is locked (by PAM) for ``unlock_time``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: One record in a pam_faillock tally file (struct tally: source[52], reserved, status, time).
TALLY_RECORD = 64


def backoff(failures: int, free: int, cap: float) -> float:
    """Seconds to wait after ``failures`` in a row: none for the first ``free``, then 1, 2, 4 …
    up to ``cap``."""
    if failures < free:
        return 0.0
    return float(min(cap, 2 ** min(failures - free, 30)))


@dataclass
class Backoff:
    """Failures per key (a client address) and when it may try again, at most ``max_keys``."""

    free: int = 3
    cap: float = 300.0
    max_keys: int = 50_000
    _state: dict[str, tuple[int, float]] = field(default_factory=dict)

    def wait(self, key: str, now: float) -> float:
        failures, last = self._state.get(key, (0, 0.0))
        return max(0.0, last + backoff(failures, self.free, self.cap) - now)

    def failed(self, key: str, now: float) -> None:
        failures, last = self._state.pop(key, (0, 0.0))
        if now - last > 2 * self.cap:  # quiet for long enough: start again
            failures = 0
        self._state[key] = (failures + 1, now)
        if len(self._state) > self.max_keys:  # forget the oldest tenth
            for old in list(self._state)[: self.max_keys // 10]:
                del self._state[old]

    def succeeded(self, key: str) -> None:
        self._state.pop(key, None)


def account_wait(
    tally_size: int, last_failure: float, now: float, fail_interval: float, cap: float = 60.0
) -> float:
    """Seconds an account must wait, from its pam_faillock tally file: its size (records) and
    time of change (the last failure). Two failures are free; old failures are forgotten."""
    if tally_size <= 0 or now - last_failure > fail_interval:
        return 0.0
    failures = tally_size // TALLY_RECORD
    return max(0.0, last_failure + backoff(failures, 2, cap) - now)
