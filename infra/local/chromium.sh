#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (playwright-core drives /usr/bin/chromium;
# no browser download is possible here). Does nothing when it is already there.
set -euo pipefail
SERVICE=chromium
source "$(dirname "$0")/lib.sh"
# A CJK font, so the zh-CN console renders in screenshots (test/artifacts) instead of boxes.
if [[ -x /usr/bin/chromium ]]; then apt_install fonts-wqy-zenhei; say "present: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"; exit 0; fi
t0=$(now_ms)
apt_install chromium fonts-wqy-zenhei
say "installed in $(( ($(now_ms) - t0) / 1000 )) s: $(/usr/bin/chromium --version 2>/dev/null)"
