#!/usr/bin/env bash
# Install the Debian packages that the demo and the tests need, only when one is missing:
# graphviz (the `dot` renderer) and chromium (browser tests drive /usr/bin/chromium; never `playwright install`).
# Silent when everything is there; `apt-get update` runs only when something has to be installed.
set -euo pipefail

missing=()
command -v dot >/dev/null 2>&1 || missing+=(graphviz)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing ${missing[*]}, and apt-get is not available here: install them by hand" >&2
    exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "system-deps: installing ${missing[*]} needs root or sudo" >&2; exit 1; }
    sudo=(sudo)
fi

echo "system-deps: installing ${missing[*]} (apt-get)"
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
echo "system-deps: installed ${missing[*]} in $((SECONDS - start)) s"
