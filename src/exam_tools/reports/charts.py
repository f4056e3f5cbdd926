"""Charts with Chinese text (matplotlib, Agg), drawn the same on every machine.

A system font is preferred when there is one: Debian's ``fonts-noto-cjk`` ("Noto Sans CJK SC"),
Source Han, Microsoft YaHei, SimHei or PingFang on Windows and macOS. Fonts installed after
matplotlib first ran are found too (matplotlib caches its font list and never looks again, so the
system's font folders are searched once more before giving up). Without any of them the bundled
Noto Sans CJK from the ``noto-cjk-sans-otc`` package (a dependency, SIL Open Font License) is used,
so Chinese never prints as boxes and a chart never fails for want of a font.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from exam_tools.errors import ExamToolsError
from exam_tools.grading.itemstats import ItemStats, PaperStats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
)
# File names of the fonts above (and their collections), to find ones installed after matplotlib
# built its cache without opening every font on the machine.
CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehan", "msyh", "simhei", "pingfang", "wqy")
BUNDLED_FACE = "Noto Sans CJK SC"


class ChartError(ExamToolsError, RuntimeError):
    """A chart could not be drawn (the command's other outputs are unaffected)."""


def bundled_font_file() -> Path:
    """The Noto Sans CJK collection shipped by the ``noto-cjk-sans-otc`` package."""
    from importlib.resources import files

    try:
        return Path(str(files("noto_cjk_sans_otc").joinpath("NotoSansCJK-Regular.ttc")))
    except ModuleNotFoundError:
        raise ChartError(
            "缺少中文字体包 noto-cjk-sans-otc（exam-tools 的依赖），请重新安装：pip install exam-tools"
        ) from None


def _installed() -> str | None:
    """The first of :data:`CJK_FONTS` in matplotlib's font list whose file is still there."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist if Path(f.fname).is_file()}
    return next((n for n in CJK_FONTS if n in names), None)


def _late_system_font() -> str | None:
    """A CJK font installed after matplotlib cached its font list, added to matplotlib's list."""
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in font_manager.findSystemFonts():
        name = Path(path).name.lower().replace("-", "").replace("_", "")
        if path not in known and any(k in name for k in CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue  # an unreadable font file is skipped; another one or the bundled font serves
    return _installed()


def _bundled_font() -> str:
    from matplotlib import font_manager

    path = bundled_font_file()
    if not path.is_file():
        raise ChartError(
            f"找不到中文字体文件 {path}；请重新安装字体包：pip install --force-reinstall noto-cjk-sans-otc"
        )
    before = len(font_manager.fontManager.ttflist)
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError) as exc:
        raise ChartError(f"无法读取中文字体 {path}：{exc}") from None
    added = [f.name for f in font_manager.fontManager.ttflist[before:]]
    # matplotlib before 3.11 reads only a collection's first face (Japanese glyph forms, still
    # every Chinese character); from 3.11 on every face, including the Simplified Chinese one.
    return BUNDLED_FACE if BUNDLED_FACE in added else added[0]


_chosen: list[str] = []  # the font found by the first chart of this process


def cjk_font() -> str:
    """The name of a font that has Chinese characters, set as matplotlib's default: a system font
    when there is one, else the bundled Noto Sans CJK. Looked for once per process."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rcParams

    if not _chosen:
        _chosen.append(_installed() or _late_system_font() or _bundled_font())
    name = _chosen[0]
    rcParams["font.sans-serif"] = [name, *(n for n in rcParams["font.sans-serif"] if n != name)]
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    return name


def chart_png(draw: Callable[[], Figure]) -> bytes:
    """PNG bytes of the figure ``draw`` makes; any failure is one :class:`ChartError`."""
    try:
        return png_bytes(draw())
    except ChartError:
        raise
    except (OSError, RuntimeError, ValueError, MemoryError) as exc:
        raise ChartError(f"图无法生成：{exc}") from exc


def item_chart(name: str, items: list[ItemStats], paper: PaperStats) -> Figure:
    """Facility against discrimination, one point per question, with the flag zones shaded."""
    cjk_font()
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 6), dpi=110)
    ax = fig.subplots()
    ax.axvspan(0, 0.2, color="#fde0e0")
    ax.axvspan(0.95, 1.0, color="#fde0e0")
    ax.axhspan(-1, 0.2, color="#fff3d6")
    xs = [s.facility for s in items]
    ys = [s.discrimination if s.discrimination is not None else 0.0 for s in items]
    ax.scatter(xs, ys, s=60, color="#b22222", zorder=3)
    for s, x, y in zip(items, xs, ys, strict=True):
        if s.flags:
            ax.annotate(s.qid, (x, y), textcoords="offset points", xytext=(5, 5), fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(-1, 1)
    ax.set_xlabel("难度（答对率 P，越大越容易）")
    ax.set_ylabel("区分度（高分组 − 低分组 D）")
    ax.set_title(f"{name} 试题分析：{paper.members} 人，平均 {paper.mean:.1f} 分")
    ax.text(0.01, -0.95, "红色：过难或过易；黄色：区分度低于 0.2", fontsize=10, color="#555")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (for a notebook's ``Image``, an Excel sheet or a file)."""
    import io

    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
