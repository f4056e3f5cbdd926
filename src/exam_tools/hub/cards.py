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
.page { display: grid; grid-template-columns: 1fr 1fr; grid-auto-rows: 68mm; gap: 4mm;
        page-break-after: always; break-after: page; }
.page:last-child { page-break-after: auto; break-after: auto; }
.card { border: 1px dashed #888; padding: 4mm; display: flex; gap: 3mm; overflow: hidden; }
.card h2 { font-size: 15pt; margin: 0 0 2mm; color: #b00; }
.card dl { margin: 0; font-size: 11.5pt; line-height: 1.45; }
.card dt { float: left; clear: left; width: 4.5em; color: #555; }
.card dd { margin-left: 4.5em; font-weight: bold; word-break: break-all; }
.card .pw { font-family: monospace; font-size: 14pt; letter-spacing: 1px; }
.card .qr { flex: 0 0 30mm; text-align: center; font-size: 8pt; color: #555; }
.card .qr svg { width: 30mm; height: 30mm; }
.card .note { font-size: 8.5pt; color: #555; margin-top: 1.5mm; }
"""


def qr_svg(url: str) -> str:
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=3, border=2, omitsize=True))


def card_html(account: Account, url: str, qr: str, instruction: str) -> str:
    e = html.escape
    if account.password is not None:
        secret = f'<dd class="pw">{e(account.password)}</dd>'
    else:
        secret = f"<dd>{e(instruction)}</dd>"
    return (
        '<div class="card"><div class="text">'
        "<h2>党员学习平台 登录卡</h2><dl>"
        f"<dt>姓名</dt><dd>{e(account.name)}</dd>"
        f"<dt>支部</dt><dd>{e(account.branch)}</dd>"
        f"<dt>网址</dt><dd>{e(url)}</dd>"
        f'<dt>登录名</dt><dd class="pw">{e(account.login)}</dd>'
        f"<dt>初始密码</dt>{secret}"
        "</dl>"
        '<p class="note">请妥善保管，不要告诉他人。用手机扫右边的二维码打开网址。</p>'
        "</div>"
        f'<div class="qr">{qr}<br>扫码登录</div></div>'
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
