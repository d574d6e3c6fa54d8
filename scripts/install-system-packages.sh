#!/bin/sh
# Debian packages Tiexin needs: espeak-ng renders the demo calls; npm fetches the web app's
# pinned browser libraries; Chromium and CJK fonts drive
# the browser tests. Installs only what is missing, so repeated runs are quick.
set -e
missing=""
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -d /usr/share/fonts/opentype/noto ] || missing="$missing fonts-noto-cjk"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Please install these Debian packages (as root):$missing" >&2
    exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
