"""A member's feedback page (成绩反馈): each question, their answer, the right answer and the 解析.

Pure: paper, graded result and key in, one self-contained HTML page out (large type, Chinese, no
scripts), written where ``nbgrader release_feedback`` picks it up.
"""

from __future__ import annotations

import html
from typing import Any

from exam_tools.bank.model import LETTERS, QType
from exam_tools.course.key import AnswerKey
from exam_tools.course.paper import Paper, PaperItem
from exam_tools.grading.grade import SubmissionResult

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 20px;
       line-height: 1.7; max-width: 900px; margin: 24px auto; padding: 0 16px; color: #222; }
h1 { font-size: 28px; } .sum { font-size: 22px; padding: 12px 16px; background: #f4f4f4; }
.q { border-top: 1px solid #ccc; padding: 12px 0; } .head { color: #a00; font-weight: bold; }
.right { color: #064; font-weight: bold; } .wrong { color: #c00; font-weight: bold; }
.note { color: #555; }
"""


def answer_text(item: PaperItem, value: Any) -> str:
    if value is None:
        return "（未作答）"
    if item.type is QType.JUDGE:
        return "正确" if value is True else "错误" if value is False else str(value)
    if item.type in (QType.SINGLE, QType.MULTIPLE):
        letters = list(value) if isinstance(value, list) else [value]
        parts = []
        for x in letters:
            i = LETTERS.find(str(x))
            parts.append(f"{x}. {item.options[i]}" if 0 <= i < len(item.options) else str(x))
        return "；".join(parts)
    if item.type is QType.FILL and isinstance(value, list):
        return "；".join(f"第{i}空：{v or '（空）'}" for i, v in enumerate(value, 1))
    return str(value)


def feedback_html(
    paper: Paper, result: SubmissionResult, key: AnswerKey, name: str | None = None
) -> str:
    """The member's feedback page; ``name`` (from the roster) is shown before the login name."""
    verdict = "合格" if result.passed else "未合格"
    who = f"{name}（{result.member}）" if name else result.member
    head = (
        f"<h1>{html.escape(paper.title)} · 成绩反馈</h1>"
        f'<p class="sum">党员 {html.escape(who)}：得分 {result.score:g} / '
        f"{result.max_score:g}（{result.percent:.0f} 分，百分制），{verdict}"
        + (
            f"；其中 {result.manual_pending} 道简答题由老师评阅后计分"
            if result.manual_pending
            else ""
        )
        + "</p>"
    )
    body = []
    for item, r in zip(paper.items, result.items, strict=True):
        k = key[item.n]
        if r.manual:
            mark = '<span class="note">简答题，待老师评阅</span>'
        elif r.correct:
            mark = '<span class="right">✔ 正确</span>'
        else:
            mark = f'<span class="wrong">✘ 得 {r.score:g} 分</span>'
        options = "".join(
            f"<div>{LETTERS[i]}. {html.escape(o)}</div>" for i, o in enumerate(item.options)
        )
        source = f"<div class='note'>出处：{html.escape(k.source)}</div>" if k.source else ""
        explanation = f"<div>解析：{html.escape(k.explanation)}</div>" if k.explanation else ""
        body.append(
            f'<div class="q"><div class="head">第 {item.n} 题（{item.type.label}，{item.points:g} 分）'
            f" {mark}</div><div>{html.escape(item.stem)}</div>{options}"
            f"<div>你的答案：{html.escape(answer_text(item, r.response))}</div>"
            f"<div>正确答案：{html.escape(k.answer_text(item.options))}</div>{explanation}{source}</div>"
        )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(paper.title)} 成绩反馈</title><style>{STYLE}</style></head>"
        f"<body>{head}{''.join(body)}</body></html>\n"
    )
