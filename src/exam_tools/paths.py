"""Finding the bundled content folders (question_bank/, courses/) from wherever code runs.

Notebooks run with their own folder as the working directory (``notebooks/member/``), the CLI runs
wherever the user is, and an editable install keeps the content beside the source checkout. The
search order is: ``$EXAM_TOOLS_ROOT``, the working directory and its parents, the checkout, and the
copies ``deploy/install-hub.sh`` installs beside the package (``<venv>/share/exam-tools/``), so a
hub's ``exam-tools`` finds them when run from any folder.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Where deploy/install-hub.sh puts question_bank/, courses/ and notebooks/ in the hub's venv.
SHARE = Path("share") / "exam-tools"


def installed(name: str, prefix: str | Path | None = None) -> Path:
    """The copy of ``name`` installed in the environment ``prefix`` (default: this one)."""
    return Path(prefix or sys.prefix) / SHARE / name


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
    if checkout.exists():
        return checkout
    try:  # root's only on a hub (the bank holds the answers): a member's kernel cannot look
        found = installed(name).is_dir()
    except PermissionError:
        found = False
    return installed(name) if found else Path(name)
