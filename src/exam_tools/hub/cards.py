"""Printable 登录卡 (login cards): HTML for A4, eight cards a page, each with a QR code.

The QR code is drawn by ``segno``: pure Python, no image library, maintained, standard-conforming
(ISO/IEC 18004), and it writes SVG that prints sharply at any size and goes inline in the page.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from exam_tools.hub.accounts import Account

PER_PAGE = 8

STYLE = """
@page { size: A4; margin: 10mm; }
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "SimHei", sans-serif; margin: 0; }
.page { display: grid; grid-template-columns: 1fr 1fr; grid-auto-rows: 65mm; gap: 4mm;
        page-break-after: always; break-after: page; }
.page:last-child { page-break-after: auto; break-after: auto; }
.card { border: 1px dashed #888; padding: 4mm; display: flex; flex-direction: column;
        overflow: hidden; }
.card .top { display: flex; gap: 3mm; }
.card h2 { font-size: 14pt; margin: 0 0 1.5mm; color: #b00; }
.card dl { margin: 0; font-size: 11.5pt; line-height: 1.4; }
.card dt { float: left; clear: left; width: 4.5em; color: #555; }
.card dd { margin-left: 4.5em; font-weight: bold; word-break: break-all; }
.card .pw { font-family: monospace; font-size: 14pt; letter-spacing: 1px; }
.card .qr { flex: 0 0 30mm; text-align: center; font-size: 8pt; color: #555; }
.card .qr svg { width: 30mm; height: 30mm; }
.card .hint { font-size: 9pt; font-weight: normal; line-height: 1.3; margin-left: 5.75em; }
.card .note { font-size: 8pt; color: #555; margin: 1mm 0 0; }
.card .url { margin-top: auto; white-space: nowrap; overflow: hidden; font-weight: bold;
             line-height: 1.25;
             font-family: "DejaVu Sans Mono", "Liberation Mono", "Courier New", monospace; }
"""

#: The address line spans the card's inner width (A4 210 mm less margins, gap and padding, halved).
URL_WIDTH_MM = (210 - 2 * 10 - 4) / 2 - 2 * 4 - 2
URL_MAX_PT = 16.0
PT_PER_MM = 72 / 25.4


def url_font_pt(url: str) -> float:
    """The largest size (at most :data:`URL_MAX_PT`) at which ``url`` fits on one line of the card
    in a monospaced font (each character 0.6 em wide), so the address is never broken."""
    return round(min(URL_MAX_PT, URL_WIDTH_MM * PT_PER_MM / (0.6 * max(len(url), 1))), 1)


def qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=True))


def card_html(account: Account, url: str, qr: str, instruction: str) -> str:
    e = html.escape
    size = url_font_pt(url)
    if account.password is not None:
        secret = f'<dd class="pw">{e(account.password)}</dd>'
    else:
        secret = f'<dd class="hint">{e(instruction)}</dd>'
    return (
        '<div class="card"><div class="top"><div class="text">'
        "<h2>党员学习平台 登录卡</h2><dl>"
        f"<dt>姓名</dt><dd>{e(account.name)}</dd>"
        f"<dt>支部</dt><dd>{e(account.branch)}</dd>"
        f'<dt>登录名</dt><dd class="pw">{e(account.login)}</dd>'
        f"<dt>初始密码</dt>{secret}"
        "</dl>"
        '<p class="note">请妥善保管，不要告诉他人。扫右边的二维码或输入下面的网址，打开登录页。</p>'
        "</div>"
        f'<div class="qr">{qr}<br>扫码打开登录页</div></div>'
        f'<div class="url" style="font-size: {size}pt">{e(url)}</div></div>'
    )


def cards_html(
    accounts: Iterable[Account],
    url: str,
    instruction: str = "已设置过，请用原密码；忘记请找组织委员重设",
) -> str:
    """A printable page of login cards, :data:`PER_PAGE` to an A4 sheet."""
    qr = qr_svg(url)
    cards = [card_html(a, url, qr, instruction) for a in accounts]
    pages = [cards[i : i + PER_PAGE] for i in range(0, len(cards), PER_PAGE)]
    body = "".join(f'<div class="page">{"".join(p)}</div>' for p in pages)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>登录卡</title><style>{STYLE}</style></head><body>{body}</body></html>\n"
    )
