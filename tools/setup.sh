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
test_pkgs="libcmocka-dev valgrind cppcheck libxml2-utils unzip libreoffice-calc-nogui python3 python3-openpyxl python3-xlsxwriter gnumeric poppler-utils fonts-wqy-zenhei fonts-arphic-uming locales"

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

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "setup: missing Debian packages:$missing" >&2
    echo "setup: run this, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
