"""Running ``nbgrader`` commands the way exam-tools is installed, not the way the shell is set up.

nbgrader starts other programs by name (``alembic`` when it creates a gradebook), so a tool called by
its full path from a virtual environment that is not activated, or installed with pipx, would find
them missing from ``PATH``. Every nbgrader child therefore gets this interpreter's own ``bin`` folder
first on its ``PATH``, and a failing step reports nbgrader's own last error line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from exam_tools.errors import ExamToolsError


class NbgraderError(ExamToolsError, RuntimeError):
    """An nbgrader command failed; the message carries nbgrader's own last error line."""


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with this interpreter's ``bin`` folder first on PATH."""
    out = dict(os.environ if env is None else env)
    own = str(Path(sys.executable).parent)  # not resolved: a venv's python is a symlink
    rest = [p for p in out.get("PATH", "").split(os.pathsep) if p and p != own]
    out["PATH"] = os.pathsep.join([own, *rest])
    return out


def last_error(output: str) -> str:
    """nbgrader's last ``ERROR`` log line (its message only), else the last non-empty line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "| ERROR]" in line or "Error" in line.split(":")[0]]
    line = (errors or lines or ["（没有输出）"])[-1]
    return line.split("| ERROR]", 1)[-1].strip()


def run_nbgrader(*args: str, cwd: Path) -> str:
    """Run ``nbgrader ARGS`` in ``cwd`` with this interpreter; its output, or :class:`NbgraderError`.

    nbgrader logs some failures (no notebooks matched) and still exits 0, so an ``ERROR`` line
    counts as failure too."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=cwd, env=child_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    if proc.returncode != 0 or "| ERROR]" in output:
        if os.environ.get("EXAM_TOOLS_DEBUG"):
            raise NbgraderError(f"nbgrader {args[0]} 在 {cwd} 中失败，完整输出：\n{output}")
        raise NbgraderError(
            f"nbgrader {args[0]} 在 {cwd} 中失败：{last_error(output)}"
            "（nbgrader 的原话；设置 EXAM_TOOLS_DEBUG=1 可看到完整输出）"
        )
    return output
