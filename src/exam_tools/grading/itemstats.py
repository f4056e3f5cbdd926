"""Item statistics (试题分析): how hard each question was, how well it separated stronger from
weaker members, which options were chosen, and how reliable the paper was.

Pure functions over graded rows (one per member and question), so they are checked against values
worked out by hand. Definitions (classical test theory):

- facility (难度, P): mean of score / points over the members who had the question;
- discrimination (区分度, D): P in the top 27% of members by total percentage minus P in the bottom
  27% (groups of round(0.27 n) members, at least one);
- point-biserial (r_pb): Pearson correlation of the item's score fraction with the total percentage;
- distractors: how often each option (in the bank's order, A = the bank's first option) was chosen;
- paper: mean and sample standard deviation of total percentages, and Cronbach's alpha when every
  member had the same questions (alpha = k/(k-1) * (1 - sum of item variances / total variance)).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from exam_tools.bank.model import LETTERS

EASY, HARD, LOW_DISCRIMINATION = 0.95, 0.2, 0.2


@dataclass(frozen=True)
class Row:
    """One member's result on one question, as stored by ``grade``."""

    member: str
    qid: str
    type: str
    score: float
    points: float
    response: object = None
    shown: tuple[int, ...] = ()  # shown[i] = bank index of the option shown i-th
    options: int = 0


@dataclass
class ItemStats:
    qid: str
    type: str
    n: int
    facility: float
    discrimination: float | None
    point_biserial: float | None
    options: dict[str, int] = field(default_factory=dict)  # bank letter -> times chosen
    blank: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass
class PaperStats:
    members: int
    mean: float
    sd: float
    alpha: float | None
    alpha_note: str


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return statistics.correlation(xs, ys)


def _chosen(row: Row) -> list[int]:
    """Bank indices of the options a choice response picked."""
    value = row.response
    letters = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    out = []
    for x in letters:
        if isinstance(x, str) and x in LETTERS and LETTERS.index(x) < len(row.shown):
            out.append(row.shown[LETTERS.index(x)])
    return out


def item_statistics(rows: Iterable[Row]) -> tuple[list[ItemStats], PaperStats]:
    rows = list(rows)
    by_member: dict[str, list[Row]] = defaultdict(list)
    by_item: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_member[r.member].append(r)
        by_item[r.qid].append(r)
    total = {
        m: 100 * sum(r.score for r in rs) / (sum(r.points for r in rs) or 1)
        for m, rs in by_member.items()
    }
    ranked = sorted(total, key=lambda m: (total[m], m))
    g = max(1, round(0.27 * len(ranked)))
    lower, upper = set(ranked[:g]), set(ranked[-g:])

    items = []
    for qid in sorted(by_item):
        rs = by_item[qid]
        frac = [r.score / r.points if r.points else 0.0 for r in rs]
        facility = sum(frac) / len(rs)
        up = [f for r, f in zip(rs, frac, strict=True) if r.member in upper]
        lo = [f for r, f in zip(rs, frac, strict=True) if r.member in lower]
        disc = (sum(up) / len(up) - sum(lo) / len(lo)) if up and lo else None
        rpb = _pearson(frac, [total[r.member] for r in rs])
        stats = ItemStats(qid, rs[0].type, len(rs), facility, disc, rpb)
        if rs[0].type in ("single", "multiple"):
            width = max(len(r.shown) for r in rs)
            counts: Counter[int] = Counter()
            for r in rs:
                picked = _chosen(r)
                counts.update(picked)
                stats.blank += not picked
            stats.options = {LETTERS[i]: counts.get(i, 0) for i in range(width)}
        if facility > EASY:
            stats.flags.append("太容易（难度值高于 0.95）")
        if facility < HARD:
            stats.flags.append("太难（难度值低于 0.2）")
        if disc is not None and disc < LOW_DISCRIMINATION:
            stats.flags.append("区分度低（低于 0.2）")
        items.append(stats)
    return items, _paper(by_member, by_item, total)


def flag_unchosen(items: list[ItemStats], correct: dict[str, set[str]]) -> None:
    """Flag wrong options nobody chose (``correct``: bank letters of each question's answer)."""
    for s in items:
        unused = [x for x, c in s.options.items() if c == 0 and x not in correct.get(s.qid, set())]
        if unused:
            s.flags.append(f"干扰项 {'、'.join(unused)} 无人选择")


def _paper(
    by_member: dict[str, list[Row]], by_item: dict[str, list[Row]], total: dict[str, float]
) -> PaperStats:
    values = list(total.values())
    mean = sum(values) / len(values) if values else 0.0
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    k = len(by_item)
    same = all(len(rs) == len(by_member) for rs in by_item.values())
    if not same:
        return PaperStats(len(values), mean, sd, None, "每人试卷不同（每人一卷），不计算 α 系数")
    if k < 2 or len(values) < 2:
        return PaperStats(len(values), mean, sd, None, "题目或人数太少，不计算 α 系数")
    raw_total = [sum(r.score for r in rs) for rs in by_member.values()]
    var_total = statistics.variance(raw_total)
    if var_total == 0 or math.isnan(var_total):
        return PaperStats(len(values), mean, sd, None, "总分没有差异，不计算 α 系数")
    var_items = sum(statistics.variance([r.score for r in rs]) for rs in by_item.values())
    alpha = k / (k - 1) * (1 - var_items / var_total)
    return PaperStats(len(values), mean, sd, alpha, "")
