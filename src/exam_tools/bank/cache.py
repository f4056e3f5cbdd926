"""A cache of validated bank files, keyed by content: re-checking after an edit re-reads one file.

Each entry is the parse result of one file (questions and problems), stored under a hash of the
file's bytes, its displayed path and the package version; a changed file, a moved file or a new
exam-tools version simply misses. The cache lives in ``$EXAM_TOOLS_CACHE`` or
``$XDG_CACHE_HOME/exam-tools`` (``~/.cache/exam-tools``); ``EXAM_TOOLS_CACHE=off`` disables it.
A cache that cannot be read or written is ignored: it only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path

from exam_tools import __version__
from exam_tools.bank.model import Question
from exam_tools.errors import Problem
from exam_tools.fileio import write_atomic

Entry = tuple[list[Question], list[Problem]]
_FORMAT = "bank-v3"  # v3: questions gained reviewed and note


def cache_dir() -> Path | None:
    configured = os.environ.get("EXAM_TOOLS_CACHE")
    if configured and configured.lower() in ("off", "0", "no", "false"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "exam-tools"


def _key(data: bytes, shown_path: str) -> str:
    h = hashlib.sha256(data)
    h.update(f"\0{shown_path}\0{__version__}\0{_FORMAT}".encode())
    return h.hexdigest()


def get(data: bytes, shown_path: str) -> Entry | None:
    root = cache_dir()
    if root is None:
        return None
    path = root / "bank" / f"{_key(data, shown_path)}.pickle"
    try:
        with path.open("rb") as fh:
            entry: Entry = pickle.load(fh)  # our own files, named by a hash of their content
        return entry
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def put(data: bytes, shown_path: str, entry: Entry) -> None:
    root = cache_dir()
    if root is None:
        return
    # A read-only home or a full disk must never stop a check.
    with contextlib.suppress(OSError):
        write_atomic(
            root / "bank" / f"{_key(data, shown_path)}.pickle",
            pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL),
        )
