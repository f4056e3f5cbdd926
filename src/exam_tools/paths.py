"""Finding the bundled content folders (question_bank/, courses/) from wherever code runs.

Notebooks run with their own folder as the working directory (``notebooks/member/``), the CLI runs
wherever the user is, and an editable install keeps the content beside the source checkout. The
search order is: ``$EXAM_TOOLS_ROOT``, the working directory and its parents, the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def find_bundled(name: str) -> Path:
    """The folder ``name`` (e.g. ``question_bank``) to use by default; may not exist."""
    env = os.environ.get("EXAM_TOOLS_ROOT")
    if env:
        return Path(env) / name
    cwd = Path.cwd()
    for folder in (cwd, *cwd.parents):
        candidate = folder / name
        if candidate.is_dir():
            return Path(name) if folder == cwd else Path(os.path.relpath(candidate))
    checkout = Path(__file__).resolve().parents[2] / name
    return checkout if checkout.exists() else Path(name)
