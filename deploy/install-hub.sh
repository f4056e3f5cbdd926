#!/usr/bin/env bash
# Build (or update) the hub's venv and install the proxy; run as root from a checkout.
#   deploy/install-hub.sh [VENV]     (default /opt/exam-tools-hub)
# Reuses an existing venv; installs this checkout non-editable, so the venv never points into a
# folder members cannot read (a checkout under /root is mode 700).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-/opt/exam-tools-hub}"
if [ ! -x "$VENV/bin/python" ]; then
  if ! /usr/bin/python3 -c "import venv, ensurepip" 2>/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  fi
  /usr/bin/python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check -r deploy/requirements-hub.txt .
chmod -R a+rX "$VENV"
if ! command -v configurable-http-proxy >/dev/null || ! npm ls -g @fortawesome/fontawesome-free >/dev/null 2>&1; then
  if ! command -v npm >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
  fi
  # the proxy in front of the hub; Font Awesome 5 for Voila pages without a CDN
  npm install -g --silent configurable-http-proxy@5.3.0 @fortawesome/fontawesome-free@5
fi
