#!/usr/bin/env bash
# Make sure Debian's Chromium is present for the playground's end-to-end test (never a downloaded
# browser). Installs it with apt-get when missing and we are root; otherwise explains what to do.
set -euo pipefail
chrome="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chrome" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $chrome missing; installing Debian's chromium with apt-get" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$chrome" ] && exit 0
fi
echo "ensure-chromium: $chrome not found; install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
