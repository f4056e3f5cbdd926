"""The 知识竞赛's projector page: one HTML page, large type for a room (1920x1080, 1366x768).

Everything it shows comes from the service's JSON (``contest/<c>/state``, long polling) and is
put into the page with ``textContent``, never as HTML, so a member's name or a team name stays
text. Every request carries the page's XSRF token (JupyterHub checks it on a cookie's fetch, GET
too). The host moves on with the big button, the space bar or →; the request carries the version
the host saw, so a double press moves one step. Chinese only.
"""

from __future__ import annotations

import html

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%;background:#7a0c0c;color:#fff;overflow:hidden;
  font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif}
body{display:flex;flex-direction:column;padding:1.6vh 2vw;gap:1.4vh}
#top{display:flex;align-items:center;gap:2vw;font-size:3.6vh;flex:none}
#title{flex:1;font-weight:700;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
#clock{font-size:7vh;font-weight:700;min-width:14vh;text-align:center;background:#fff;
  color:#7a0c0c;border-radius:1.2vh;padding:0 1.2vh}
#clock.over{background:#ffd54f}
#main{flex:1;display:flex;gap:2vw;min-height:0}
#left{flex:3;display:flex;flex-direction:column;gap:1.4vh;min-width:0}
#right{flex:2;display:none;flex-direction:column;gap:1vh;min-width:0;background:#fff;
  color:#222;border-radius:1.4vh;padding:1.4vh 1.4vw;overflow:hidden}
#stem{font-size:4.6vh;line-height:1.35;font-weight:700}
#options{display:grid;grid-template-columns:1fr 1fr;gap:1.4vh}
.opt{background:#fff;color:#222;border-radius:1.2vh;padding:1.2vh 1.2vw;font-size:3.8vh;
  line-height:1.3;border:0.5vh solid #fff}
.opt.right{background:#2e7d32;color:#fff;border-color:#a5d6a7}
.opt.dim{opacity:.55}
.opt .n{float:right;font-size:3vh;opacity:.85}
#reveal{font-size:3.2vh;line-height:1.4;background:rgba(255,255,255,.12);border-radius:1.2vh;
  padding:1vh 1.2vw;display:none}
#reveal b{color:#ffd54f}
#note{font-size:3vh;color:#ffe0b2}
h2{margin:0 0 .6vh 0;font-size:3.4vh;color:#7a0c0c}
table{width:100%;border-collapse:collapse;font-size:2.9vh}
td{padding:.4vh .4vw;border-bottom:1px solid #ddd;white-space:nowrap;overflow:hidden;
  text-overflow:ellipsis;max-width:22vw}
td.r{text-align:right}
#bottom{display:flex;align-items:center;gap:2vw;flex:none}
#next{font-size:4.4vh;font-weight:700;min-height:9vh;min-width:36vw;border:0;border-radius:1.4vh;
  background:#ffd54f;color:#5d0000;cursor:pointer;padding:0 2vw}
#next:disabled{opacity:.5}
#hint{font-size:2.6vh;color:#ffcdd2;flex:1}
#msg{font-size:2.8vh;color:#ffd54f}
"""

SCRIPT = """
const token = document.body.dataset.xsrf;
const base = location.pathname.replace(/\\/$/, '');
let v = -1, a = -1, state = null, busy = false, deadline = 0;
const $ = (id) => document.getElementById(id);
function el(tag, text, cls) {
  const e = document.createElement(tag); if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls; return e;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const LABEL = {waiting: '开始第 1 题', open: '公布答案', closed: '下一题', finished: '竞赛已结束'};
function table(title, rows, team) {
  const box = el('div'); box.appendChild(el('h2', title));
  const t = el('table');
  for (const r of rows) {
    const tr = el('tr');
    tr.appendChild(el('td', '第' + r.rank + '名'));
    tr.appendChild(el('td', r.name));
    if (!team && r.team) tr.appendChild(el('td', r.team));
    tr.appendChild(el('td', r.points + ' 分', 'r'));
    t.appendChild(tr);
  }
  box.appendChild(t); return box;
}
function render(s) {
  state = s; v = s.version; a = s.answered;
  $('title').textContent = '知识竞赛：' + s.title;
  $('count').textContent = s.k ? ('第 ' + s.k + ' / ' + s.total + ' 题') : ('共 ' + s.total + ' 题');
  $('answered').textContent = (s.phase === 'waiting' || s.phase === 'finished') ? '' :
    ('已答 ' + s.answered + (s.players ? ' / ' + s.players : '') + ' 人');
  deadline = s.phase === 'open' ? performance.now() + s.remaining * 1000 : 0;
  $('clock').style.visibility = s.phase === 'open' ? 'visible' : 'hidden';
  const opts = $('options'); opts.replaceChildren();
  $('stem').textContent = '';
  $('note').textContent = '';
  if (s.question) {
    $('stem').textContent = s.k + '．' + s.question.stem;
    const list = s.question.type === 'judge' ? [['对', '对'], ['错', '错']] :
      s.question.options.map((o, i) => ['ABCDEFGH'[i], 'ABCDEFGH'[i] + '．' + o]);
    for (const [key, text] of list) {
      const o = el('div', text, 'opt');
      if (s.reveal) {
        const right = s.reveal.answer.split('．')[0] === key;
        o.classList.add(right ? 'right' : 'dim');
        o.appendChild(el('span', ((s.chosen || {})[key] || 0) + ' 人', 'n'));
      }
      opts.appendChild(o);
    }
  } else if (s.phase === 'waiting') {
    $('stem').textContent = '竞赛即将开始';
    $('note').textContent = '共 ' + s.total + ' 题，每题 ' + s.seconds +
      ' 秒。请大家在手机上打开“我的学习”，点“知识竞赛”。';
  } else if (s.phase === 'finished') {
    $('stem').textContent = '竞赛结束，感谢大家参与！';
  }
  const rv = $('reveal');
  rv.replaceChildren();
  rv.style.display = s.reveal ? 'block' : 'none';
  if (s.reveal) {
    const p = el('div'); p.appendChild(el('b', '正确答案：' + s.reveal.answer)); rv.appendChild(p);
    if (s.reveal.explanation) rv.appendChild(el('div', '解析：' + s.reveal.explanation));
    if (s.reveal.source) rv.appendChild(el('div', '出处：' + s.reveal.source));
  }
  const right = $('right'); right.replaceChildren();
  const show = s.phase === 'closed' || s.phase === 'finished';
  right.style.display = show ? 'flex' : 'none';
  if (show) {
    if (s.team_standings) right.appendChild(table('团队排名', s.team_standings, true));
    right.appendChild(table(s.team_standings ? '个人前十名' : '排名（前十名）', s.standings || [], false));
  }
  const b = $('next');
  b.textContent = s.phase === 'closed' && s.k >= s.total ? '查看最终排名' : LABEL[s.phase];
  b.disabled = s.phase === 'finished' || busy;
  tick();
}
function tick() {
  if (!state || state.phase !== 'open') return;
  const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
  $('clock').textContent = left;
  $('clock').classList.toggle('over', left === 0);
  if (left === 0) $('note').textContent = '时间到！请按“公布答案”。';
}
setInterval(tick, 200);
async function poll() {
  while (true) {
    try {
      const r = await fetch(base + '/state?after=' + v + '&answered=' + a,
        {credentials: 'same-origin', headers: {'X-XSRFToken': token}});
      const s = await r.json();
      if (r.ok) { $('msg').textContent = ''; render(s); }
      else { $('msg').textContent = s.message || '出了点问题'; await sleep(3000); }
    } catch (e) { $('msg').textContent = '网络不通，正在重试……'; await sleep(2000); }
  }
}
async function next() {
  if (busy || !state || state.phase === 'finished') return;
  busy = true; $('next').disabled = true;
  try {
    const r = await fetch(base + '/next?version=' + v, {method: 'POST', credentials: 'same-origin',
      headers: {'X-XSRFToken': token}});
    const s = await r.json();
    if (r.ok) { $('msg').textContent = ''; busy = false; render(s); return; }
    $('msg').textContent = s.message || '出了点问题';
  } catch (e) { $('msg').textContent = '网络不通，请再按一次。'; }
  busy = false; if (state) render(state);
}
$('next').addEventListener('click', next);
document.addEventListener('keydown', (e) => {
  if (e.key === ' ' || e.key === 'ArrowRight' || e.key === 'PageDown') { e.preventDefault(); next(); }
});
poll();
"""


def projector_page(contest: str, xsrf: str, error: str = "") -> str:
    """The page for ``contest`` (its data comes from the JSON); ``error``: only that message."""
    body = (
        f'<p style="font-size:4vh">{html.escape(error)}</p>'
        if error
        else f"""
<div id="top"><div id="title">知识竞赛</div><div id="count"></div><div id="answered"></div>
<div id="clock"></div></div>
<div id="main"><div id="left"><div id="stem">正在连接……</div><div id="options"></div>
<div id="reveal"></div><div id="note"></div></div><div id="right"></div></div>
<div id="bottom"><button id="next" type="button">开始</button>
<div id="hint">按空格键或 → 键也可以进到下一步</div><div id="msg"></div></div>
<script>{SCRIPT}</script>"""
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>知识竞赛 · 投影</title><style>{CSS}</style></head>
<body data-contest="{html.escape(contest)}" data-xsrf="{html.escape(xsrf)}">{body}</body></html>
"""
