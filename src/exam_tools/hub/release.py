"""Releasing an assignment on a hub as the course's grader account (``assign --hub … --release``).

nbgrader run by root leaves root-owned files (gradebook.db, release/…) in the grader's course
directory, and the grader's formgrader then fails on them; nbgrader is not on root's PATH either.
So everything root wrote there is given to the grader, and ``nbgrader generate_assignment`` and
``release_assignment`` run as the grader (uid, gid, no supplementary groups), with the hub venv's
interpreter and the grader's Jupyter config (the exchange), as the formgrader service runs.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from exam_tools.grading.nbgrader_cli import NbgraderError, last_error
from exam_tools.hub.config import course_root, grader_name, role_dir
from exam_tools.hub.system import HubSetupError, require_root


def check_course(cfg: Mapping[str, Any], course_id: str) -> Path:
    """The course directory of ``course_id`` on this hub, after checking that everything a
    release needs is there (before anything is written)."""
    ids = [c["id"] for c in cfg["courses"]]
    if course_id not in ids:
        listed = "、".join(ids) or "（没有课程）"
        raise HubSetupError(f"config.yaml 的 courses 里没有课程 {course_id}；现有：{listed}")
    require_root()
    grader = grader_name(cfg, course_id)
    try:
        pwd.getpwnam(grader)
    except KeyError:
        raise HubSetupError(f"没有阅卷账号 {grader}；请先运行 exam-tools hub init") from None
    root = course_root(cfg, course_id)
    if not root.is_dir():
        raise HubSetupError(f"没有课程目录 {root}；请先运行 exam-tools hub init")
    python = Path(cfg["hub"]["prefix"]) / "bin" / "python"
    if not python.exists():
        raise HubSetupError(f"{python} 不存在；请检查 config.yaml 的 hub.prefix")
    return root


def give_to(owner: str, root: Path) -> None:
    """Every file and folder under ``root`` that root owns now belongs to ``owner``."""
    entry = pwd.getpwnam(owner)
    for folder, dirs, names in os.walk(root):
        for p in [Path(folder), *(Path(folder, n) for n in dirs + names)]:
            if p.lstat().st_uid == 0:
                os.lchown(p, entry.pw_uid, entry.pw_gid)


def run_as_grader(cfg: Mapping[str, Any], hub_dir: Path, course_id: str, *args: str) -> str:
    """``nbgrader ARGS`` in the course directory as the course's grader account."""
    grader = grader_name(cfg, course_id)
    entry = pwd.getpwnam(grader)
    prefix = Path(cfg["hub"]["prefix"])
    env = {
        "HOME": entry.pw_dir,
        "USER": grader,
        "LOGNAME": grader,
        "PATH": f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "JUPYTER_CONFIG_PATH": str(role_dir(hub_dir, "grader")),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    proc = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "nbgrader", *args],
        cwd=course_root(cfg, course_id), env=env, user=entry.pw_uid, group=entry.pw_gid,
        extra_groups=[], capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    if proc.returncode != 0 or "| ERROR]" in output:
        raise NbgraderError(f"nbgrader {args[0]}（以 {grader} 运行）失败：{last_error(output)}")
    return output


def release(cfg: Mapping[str, Any], hub_dir: Path, course_id: str, name: str) -> None:
    """generate_assignment and release_assignment of ``name``, as the grader."""
    give_to(grader_name(cfg, course_id), course_root(cfg, course_id))
    run_as_grader(cfg, hub_dir, course_id, "generate_assignment", name, "--force")
    run_as_grader(cfg, hub_dir, course_id, "release_assignment", name, "--force")
