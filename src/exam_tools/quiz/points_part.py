"""学习积分 and 每日一练 on 我的学习: plain text and HTML from what the exam service answered
(``GET …/api/points``; pure, tested without a browser). The points are the service's count, from
its own verdicts and the published record; nothing here counts anything."""

from __future__ import annotations

import html
from typing import Any

POINTS_CSS = """<style>
.et-landing .et-points { font-size: 20px; line-height: 1.6; margin: 6px 0; padding: 10px 14px;
  background: #fff7e6; border: 2px solid #e0a000; border-radius: 8px; color: #3d2600; }
.et-landing .et-points b { font-size: 26px; color: #b00; }
.et-landing button.et-tile.et-daily { border-left: 10px solid #b00; background: #fff0f0;
  color: #3d0000; font-weight: bold; }
</style>"""


def _n(value: Any) -> str:
    return f"{float(value or 0):g}"


def points_html(p: dict[str, Any]) -> str:
    """今日积分 N 分 · 本年 M 分 · 连续学习 K 天, in large type."""
    streak = int(p.get("streak") or 0)
    days = f"连续学习 <b>{streak}</b> 天" if streak else "今天开始，连续学习就从 1 天算起"
    return (
        f'<div class="et-points">今日积分 <b>{html.escape(_n(p.get("today")))}</b> 分'
        f"　本年 <b>{html.escape(_n(p.get('total')))}</b> 分<br>{days}</div>"
    )


def daily_text(p: dict[str, Any]) -> str:
    """The 每日一练 tile: what today's five questions wait for."""
    d = p.get("daily") or {}
    size = int(d.get("size") or 5)
    judged = int(d.get("judged") or 0)
    if not d.get("exam") or judged == 0:
        return f"每日一练\n今天的 {size} 道题，点这里开始"
    if judged < size:
        return f"每日一练\n今天已答 {judged}/{size} 题，点这里接着答"
    return "每日一练\n今天已完成，明天再来（点这里可以再看一遍）"


def by_kind_text(p: dict[str, Any] | None) -> str:
    """本年 N 分：练习答对 a 分，每日一练 b 分，…, as 我的档案 lists them."""
    if not p:
        return "暂时无法读取"
    names = p.get("names") or {}
    kinds = "，".join(
        f"{names.get(k, k)} {_n(v)} 分" for k, v in (p.get("by_kind") or {}).items() if v
    )
    text = f"本年 {_n(p.get('total'))} 分"
    return f"{text}（{kinds}）" if kinds else f"{text}，做练习、每日一练就能得分"
