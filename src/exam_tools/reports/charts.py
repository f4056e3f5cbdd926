"""Charts with Chinese text (matplotlib, Agg): a CJK font is chosen, or the caller is told.

Debian's ``fonts-noto-cjk`` (installed by ``.ci/run``) gives "Noto Sans CJK SC"; Windows and macOS
machines have Microsoft YaHei, SimHei or PingFang. Without any of them Chinese would print as boxes,
so :func:`cjk_font` raises a clear error instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exam_tools.errors import ExamToolsError
from exam_tools.grading.itemstats import ItemStats, PaperStats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Noto Serif CJK SC",
)


def cjk_font() -> str:
    """The name of an installed font that has Chinese characters; set it as matplotlib's default."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            rcParams["font.sans-serif"] = [name, *rcParams["font.sans-serif"]]
            rcParams["font.family"] = "sans-serif"
            rcParams["axes.unicode_minus"] = False
            return name
    raise ExamToolsError(
        "找不到中文字体，图中的汉字会显示成方框。请安装中文字体（Debian/Ubuntu："
        "sudo apt-get install fonts-noto-cjk），然后重试"
    )


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
