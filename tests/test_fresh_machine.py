"""The README's first command on a fresh machine, as a user installs it.

- Charts draw Chinese on any machine: without a system CJK font (the bundled Noto Sans CJK serves),
  with one installed after matplotlib cached its font list; a chart that cannot be drawn never
  costs a command its other outputs or leaves half of them written. The machine's fonts are hidden
  in a private mount namespace (``unshare -m``, root only; CI runs as root): an empty folder is
  bind-mounted over the font and fontconfig cache folders, and each run gets a fresh MPLCONFIGDIR so
  matplotlib's own font cache is rebuilt from what is visible.
- The console script works called by its full path from an environment that is not activated:
  ``PATH`` lacks the interpreter's ``bin`` folder (where nbgrader's ``alembic`` lives).
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exam_tools.grading.nbgrader_cli import NbgraderError, run_nbgrader

FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/var/cache/fontconfig")
CJK_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # Debian fonts-noto-cjk
BARE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # a login shell's PATH, no virtual environment in it
CONSOLE_SCRIPT = Path(sys.executable).parent / "exam-tools"
CAN_HIDE_FONTS = os.geteuid() == 0 and shutil.which("unshare") is not None

needs_root = pytest.mark.skipif(
    not CAN_HIDE_FONTS,
    reason="hiding the system's fonts needs a private mount namespace (unshare -m), i.e. root; "
    "CI runs as root, so this runs there",
)


def without_system_fonts(
    script: str, tmp: Path, *, hide: tuple[str, ...] = (), path: str | None = None
) -> str:
    """Run the shell ``script`` with the system's fonts (and ``hide``) hidden when root can hide
    them; its output and exit code."""
    empty = tmp / "empty"
    empty.mkdir(exist_ok=True)
    mounts = "; ".join(
        f"mount --bind {shlex.quote(str(empty))} {shlex.quote(d)}"
        for d in (*FONT_DIRS, *hide)
        if Path(d).is_dir()
    )
    env = {
        **os.environ,
        "MPLCONFIGDIR": str(tmp / "mpl"),
        "HOME": str(tmp / "home"),
        "XDG_CACHE_HOME": str(tmp / "home" / ".cache"),
    }
    if path is not None:
        env["PATH"] = path
    (tmp / "home").mkdir(exist_ok=True)
    command = ["unshare", "-m", "sh", "-c", f"{mounts}; {script}"] if CAN_HIDE_FONTS else [
        "sh", "-c", script]  # fmt: skip
    out = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp, env=env, check=False, timeout=300
    )
    return out.stdout + out.stderr + f"\n[exit {out.returncode}]"


def bundled_dir() -> str:
    spec = importlib.util.find_spec("noto_cjk_sans_otc")
    assert spec is not None and spec.submodule_search_locations
    return str(spec.submodule_search_locations[0])


FONT_USED = (
    "from matplotlib import font_manager; from exam_tools.reports.charts import cjk_font; "
    "name = cjk_font(); print('font:', name, font_manager.findfont(name, fallback_to_default=False))"
)


@pytest.fixture(scope="module")
def fresh_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``exam-tools demo`` by the console script's full path, PATH without its folder, and (as
    root) no system font: its folder and output."""
    if not CONSOLE_SCRIPT.exists():
        pytest.skip(f"the console script {CONSOLE_SCRIPT} is not installed (pip install -e .)")
    tmp = tmp_path_factory.mktemp("fresh")
    py = shlex.quote(sys.executable)
    out = without_system_fonts(
        "echo cjk fonts visible: $(fc-list 2>/dev/null | grep -ci cjk); "
        f"{shlex.quote(str(CONSOLE_SCRIPT))} demo --dir out; {py} -c {shlex.quote(FONT_USED)}",
        tmp,
        path=BARE_PATH,
    )
    return tmp, out


def test_demo_runs_by_full_path_from_an_environment_not_activated(
    fresh_demo: tuple[Path, str],
) -> None:
    assert shutil.which("alembic", path=BARE_PATH) is None  # nbgrader needs it; it is not there
    tmp, out = fresh_demo
    assert "程序内部错误" not in out and "CalledProcessError" not in out, out
    assert "== 接下来可以试试 ==" in out and "[exit 0]" in out, out
    assert (tmp / "out" / "nbgrader" / "gradebook.db").is_file()


def test_a_failing_nbgrader_step_says_what_nbgrader_said(tmp_path: Path) -> None:
    with pytest.raises(NbgraderError) as caught:
        run_nbgrader("generate_assignment", "no-such-exam", cwd=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"nbgrader generate_assignment 在 {tmp_path} 中失败：")
    assert "No notebooks were matched by" in message and "no-such-exam" in message


@needs_root
def test_demo_draws_chinese_with_no_system_font(fresh_demo: tuple[Path, str]) -> None:
    tmp, out = fresh_demo
    assert "cjk fonts visible: 0" in out, out  # the hiding really hides Debian's fonts-noto-cjk
    assert "找不到中文字体" not in out and "程序内部错误" not in out, out
    assert "missing from font" not in out, out  # matplotlib's "Glyph … missing" warning
    assert "== 接下来可以试试 ==" in out and "[exit 0]" in out, out
    assert (tmp / "out" / "统计.png").read_bytes().startswith(b"\x89PNG")
    assert f"font: Noto Sans CJK SC {bundled_dir()}" in out, out


@needs_root
def test_a_font_installed_after_matplotlib_first_ran_is_used(tmp_path: Path) -> None:
    if not CJK_FILE.is_file():
        pytest.skip(f"{CJK_FILE} (Debian fonts-noto-cjk, installed by .ci/run) is missing")
    user_fonts = tmp_path / "home" / ".local" / "share" / "fonts"
    script = (
        "from matplotlib import font_manager; import shutil, sys; "
        "print('cached CJK:', [f.name for f in font_manager.fontManager.ttflist if 'CJK' in f.name]); "
        f"shutil.copy(sys.argv[1], {str(user_fonts)!r}); " + FONT_USED
    )
    # the real font file is reachable through a second bind mount made before the hiding
    real = tmp_path / "real"
    real.mkdir()
    empty = tmp_path / "empty"
    empty.mkdir()
    user_fonts.mkdir(parents=True)
    mount_real = f"mount --bind {CJK_FILE.parent} {real}"
    out = subprocess.run(
        ["unshare", "-m", "sh", "-c",
         f"{mount_real} && for d in {' '.join(FONT_DIRS)}; do [ -d $d ] && mount --bind "
         f"{empty} $d; done; "
         f"{shlex.quote(sys.executable)} -c {shlex.quote(script)} {real / CJK_FILE.name}"],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "HOME": str(tmp_path / "home")},
    )  # fmt: skip
    text = out.stdout + out.stderr
    assert "cached CJK: []" in text, text
    assert f"font: Noto Sans CJK SC {user_fonts / CJK_FILE.name}" in text, text


@needs_root
def test_stats_org_writes_both_files_or_neither(
    fresh_demo: tuple[Path, str], tmp_path: Path
) -> None:
    py = shlex.quote(sys.executable)
    db = fresh_demo[0] / "out" / "exam_tools.db"
    # no system font and the bundled one hidden too (a broken install): no chart can be drawn
    command = f"{py} -m exam_tools stats org --db {db} --output x.xlsx --chart y.png"
    out = without_system_fonts(command, tmp_path, hide=(bundled_dir(),))
    assert "[exit 1]" in out, out
    assert "合计" in out  # the table itself is still shown
    assert "找不到中文字体文件" in out and "没有写出 x.xlsx、y.png" in out, out
    assert "程序内部错误" not in out, out
    assert not (tmp_path / "x.xlsx").exists() and not (tmp_path / "y.png").exists()
    ok = without_system_fonts(command, tmp_path)
    assert "已写出 x.xlsx" in ok and "已写出 y.png" in ok, ok
    assert (tmp_path / "x.xlsx").exists() and (tmp_path / "y.png").exists()
