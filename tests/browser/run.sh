#!/bin/sh
# tests/browser/run.sh FORMCONV [SCREENSHOT.png] - the end-to-end test of
# `formconv serve` in Debian's chromium (tests/browser/e2e.js). Skips, with
# the reason on one line, when chromium, node or playwright-core is missing
# (sh tools/setup.sh --tests installs them). Not run under valgrind.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ]; then
    echo "skip: browser test: /usr/bin/chromium is missing (sh tools/setup.sh --tests)"
    exit 0
fi
if ! command -v node >/dev/null 2>&1 || [ ! -d "$dir/node_modules/playwright-core" ]; then
    echo "skip: browser test: node or playwright-core is missing (sh tools/setup.sh --tests)"
    exit 0
fi
exec timeout 180 node "$dir/e2e.js" "$1" "$dir/../.." ${2:+"$2"}
