"""nbgrader's collect, with every collected submission made inert (issue 16 item 3).

Set by ``exam-tools hub init`` in the course grader's nbgrader configuration
(``c.ExchangeFactory.collect``), so both formgrader's 收取 button and ``nbgrader collect`` in the
course folder copy each submission as nbgrader does and then rewrite its notebooks with
:func:`exam_tools.grading.inert.sanitize_folder` before anything shows them. Imported by nbgrader
only (it imports nbgrader).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgrader.exchange.default.collect import ExchangeCollect

from exam_tools.grading.inert import sanitize_folder

#: the value of ``c.ExchangeFactory.collect``
DOTTED = "exam_tools.grading.nbcollect.SanitizingCollect"


class SanitizingCollect(ExchangeCollect):  # type: ignore[misc]  # nbgrader ships no types
    """``ExchangeCollect`` whose copies are sanitised as soon as they are made."""

    def do_copy(self, src: str, dest: str, log: Any = None) -> None:
        super().do_copy(src, dest)
        count = sanitize_folder(Path(dest))
        self.log.info("exam-tools: %d notebook(s) in %s made inert", count, dest)
