"""The notebook instructors open in formgrader for a service exam, made from the service's data.

For an exam the service holds, nothing of the member's own notebook reaches an instructor: the
notebook in ``submitted/<member>/<exam>/`` is the course's released one (the instructor's own
file, with nbgrader's graded cell) followed by one cell listing, per attempt, each question and the
answer the service accepted. Every value is HTML-escaped, the cell is one HTML block (no markdown
parsed inside it), and the whole notebook then goes through
:func:`exam_tools.grading.inert.inert_notebook` like any collected submission (issue 16 item 3).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from exam_tools.course.paper import Paper
from exam_tools.grading.inert import inert_notebook
from exam_tools.reports.feedback import answer_text


def answers_html(paper: Paper, attempts: Sequence[tuple[int, Mapping[int, Any]]]) -> str:
    """One table per attempt: 题号, 题目, 作答 (escaped, on one line)."""
    e = html.escape
    parts = [f"<h2>{e(paper.title)} · 考试服务记录的作答（{e(paper.member or '')}）</h2>"]
    for number, answers in attempts:
        rows = "".join(
            f"<tr><td>{item.n}</td><td>{e(item.type.label)}</td><td>{e(item.stem)}</td>"
            f"<td>{e(answer_text(item, answers.get(item.n)))}</td></tr>"
            for item in paper.items
        )
        parts.append(
            f"<h3>第 {number} 次作答</h3><table><thead><tr><th>题号</th><th>题型</th>"
            f"<th>题目</th><th>作答</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return "".join(parts).replace("\r", " ").replace("\n", "<br>")


def service_notebook(
    released: Any, paper: Paper, attempts: Sequence[tuple[int, Mapping[int, Any]]]
) -> dict[str, Any]:
    """``released`` (the course's released notebook, parsed; None if there is none) with the
    service's record of the member's answers as its last cell, made inert."""
    nb = dict(released) if isinstance(released, dict) else {"cells": [], "metadata": {}}
    cells = list(nb.get("cells") or [])
    cells.append({"cell_type": "markdown", "metadata": {}, "source": answers_html(paper, attempts)})
    nb["cells"] = cells
    return inert_notebook(nb)
