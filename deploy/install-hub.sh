#!/usr/bin/env bash
# Build (or update) the hub's venv, install the proxy and put the commands on PATH; run as root
# from a checkout (any working folder):
#   deploy/install-hub.sh [VENV] [BINDIR]     (default /opt/exam-tools-hub and /usr/local/bin)
# Reuses an existing venv; installs this checkout non-editable, so the venv never points into a
# folder members cannot read (a checkout under /root is mode 700). The question bank, courses and
# notebooks are copied to VENV/share/exam-tools/, where `exam-tools hub init` finds them. As The
# Littlest JupyterHub does, exam-tools, jupyterhub and configurable-http-proxy are linked into
# BINDIR (an existing file there that is not a link is left alone, and said so).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-/opt/exam-tools-hub}"
BINDIR="${2:-/usr/local/bin}"
if [ ! -x "$VENV/bin/python" ]; then
  if ! /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  /usr/bin/python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r deploy/requirements-hub.txt .
# jsonschema imports rfc3987-syntax whenever it is installed (jupyter-events asks for it through
# jsonschema's format-nongpl extra) and compiles its grammar at import: about 1.7 CPU-seconds and
# 16 MiB in every member's server start (issue 18; python -X importtime). It only checks the "iri"
# string format, which nothing on the hub validates; without it jsonschema skips that format.
"$VENV/bin/pip" uninstall -y -q --disable-pip-version-check rfc3987-syntax 2>/dev/null || true
# the content, replaced whole (a course removed from the checkout disappears here too)
SHARE="$VENV/share/exam-tools"
rm -rf "$SHARE.new"
mkdir -p "$SHARE.new"
cp -r question_bank courses notebooks "$SHARE.new/"
rm -rf "$SHARE"
mv "$SHARE.new" "$SHARE"
chmod -R a+rX "$VENV"
# the question bank holds every answer: root's only (hub init, hub users and the CLI run as root);
# members' servers and kernels use this venv and must not read it
chmod -R go-rwx "$SHARE"
if ! command -v configurable-http-proxy >/dev/null || ! npm ls -g @fortawesome/fontawesome-free >/dev/null 2>&1; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  # the proxy in front of the hub; Font Awesome 5 for Voila pages without a CDN
  npm install -g --silent configurable-http-proxy@5.3.0 @fortawesome/fontawesome-free@5
fi

mkdir -p "$BINDIR"
link() {  # link NAME TARGET: BINDIR/NAME -> TARGET, unless BINDIR/NAME is some other file
  if [ -e "$BINDIR/$1" ] && [ ! -L "$BINDIR/$1" ]; then
    echo "注意：$BINDIR/$1 已存在且不是链接，没有改动它；请用 $2"
  elif [ "$(readlink -f "$BINDIR/$1" 2>/dev/null)" != "$(readlink -f "$2")" ]; then
    ln -sfn "$2" "$BINDIR/$1"
  fi
}
link exam-tools "$VENV/bin/exam-tools"
link jupyterhub "$VENV/bin/jupyterhub"
proxy="$(PATH="$PATH:/usr/local/bin" command -v configurable-http-proxy)"
if [ "$(dirname "$proxy")" != "$BINDIR" ]; then link configurable-http-proxy "$proxy"; fi

version() { "$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))"; }
cat <<EOF
已安装：
  $VENV：exam-tools $(version exam-tools)、JupyterHub $(version jupyterhub)、nbgrader $(version nbgrader)、Voilà $(version voila)
  $SHARE：题库、课程、党员和教师的笔记本
  configurable-http-proxy $("$proxy" --version)（$proxy）
  命令 exam-tools、jupyterhub、configurable-http-proxy 在 $BINDIR
下一步（以 root，在任何目录）：
  exam-tools hub init /srv/exam-tools-hub
EOF
