"""我的学习 on the hub loads nbgrader only when something is released through its exchange (issue
18): importing nbgrader's exchange costs a member's kernel about 75 MiB and 2.7 CPU-seconds, and on
the hub the exams are the exam service's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LIST = """
import json, sys
from exam_tools.quiz.exchange import MemberExchange
ex = MemberExchange(sys.argv[1], "m007")
try:
    count = len(ex.exams())
except Exception:  # nbgrader's own error (the Python config's root does not exist)
    count = -1
print(json.dumps([count, "nbgrader" in sys.modules]))
"""


def listing(member: Path, config: Path) -> tuple[int, bool]:
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(config), "HOME": str(member)}
    result = subprocess.run([sys.executable, "-c", LIST, str(member)], env=env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    count, loaded = json.loads(result.stdout.splitlines()[-1])
    return int(count), bool(loaded)


def hub_like(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The member's folder, the member's Jupyter config folder (the JSON config hub init writes)
    and an exchange root with a course folder whose outbound is empty."""
    member, config, root = tmp_path / "home", tmp_path / "jupyter", tmp_path / "exchange"
    for d in (member, config, root / "c1" / "outbound", root / "c1" / "inbound"):
        d.mkdir(parents=True)
    settings = {"Exchange": {"root": str(root), "path_includes_course": True}}
    (config / "nbgrader_config.json").write_text(json.dumps(settings), "utf-8")
    return member, config, root


def test_an_empty_exchange_is_listed_without_importing_nbgrader(tmp_path: Path) -> None:
    member, config, _root = hub_like(tmp_path)
    assert listing(member, config) == (0, False)


def test_a_released_assignment_is_listed_by_nbgrader(tmp_path: Path) -> None:
    member, config, root = hub_like(tmp_path)
    (root / "c1" / "outbound" / "exam1").mkdir()
    (root / "c1" / "outbound" / "exam1" / "exam.json").write_text("{}", "utf-8")
    assert listing(member, config)[1]  # nbgrader decides (its authenticator, its layout), as before


def test_a_python_config_in_the_member_folder_leaves_the_listing_to_nbgrader(
    tmp_path: Path,
) -> None:
    member, config, _root = hub_like(tmp_path)
    (member / "nbgrader_config.py").write_text(
        f'c = get_config()  # noqa: F821\nc.Exchange.root = "{tmp_path / "elsewhere"}"\n', "utf-8"
    )
    assert listing(member, config)[1]  # the Python config may point anywhere: nbgrader reads it
