"""What a number of hours (学时) may be: finite, and within one day for one session.

Common local counting (see /work/shared/domain.md): a full day of training is 8 学时, half a day 4,
one hour of branch study 1. A single session or lesson may count at most :data:`MAX_SESSION_HOURS`
(a whole day); NaN, infinity and ``1e9`` are refused with the field and the value.
"""

from __future__ import annotations

import math

#: The most one session (or one lesson) may count: a whole day.
MAX_SESSION_HOURS = 24.0
RANGE_NOTE = f"一次最多 {MAX_SESSION_HOURS:g} 学时，全天培训一般计 8 学时，多天的培训请按天分别登记"


def parse_hours(value: object, fld: str = "学时", *, allow_zero: bool = False) -> float:
    """``value`` (a number or its text) as hours, or ``ValueError`` whose message names ``fld``.

    Sessions need ``0 < h <= 24``; ``allow_zero`` is for 实际学时 (present, but left at once).
    """
    text = str(value).strip()
    try:
        if isinstance(value, bool):
            raise ValueError
        hours = float(value) if isinstance(value, int | float) else float(text)
    except (TypeError, ValueError):
        hours = math.nan
    low_ok = hours >= 0 if allow_zero else hours > 0
    if not (math.isfinite(hours) and low_ok and hours <= MAX_SESSION_HOURS):
        span = "在 0 到 {:g} 之间" if allow_zero else "大于 0 且不超过 {:g}"
        span = span.format(MAX_SESSION_HOURS)
        raise ValueError(f"{fld}应{span}（{RANGE_NOTE}），现在是“{text}”")
    return hours
