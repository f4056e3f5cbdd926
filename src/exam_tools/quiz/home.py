"""The member's own folder, apart from the practice code so that pages which only need the folder
(我的学习, 我的学习档案) do not import the bank and key code."""

from __future__ import annotations

import os
from pathlib import Path


def member_home(member: str | None = None) -> Path:
    """The member's own folder for practice records and the 错题本.

    ``$EXAM_TOOLS_HOME`` or ``~/.exam-tools``; one sub-folder per member when several share a login
    (a village computer room).
    """
    base = Path(os.environ.get("EXAM_TOOLS_HOME") or Path.home() / ".exam-tools")
    return base / member if member else base
