"""The one time zone every time is read and shown in (issue 17 item 7).

A server's clock is often UTC while members, organisers and the exam timetable live on Beijing
time: ``--opens 09:00`` read as the server's local time opened the exam at 17:00 Beijing time.
Every time the CLI reads without a zone is in :func:`zone` (``EXAM_TOOLS_TZ``, default
Asia/Shanghai; on the hub from ``hub.timezone`` in config.yaml), and every time shown is in it,
named (``2026-12-01 09:00（北京时间）``). Instants are stored as epoch seconds, or ISO text with
the offset, so nothing stored depends on the zone.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from exam_tools.errors import InvalidInputError

ENV = "EXAM_TOOLS_TZ"
DEFAULT = "Asia/Shanghai"

#: Chinese names of the zones a Chinese deployment may use; others are shown by their IANA name.
NAMES = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "PRC": "北京时间",
         "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间", "UTC": "协调世界时"}  # fmt: skip

_TIME_ONLY = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def zone(name: str | None = None) -> ZoneInfo:
    """``name``, else ``$EXAM_TOOLS_TZ``, else Asia/Shanghai; an unknown name is a clear error."""
    key = (name or os.environ.get(ENV) or DEFAULT).strip()
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError(
            f"时区“{key}”不认识；请写成 Asia/Shanghai 这样的时区名（{ENV} 或 config.yaml 的 hub.timezone）"
        ) from None


def label(tz: ZoneInfo | None = None) -> str:
    tz = tz or zone()
    return NAMES.get(tz.key, tz.key)


def parse(text: str, tz: ZoneInfo | None = None, *, now: float | None = None) -> float:
    """Epoch seconds of ``text``: ``2026-12-01T09:00``, ``2026-12-01 09:00`` or ``09:00`` (today),
    read in ``tz`` unless the text names its own offset. Raises :class:`InvalidInputError`."""
    tz = tz or zone()
    text = text.strip()
    m = _TIME_ONLY.match(text)
    try:
        if m:
            today = datetime.fromtimestamp(now if now is not None else _now(), tz)
            hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
            when = today.replace(hour=hour, minute=minute, second=second, microsecond=0)
        else:
            when = datetime.fromisoformat(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=tz)
    except ValueError:
        raise InvalidInputError(
            f"时间“{text}”看不懂，请写成 2026-12-01T09:00 或 09:00（{label(tz)}）"
        ) from None
    return when.timestamp()


def local(ts: float, tz: ZoneInfo | None = None) -> datetime:
    return datetime.fromtimestamp(ts, tz or zone())


def show(ts: float | None, tz: ZoneInfo | None = None, *, seconds: bool = False,
         named: bool = True) -> str:  # fmt: skip
    """``2026-12-01 09:00（北京时间）``; ``-`` for no time."""
    if ts is None:
        return "-"
    tz = tz or zone()
    text = local(ts, tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text}（{label(tz)}）" if named else text


def stamp(ts: float, tz: ZoneInfo | None = None, timespec: str = "milliseconds") -> str:
    """ISO text with the zone's offset (``2026-12-01T09:00:00.000+08:00``), for records."""
    return local(ts, tz).isoformat(timespec=timespec)


def iso(ts: float | None, tz: ZoneInfo | None = None, timespec: str = "milliseconds") -> str | None:
    """:func:`stamp`, or None for no time."""
    return None if ts is None else stamp(ts, tz, timespec)


def year_start(ts: float | None = None, tz: ZoneInfo | None = None) -> float:
    """1 January 00:00 of the year ``ts`` (default now) falls in, in ``tz``."""
    day = local(ts if ts is not None else _now(), tz)
    return day.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


def this_year(tz: ZoneInfo | None = None) -> int:
    return local(_now(), tz).year


def _now() -> float:
    import time

    return time.time()
