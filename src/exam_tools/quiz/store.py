"""The responses file: every answer saved the moment it is given.

One JSON file per paper and member, beside the notebook, written whole through a temporary file and a
rename, so a crash, a closed tab or a kernel restart never leaves half a file and never loses an
answer already given. It holds attempts; the last one is the one in progress. Times are wall-clock,
so the time limit keeps running while the kernel is down, as it would in an exam room.

The file holds the member's answers only, in the paper's terms (letters as shown); never a key.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from exam_tools.bank.model import QType
from exam_tools.course.paper import Paper
from exam_tools.errors import QuizError
from exam_tools.fileio import write_atomic

RESPONSES_FORMAT = "exam-tools/responses"
RESPONSES_VERSION = 1

Clock = Callable[[], float]

# What a responses file may hold. Members' folders are theirs to edit, so a file or an answer
# beyond these is not read (0 points, reported) rather than stored and copied into feedback pages.
MAX_RESPONSES_BYTES = 2_000_000  # a whole responses file (all attempts)
MAX_ANSWER_CHARS = 5_000  # one answer (a 简答 answer is a few hundred characters)
SHAPES = {
    QType.SINGLE: "单选题应为一个选项字母",
    QType.MULTIPLE: "多选题应为选项字母的列表",
    QType.JUDGE: "判断题应为 true 或 false",
    QType.FILL: "填空题应为每空一段文字的列表",
    QType.SHORT: "简答题应为一段文字",
}


def _texts(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def answer_problem(qtype: QType, value: Any) -> str | None:
    """Why a saved answer cannot be scored (wrong type or too long), or None if it can."""
    if value is None:
        return None
    if qtype is QType.JUDGE:
        ok = isinstance(value, bool)
    elif qtype in (QType.SINGLE, QType.SHORT):
        ok = isinstance(value, str)
    elif qtype is QType.MULTIPLE:
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(x, str) for x in value)
        )
    else:
        ok = isinstance(value, list) and all(x is None or isinstance(x, str) for x in value)
    if not ok:
        return f"作答格式不对（{SHAPES[qtype]}，却是 {type(value).__name__}）"
    size = sum(len(x) for x in _texts(value) if isinstance(x, str))
    if size > MAX_ANSWER_CHARS:
        return f"作答过长（{size} 字，上限 {MAX_ANSWER_CHARS} 字）"
    return None


def read_responses(path: Path) -> Any:
    """The parsed responses file; ValueError (with the reason, in Chinese) if it is too large or
    not JSON; OSError if it cannot be read."""
    size = path.stat().st_size
    if size > MAX_RESPONSES_BYTES:
        raise ValueError(
            f"作答记录文件过大（{size / 1e6:.1f} MB，上限 {MAX_RESPONSES_BYTES / 1e6:.0f} MB）"
        )
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # deep nesting too
        raise ValueError("作答记录已损坏，无法读取") from None


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    from exam_tools.timezone import iso

    return iso(ts)  # with the configured zone's offset (issue 17 item 7)


def _ts(text: Any) -> float | None:
    if text is None:
        return None
    return datetime.fromisoformat(str(text)).timestamp()


@dataclass
class Attempt:
    number: int
    started_at: float
    deadline: float | None = None
    submitted_at: float | None = None
    submitted_by: str | None = None  # "member" or "timeout"
    answers: dict[int, Any] = field(default_factory=dict)
    checked: list[int] = field(default_factory=list)  # practice: answers already shown
    position: int = 1  # the question on screen, so a reload comes back to it

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "started_at": _iso(self.started_at),
            "deadline": _iso(self.deadline),
            "submitted_at": _iso(self.submitted_at),
            "submitted_by": self.submitted_by,
            "answers": {str(n): v for n, v in sorted(self.answers.items())},
            "checked": self.checked,
            "position": self.position,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Attempt:
        started = _ts(d["started_at"])
        assert started is not None
        return cls(
            number=int(d["number"]),
            started_at=started,
            deadline=_ts(d.get("deadline")),
            submitted_at=_ts(d.get("submitted_at")),
            submitted_by=d.get("submitted_by"),
            answers={int(n): v for n, v in dict(d.get("answers") or {}).items()},
            checked=[int(n) for n in d.get("checked") or []],
            position=int(d.get("position") or 1),
        )


class ResponseStore:
    """Attempts at one paper by one member, kept in sync with ``path`` on every change."""

    def __init__(
        self, path: str | Path, paper: Paper, *, member: str | None = None, clock: Clock = time.time
    ) -> None:
        self.path = Path(path)
        self.paper = paper
        self.member = member if member is not None else paper.member
        self.clock = clock
        self.attempts: list[Attempt] = []
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        size = self.path.stat().st_size
        if size > MAX_RESPONSES_BYTES:
            raise QuizError(
                f"作答记录 {self.path} 过大（{size / 1e6:.1f} MB，上限 "
                f"{MAX_RESPONSES_BYTES / 1e6:.0f} MB），无法读取。请联系老师处理。"
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != RESPONSES_FORMAT:
                raise ValueError("format")
            attempts = [Attempt.from_dict(a) for a in data.get("attempts", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise QuizError(
                f"作答记录 {self.path} 已损坏，无法读取（{exc}）。"
                "已答的内容都在这个文件里，请不要删除它，请联系老师处理。"
            ) from None
        if data.get("paper") != self.paper.id:
            raise QuizError(
                f"作答记录 {self.path} 属于另一份试卷（{data.get('paper')}），"
                f"不是这份（{self.paper.id}）。请联系老师。"
            )
        self.attempts = attempts

    # ---- state ------------------------------------------------------------------------------

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def attempts_left(self) -> int | None:
        """How many more attempts may start; None = unlimited."""
        if self.paper.attempts is None:
            return None
        return max(0, self.paper.attempts - len(self.attempts))

    def can_start(self) -> bool:
        cur = self.current
        if cur is not None and not cur.submitted:
            return False
        left = self.attempts_left
        return left is None or left > 0

    def remaining(self) -> float | None:
        """Seconds left in the current attempt; None when untimed."""
        cur = self.current
        if cur is None or cur.deadline is None:
            return None
        end = cur.submitted_at if cur.submitted_at is not None else self.clock()
        return max(0.0, cur.deadline - end)

    # ---- changes (each one saved at once) ---------------------------------------------------

    def start(self) -> Attempt:
        if not self.can_start():
            raise QuizError("已经没有剩余的作答次数了" if self.current else "无法开始作答")
        now = self.clock()
        limit = self.paper.time_limit
        attempt = Attempt(
            number=len(self.attempts) + 1,
            started_at=now,
            deadline=now + limit * 60 if limit else None,
        )
        self.attempts.append(attempt)
        self.save()
        return attempt

    def _open_attempt(self) -> Attempt:
        cur = self.current
        if cur is None or cur.submitted:
            raise QuizError("本次作答已经交卷，答案不能再修改")
        if cur.deadline is not None and self.clock() >= cur.deadline:
            self.submit("timeout")
            raise QuizError("考试时间已到，试卷已自动交卷，答案不能再修改")
        return cur

    def set_answer(self, n: int, value: Any) -> None:
        if not 1 <= n <= len(self.paper):
            raise QuizError(f"试卷没有第 {n} 题")
        problem = answer_problem(self.paper.item(n).type, value)
        if problem is not None:  # e.g. 作答过长（6000 字，上限 5000 字）
            raise QuizError(f"第 {n} 题{problem}，没有保存")
        cur = self._open_attempt()
        if value is None:
            cur.answers.pop(n, None)
        else:
            cur.answers[n] = value
        self.save()

    def set_position(self, n: int) -> None:
        """Remember the question on screen (saved only when it changes)."""
        cur = self.current
        if cur is not None and 1 <= n <= len(self.paper) and cur.position != n:
            cur.position = n
            self.save()

    def mark_checked(self, n: int) -> None:
        cur = self._open_attempt()
        if n not in cur.checked:
            cur.checked.append(n)
            self.save()

    def submit(self, by: str = "member") -> Attempt:
        cur = self.current
        if cur is None or cur.submitted:
            raise QuizError("本次作答已经交卷")
        now = self.clock()
        if cur.deadline is not None and now > cur.deadline:
            now = cur.deadline  # answers after the deadline were never accepted
        cur.submitted_at = now
        cur.submitted_by = by
        self.save()
        return cur

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RESPONSES_FORMAT,
            "version": RESPONSES_VERSION,
            "paper": self.paper.id,
            "course": self.paper.course,
            "assessment": self.paper.assessment,
            "member": self.member,
            "mode": self.paper.mode.value,
            "attempts": [a.to_dict() for a in self.attempts],
        }

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1))
