"""The exam service's rules, as pure functions: the clock, attempts, ownership, sizes.

Every request the service accepts or refuses is decided here from plain values (the exam's
settings, the attempt as the database holds it, the service's own receipt time ``now``), so the
rules are tested without a server. Times are seconds since the epoch, always the service's own:
a time a member's computer sends is never used to judge anything.

Lateness: an answer or a hand-in counts when the service *receives* it no later than the attempt's
deadline plus ``grace`` (a few seconds for a slow network; the exam's setting). An answer the quiz
queued before the deadline while the service was unreachable is judged by the same rule when it
arrives: accepted within the grace, refused after it. Nothing the member's computer claims about
when it was made changes that.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from exam_tools.errors import ExamToolsError

#: The largest answer (JSON text, bytes) and request body the service accepts.
MAX_ANSWER_BYTES = 4000
MAX_BODY_BYTES = 16000
#: Default grace for network delay after a deadline, seconds.
DEFAULT_GRACE = 30.0
#: Answers kept per attempt: this many times the paper's questions. A save of the question the
#: attempt's last kept answer is for replaces that answer (typing, changing a choice), so only
#: moving between questions counts; at most ANSWERS_PER_QUESTION * MAX_ANSWER_BYTES (80 KB) a
#: question per attempt.
ANSWERS_PER_QUESTION = 20
#: New 错题本 papers per member per day (the service's local day).
REVIEWS_PER_DAY = 20
#: Names as the service accepts them: exams (the URL's pattern), members (hub logins).
EXAM_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MEMBER_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}")
BAD_REQUEST = "请求格式不对。"
REVIEW_PREFIX = "_review-"  # a member's 错题本 practice papers: "_review-1", "_review-2", …
NO_REVIEW = "没有找到这份错题练习，请从“我的学习”重新打开错题本。"


def is_review(exam: str) -> bool:
    """Whether ``exam`` names one of a member's 错题本 papers (drawn per member, not an exam)."""
    return exam.startswith(REVIEW_PREFIX)


class Refused(ExamToolsError, PermissionError):
    """A request the rules refuse: ``code`` for programs and logs, the message for the member."""

    status = 403

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ExamRules:
    """An exam's settings as the service holds them (never as a member's file says)."""

    exam: str
    mode: str  # "exam" or "practice"
    time_limit: float | None  # minutes; None = untimed
    attempts: int | None  # None = unlimited
    opens_at: float | None = None
    closes_at: float | None = None
    grace: float = DEFAULT_GRACE


@dataclass(frozen=True)
class AttemptState:
    number: int
    started_at: float
    deadline: float | None
    submitted_at: float | None = None


def check_member(user: str, member: Any) -> None:
    """A member acts only for themself; ``member`` (from the request) must look like a login."""
    if not isinstance(member, str) or not MEMBER_NAME.fullmatch(member):
        raise Refused("bad-request", BAD_REQUEST, 400)
    if user != member:
        raise Refused("other-member", "只能查看和作答自己的试卷，不能替别人作答。")


def check_paper(expected: str, given: str) -> None:
    """The paper in a request must be the one the service drew for this member."""
    if expected != given:
        raise Refused("wrong-paper", "这份试卷不是发给您的，请从“我的学习”重新打开考试。")


def check_window(rules: ExamRules, now: float) -> None:
    """The exam is open: after its opening time and before its closing time."""
    if rules.opens_at is not None and now < rules.opens_at:
        from exam_tools.timezone import show

        opens = show(rules.opens_at)  # in the hub's zone (issue 17 item 7)
        raise Refused("not-open", f"考试还没有开始，开考时间：{opens}。请到时再来。", 409)
    if rules.closes_at is not None and now > rules.closes_at + rules.grace:
        raise Refused("closed", "考试已经结束，不能再开始或作答。", 409)


def check_opened(rules: ExamRules, now: float) -> None:
    """Nothing of an exam (not even the member's paper) before its opening time (issue 16)."""
    if rules.opens_at is not None and now < rules.opens_at:
        raise Refused(
            "not-open", f"考试还没有开始，请到开考时间（{_clock(rules.opens_at)}）再来。", 409
        )


def is_open(rules: ExamRules, now: float) -> bool:
    """Whether a new attempt could start now as far as the exam's times go."""
    try:
        check_window(rules, now)
    except Refused:
        return False
    return True


def _clock(ts: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(ts).strftime("%m月%d日 %H:%M")


def attempts_allowed(rules: ExamRules, extra: int) -> int | None:
    """How many attempts this member may make: the exam's limit plus granted extras."""
    return None if rules.attempts is None else rules.attempts + extra


def check_start(
    rules: ExamRules, attempts: list[AttemptState], extra_attempts: int, now: float
) -> None:
    """A new attempt may start: the exam is open, none is running, one is left."""
    check_window(rules, now)
    current = attempts[-1] if attempts else None
    if current is not None and not is_over(current, rules, now):
        raise Refused("running", "上一次作答还没有交卷。", 409)
    allowed = attempts_allowed(rules, extra_attempts)
    if allowed is not None and len(attempts) >= allowed:
        raise Refused("no-attempts", f"已经作答 {len(attempts)} 次，没有剩余的作答次数了。", 409)


def deadline_for(rules: ExamRules, started_at: float, extra_minutes: float) -> float | None:
    """When an attempt started at ``started_at`` ends: the time limit, and never after the exam
    closes; minutes granted to the member push both."""
    ends = []
    if rules.time_limit is not None:
        ends.append(started_at + (rules.time_limit + extra_minutes) * 60)
    if rules.closes_at is not None:
        ends.append(rules.closes_at + extra_minutes * 60)
    return min(ends) if ends else None


def is_over(attempt: AttemptState, rules: ExamRules, now: float) -> bool:
    """Handed in, or past its deadline plus the grace."""
    if attempt.submitted_at is not None:
        return True
    return attempt.deadline is not None and now > attempt.deadline + rules.grace


def check_open_attempt(
    rules: ExamRules, attempts: list[AttemptState], number: int, now: float
) -> AttemptState:
    """The attempt ``number`` is the member's current one and still takes answers at ``now``."""
    if not attempts or attempts[-1].number != number:
        raise Refused("wrong-attempt", "这次作答已经结束，请从“我的学习”重新打开考试。", 409)
    attempt = attempts[-1]
    if attempt.submitted_at is not None:
        raise Refused("submitted", "已经交卷，答案不能再修改。", 409)
    if attempt.deadline is not None and now > attempt.deadline + rules.grace:
        raise Refused("late", "考试时间已到，这之后的答案不再计入。", 409)
    return attempt


def check_answer(n: Any, value: Any, paper_length: int) -> str:
    """The question is on the paper and the answer is data of a sane size; its JSON text. A
    question number that is not a whole number is a malformed request (400), never echoed."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise Refused("bad-request", BAD_REQUEST, 400)
    if not 1 <= n <= paper_length:
        raise Refused("no-such-question", f"试卷上没有第 {n} 题。", 422)
    if value is not None and not _plain(value):
        raise Refused("bad-answer", f"第 {n} 题的答案格式不对。", 422)
    text = json.dumps(value, ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_ANSWER_BYTES:
        raise Refused(
            "too-large", f"第 {n} 题的答案太长了（最多约 {MAX_ANSWER_BYTES // 3} 个汉字）。", 413
        )
    return text


def check_answer_count(kept: int, paper_length: int) -> None:
    """Another answer may be kept for the attempt (see :data:`ANSWERS_PER_QUESTION`)."""
    if kept >= ANSWERS_PER_QUESTION * paper_length:
        raise Refused(
            "too-many-answers",
            f"这次作答保存的答案已达上限（{ANSWERS_PER_QUESTION * paper_length} 次），"
            "之后的修改不再保存，请检查后交卷。",
            409,
        )


def check_reviews_today(made_today: int) -> None:
    """Another 错题本 paper may be made for the member today (see :data:`REVIEWS_PER_DAY`)."""
    if made_today >= REVIEWS_PER_DAY:
        raise Refused(
            "too-many-reviews",
            f"今天已经出了 {REVIEWS_PER_DAY} 份错题练习，请先做完已有的，明天再来。",
            409,
        )


def check_exam_name(exam: str) -> None:
    """An exam name as the service's URLs accept it."""
    if not EXAM_NAME.fullmatch(exam):
        raise Refused("bad-request", BAD_REQUEST, 400)


def _plain(value: Any, depth: int = 0) -> bool:
    """Answers are a string, a boolean, or a short list of strings (letters, blanks)."""
    if isinstance(value, (str, bool)):
        return True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return math.isfinite(value)
    if isinstance(value, list) and depth == 0 and len(value) <= 26:
        return all(_plain(v, 1) and not isinstance(v, list) for v in value)
    return False


def remaining(attempt: AttemptState, now: float) -> float | None:
    """Seconds left, as the service counts them (None when untimed)."""
    if attempt.deadline is None:
        return None
    end = attempt.submitted_at if attempt.submitted_at is not None else now
    return max(0.0, attempt.deadline - end)


def submit_time(attempt: AttemptState, rules: ExamRules, now: float) -> tuple[float, str]:
    """When a hand-in at ``now`` counts and by whom: a member within the deadline (plus grace)
    hands in at ``now``; later, the paper counts as handed in by the clock at the deadline."""
    if attempt.deadline is not None and now > attempt.deadline + rules.grace:
        return attempt.deadline, "timeout"
    return now, "member"
