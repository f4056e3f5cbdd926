"""A 知识竞赛's standings as a printable A4 page (HTML; every name escaped)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from typing import Any

STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 16px;
       line-height: 1.5; margin: 0; }
h1 { font-size: 24px; text-align: center; margin: 0 0 4px; }
.sub { text-align: center; margin-bottom: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 16px; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #666; padding: 4px 8px; text-align: left; } th { background: #eee; }
td.n { text-align: right; }
"""


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v}</td>' if isinstance(v, int) else f"<td>{html.escape(str(v))}</td>"
            for v in r
        )
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def standings_sheet(c: Mapping[str, Any], standings: Mapping[str, Any], day: date) -> str:
    """The contest's final standings: teams (if any), then every member."""
    title = html.escape(str(c["title"]))
    parts = [f"<h1>知识竞赛：{title}</h1>",
             f'<div class="sub">{day:%Y年%m月%d日}　共 {len(c["questions"])} 题，每题 '
             f'{c["seconds"]:g} 秒　参赛 {len(standings["members"])} 人</div>']  # fmt: skip
    if standings.get("teams"):
        parts.append("<h2>团体排名</h2>")
        parts.append(_table(["名次", "队伍", "人数", "答对题次", "总分"],
                            [[t["rank"], t["name"], t["members"], t["correct"], t["points"]]
                             for t in standings["teams"]]))  # fmt: skip
    parts.append("<h2>个人排名</h2>")
    head = ["名次", "姓名", *(["队伍"] if standings.get("teams") else []), "答对", "作答", "得分"]
    rows = [[p["rank"], p["name"], *([p["team"] or ""] if standings.get("teams") else []),
             p["correct"], p["answered"], p["points"]] for p in standings["members"]]  # fmt: skip
    parts.append(_table(head, rows))
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>\n")  # fmt: skip
