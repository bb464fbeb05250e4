#!/bin/sh
# tools/setup.sh - make sure the Debian packages formconv needs are present.
#
#   sh tools/setup.sh           build dependencies (compiler, libraries)
#   sh tools/setup.sh --tests   also what the tests use (cmocka, valgrind,
#                               cppcheck, LibreOffice, openpyxl, Gnumeric, ...)
#
# Installs missing packages with apt-get when run as root; otherwise prints
# the exact command to run and exits with status 1.
set -eu

build_pkgs="build-essential pkg-config libxml2-dev libxlsxwriter-dev libminizip-dev zlib1g-dev libmicrohttpd-dev"
# fonts-wqy-zenhei and fonts-arphic-uming: CJK faces that stand in for 黑体 and 宋体
# when LibreOffice prints an attachment (tests, tools/make-picture.sh); locales:
# localedef sources, for a test that writes under a decimal-comma locale.
# chromium and default-jre-headless: the browser test of `formconv serve` and the
# Nu HTML Checker (npm packages in tests/browser, installed below).
test_pkgs="chromium default-jre-headless libcmocka-dev valgrind cppcheck libxml2-utils unzip libreoffice-calc-nogui python3 python3-openpyxl python3-xlsxwriter gnumeric poppler-utils fonts-wqy-zenhei fonts-arphic-uming locales"

want="$build_pkgs"
if [ "${1:-}" = "--tests" ]; then
    want="$want $test_pkgs"
elif [ -n "${1:-}" ]; then
    echo "usage: sh tools/setup.sh [--tests]" >&2
    exit 2
fi

missing=""
for pkg in $want; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done

# The npm packages of the browser test and the HTML checker (playwright-core,
# vnu-jar), project-local in tests/browser/node_modules, at the versions
# package-lock.json records. Their install scripts are not run: playwright-core
# uses Debian's chromium, vnu.jar Debian's java.
npm_packages() {
    if [ "${1:-}" = "--tests" ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
        if command -v npm >/dev/null 2>&1; then
            (cd tests/browser && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
        else
            echo "setup: npm is missing: the browser test will be skipped" >&2
        fi
    fi
}
cd "$(dirname "$0")/.."

if [ -z "$missing" ]; then
    npm_packages "${1:-}"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
    npm_packages "${1:-}"
else
    echo "setup: missing Debian packages:$missing" >&2
    echo "setup: run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
