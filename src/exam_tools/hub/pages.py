"""Chinese pages on the way in (issue 17 item 3): the hub's own pages and Voilà's loading page.

JupyterHub reads ``DIR/templates`` first (``c.JupyterHub.template_paths``); each page here extends
JupyterHub's own (``templates/<name>``) and replaces what a member would read: the navigation bar
("Home Token Logout" → 退出登录), the spawn page (no event log, no Stop Server, a large progress
bar), error pages, the home, token and not-running pages. Instructors (hub group ``instructors``)
keep JupyterHub's home and token pages, in a Chinese frame.

Voilà: members' servers use the template ``exam-tools-member`` (found through ``JUPYTER_PATH`` =
``DIR/share``, set by the pre-spawn hook), whose base is the offline ``exam-tools`` template. Its
two macro files shadow Voilà's own (``spinner.macro.html.j2``: the loading screen;
``voila_setup.macro.html.j2``: "Executing 1 of 1" and when the page is shown): a progress bar
with 正在准备您的学习页面…, kept on screen until the widgets have drawn, so ipywidgets' "Loading
widget..." is never seen.
"""

from __future__ import annotations

import json

#: Added to members' ``JUPYTER_PATH``; Voilà finds templates in ``<it>/voila/templates``.
MEMBER_DATA = "share"
VOILA_MEMBER_TEMPLATE = "exam-tools-member"
VOILA_BASE = "exam-tools"  # the offline template in the hub's venv (see exam_tools.hub.setup)

LOADING_TEXT = "正在准备您的学习页面…"

_STAFF = '(user and "instructors" in (user.groups | map(attribute="name") | list))'

PAGE_HTML = """\
{% extends "templates/page.html" %}
{% block title %}党员学习平台{% endblock title %}
{% block meta %}<meta name="description" content="党员学习平台">{% endblock meta %}
{% block nav_bar %}
<nav class="navbar bg-body-tertiary mb-4" style="font-size: 20px">
  <div class="container-fluid" style="gap: 12px; flex-wrap: wrap">
    <span class="navbar-brand" style="font-size: 22px; font-weight: bold">党员学习平台</span>
    {% if user %}
    <span style="display: flex; gap: 12px; align-items: center; flex-wrap: wrap">
      {% if STAFF %}
      <a class="nav-link" href="{{ base_url }}home">首页</a>
      <a class="nav-link" href="{{ base_url }}token">令牌</a>
      {% if "admin-ui" in parsed_scopes %}<a class="nav-link" href="{{ base_url }}admin">管理</a>{% endif %}
      {% endif %}
      {% block login_widget %}
      <a id="logout" role="button" class="btn btn-outline-secondary" href="{{ logout_url }}"
         style="min-height: 48px; font-size: 20px; display: inline-flex; align-items: center">退出登录</a>
      {% endblock login_widget %}
    </span>
    {% endif %}
  </div>
</nav>
{% endblock nav_bar %}
""".replace("STAFF", _STAFF)

SPAWN_PENDING_HTML = """\
{% extends "templates/spawn_pending.html" %}
{% block main %}
<div class="container" style="max-width: 40em; text-align: center">
  <p id="et-loading-text" style="font-size: 24px; font-weight: bold; margin: 24px 0 16px 0">LOADING</p>
  <div style="height: 32px; border-radius: 16px; background: #e4e4e4; overflow: hidden; border: 1px solid #bbb">
    <div id="progress-bar" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="5"
         style="height: 100%; width: 5%; background: #c00; transition: width 0.5s"></div>
  </div>
  <p style="font-size: 20px; margin-top: 16px">第一次打开可能要等一两分钟，请不要关闭本页。</p>
  <p id="et-failed" style="display: none; font-size: 22px; color: #c00">
    学习页面没有打开。请<a href="" style="font-size: 22px">刷新本页</a>再试；仍不行请找本支部的组织委员。</p>
</div>
{% endblock main %}
{% block script %}
<script>
  (function () {
    var bar = document.getElementById("progress-bar");
    var shown = 5;
    function show(p) {
      shown = Math.max(shown, Math.min(100, p));
      bar.style.width = shown + "%";
      bar.setAttribute("aria-valuenow", String(shown));
    }
    // creep forward while the server starts, so the page never looks stuck
    var creep = setInterval(function () { if (shown < 90) { show(shown + 1); } }, 1000);
    var events = new EventSource("{{ progress_url }}");
    events.onmessage = function (e) {
      var evt = JSON.parse(e.data);
      if (evt.progress !== undefined) { show(evt.progress); }
      if (evt.ready) { events.close(); clearInterval(creep); show(100); window.location.reload(); }
      if (evt.failed) {
        events.close(); clearInterval(creep); bar.style.background = "#888";
        document.getElementById("et-failed").style.display = "block";
      }
    };
  })();
</script>
{% endblock script %}
""".replace("LOADING", LOADING_TEXT)

ERROR_HTML = """\
{% extends "templates/error.html" %}
{% block h1_error %}
<h1 style="font-size: 26px">
  {%- if status_code == 404 -%}找不到这个页面
  {%- elif status_code == 403 -%}没有权限打开这个页面
  {%- elif status_code in (502, 503, 504) -%}学习平台正忙或正在启动
  {%- elif status_code == 405 or status_code == 400 -%}请求无效
  {%- else -%}学习平台出了点问题
  {%- endif -%}
</h1>
{% endblock h1_error %}
{% block error_detail %}
<p style="font-size: 20px">
  {%- if status_code in (502, 503, 504) -%}请过一会儿刷新本页。
  {%- elif status_code == 403 -%}请退出后用自己的登录名重新登录。
  {%- else -%}请回到首页重新进入；仍不行请找本支部的组织委员。
  {%- endif -%}
  （错误代码 {{ status_code }}）</p>
<p><a class="btn btn-primary" href="{{ base_url }}" role="button"
      style="min-height: 48px; font-size: 20px; display: inline-flex; align-items: center">回到首页</a></p>
{% endblock error_detail %}
"""

#: JupyterHub's 404 page replaces the error text; ours keeps error.html's Chinese.
NOT_FOUND_HTML = '{% extends "error.html" %}\n'

HOME_HTML = """\
{% extends "templates/home.html" %}
{% block main %}
{% if STAFF %}{{ super() }}{% else %}
<div class="container" style="max-width: 40em; text-align: center; font-size: 20px">
  <p>欢迎回来。</p>
  <p><a id="start" class="btn btn-primary btn-lg" role="button" href="{{ base_url }}spawn"
        style="min-height: 56px; font-size: 22px; display: inline-flex; align-items: center">进入我的学习</a></p>
</div>
{% endif %}
{% endblock main %}
""".replace("STAFF", _STAFF)

TOKEN_HTML = """\
{% extends "templates/token.html" %}
{% block main %}
{% if STAFF %}{{ super() }}{% else %}
<div class="container" style="max-width: 40em; text-align: center; font-size: 20px">
  <p>这个页面是给老师用的。</p>
  <p><a class="btn btn-primary btn-lg" role="button" href="{{ base_url }}spawn"
        style="min-height: 56px; font-size: 22px; display: inline-flex; align-items: center">进入我的学习</a></p>
</div>
{% endif %}
{% endblock main %}
""".replace("STAFF", _STAFF)

NOT_RUNNING_HTML = """\
{% extends "templates/not_running.html" %}
{% block heading %}
<h1 style="font-size: 26px">{% if failed %}学习页面没有打开{% else %}学习页面已关闭{% endif %}</h1>
{% endblock heading %}
{% block message %}
<p style="font-size: 20px">
  {%- if failed -%}请点下面的按钮再试一次；仍不行请找本支部的组织委员。
  {%- elif implicit_spawn_seconds -%}马上会自动重新打开，请稍候。
  {%- else -%}点下面的按钮重新打开。
  {%- endif -%}</p>
{% endblock message %}
{% block start_button %}
<a id="start" role="button" class="btn btn-lg btn-primary" href="{{ spawn_url }}"
   style="min-height: 56px; font-size: 22px; display: inline-flex; align-items: center">打开我的学习</a>
{% endblock start_button %}
"""

LOGOUT_HTML = """\
{% extends "templates/logout.html" %}
{% block main %}
<div id="logout-main" class="container" style="font-size: 22px; text-align: center">
  <p>已退出登录。</p>
  <p><a class="btn btn-primary" href="{{ login_url }}" role="button"
        style="min-height: 48px; font-size: 20px; display: inline-flex; align-items: center">重新登录</a></p>
</div>
{% endblock main %}
"""

# ---- Voilà ------------------------------------------------------------------------------------

SPINNER_MACRO = """\
{# exam-tools: Voilà's loading screen in Chinese, with a large progress bar (shadows base's). #}
{% macro css() %}
<style>
  #loading { display: flex; flex-direction: column; align-items: center; justify-content: center;
    height: 75vh; font-family: sans-serif; z-index: 100; position: relative; padding: 0 24px; }
  #loading_text { font-size: 24px; font-weight: bold; color: #222; margin: 0 0 18px 0; }
  #et-loading-track { width: min(36em, 90vw); height: 32px; border-radius: 16px; background: #e4e4e4;
    border: 1px solid #bbb; overflow: hidden; }
  #et-loading-bar { height: 100%; width: 10%; background: #c00; transition: width 0.4s; }
  #et-loading-hint { font-size: 20px; color: #333; margin-top: 16px; }
</style>
{% endmacro %}

{% macro html() %}
<div id="loading" style="display: flex;">
  <h2 id="loading_text">LOADING</h2>
  <div id="et-loading-track"><div id="et-loading-bar"></div></div>
  <p id="et-loading-hint">请稍候，不要关闭本页。</p>
</div>
{% endmacro %}
""".replace("LOADING", LOADING_TEXT)

VOILA_SETUP_MACRO = """\
{# exam-tools: as Voilà's own, with the loading text in Chinese and the page shown only once its
   widgets have drawn (no "Executing 1 of 1", no "Loading widget..."). #}
{%- macro voila_setup_labextensions(base_url, labextensions) -%}
<script src="{{ page_config['fullStaticUrl'] | e }}/{{ main_js }}"></script>
{%- endmacro %}

{%- macro voila_setup(base_url, nbextensions) -%}
{{ voila_setup_labextensions(base_url, labextensions) }}
{%- endmacro %}

{%- macro voila_setup_helper_functions() -%}
<script>
  window.voila_heartbeat = function() {};
  window.update_loading_text = function(cell_index, cell_count, text) {
    var spinner = document.getElementById("loading");
    if (spinner && spinner.style.display === "none") { spinner.style.display = "flex"; }
    var bar = document.getElementById("et-loading-bar");
    if (bar && cell_count) { bar.style.width = (10 + 60 * cell_index / cell_count) + "%"; }
  };
  window.display_cells = function() {
    if (!window.themeLoaded) { window.cellLoaded = true; return; }
    var cells = document.getElementById("rendered_cells");
    var bar = document.getElementById("et-loading-bar");
    if (bar) { bar.style.width = "85%"; }
    var started = Date.now();
    (function reveal() {
      // widgets draw after the kernel connects; until then their outputs say "Loading widget..."
      var text = cells ? cells.textContent : "";
      var outputs = document.querySelectorAll(
        'script[type="application/vnd.voila.cell-output+json"]');
      var expect = Array.prototype.some.call(outputs, function (s) {
        return s.textContent.indexOf("widget-view+json") >= 0; });
      var drawn = cells && cells.querySelector(".jupyter-widgets, .widget-box, .widget-html");
      var waiting = /Loading widget/.test(text) || (expect && !drawn);
      if (waiting && Date.now() - started < 30000) { setTimeout(reveal, 100); return; }
      var el = document.getElementById("loading");
      if (el) { el.parentNode.removeChild(el); }
      if (cells) { cells.style.display = ""; }
    })();
  };
  window.voila_process = {{ voila_process | default("window.update_loading_text") }};
  window.voila_finish = {{ voila_finish | default("window.display_cells") }};
</script>
{%- endmacro %}
"""


#: Seconds the hub holds a login before it shows the Chinese progress page (spawn_pending.html)
#: instead of the member's page. JupyterHub's default is 10 s of a blank browser; a server forked
#: by the fork server is ready in about a second, and then no extra page is needed. Set in the
#: hub's ``tornado_settings`` (jhconfig.update_cookies): ``c.JupyterHub.slow_spawn_timeout`` is
#: no JupyterHub option and was ignored.
SLOW_SPAWN_TIMEOUT = 2


def hub_templates() -> dict[str, str]:
    """``DIR/templates/<name>`` → text (the login page is :data:`exam_tools.hub.files.LOGIN_HTML`)."""
    return {
        "templates/page.html": PAGE_HTML,
        "templates/spawn_pending.html": SPAWN_PENDING_HTML,
        "templates/error.html": ERROR_HTML,
        "templates/404.html": NOT_FOUND_HTML,
        "templates/home.html": HOME_HTML,
        "templates/token.html": TOKEN_HTML,
        "templates/not_running.html": NOT_RUNNING_HTML,
        "templates/logout.html": LOGOUT_HTML,
    }


def voila_member_files() -> dict[str, str]:
    """The members' Voilà template, under ``DIR/share`` (``JUPYTER_PATH``)."""
    root = f"{MEMBER_DATA}/voila/templates/{VOILA_MEMBER_TEMPLATE}"
    return {
        f"{root}/conf.json": json.dumps({"base_template": VOILA_BASE}) + "\n",
        f"{root}/spinner.macro.html.j2": SPINNER_MACRO,
        f"{root}/voila_setup.macro.html.j2": VOILA_SETUP_MACRO,
    }
