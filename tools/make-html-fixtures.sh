#!/bin/sh
# tools/make-html-fixtures.sh - makes the web pages of fixtures/html-in/,
# each of which must read back to fixtures/seed.canonical.txt (the seed's
# forms); see fixtures/html-in/README.md.
#
#   sh tools/make-html-fixtures.sh        (from the source tree, after make)
#
# Needs LibreOffice (soffice), Gnumeric (ssconvert) and python3
# (sh tools/setup.sh --tests).
set -eu
cd "$(dirname "$0")/.."
OUT=fixtures/html-in
WORK=$(mktemp -d /tmp/html-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"
[ -x ./formconv ] || make formconv >/dev/null
./formconv convert fixtures/seed.txt -o "$WORK/stacked.xlsx"
./formconv convert fixtures/seed.txt -l sheets -o "$WORK/sheets.xlsx"
for layout in stacked sheets; do
    soffice --headless --norestore "-env:UserInstallation=file://$WORK/profile" \
        --convert-to html --outdir "$WORK" "$WORK/$layout.xlsx" >/dev/null 2>&1
    cp "$WORK/$layout.html" "$OUT/libreoffice-$layout.html"
    ssconvert --export-type=Gnumeric_html:html40 "$WORK/$layout.xlsx" \
        "$OUT/gnumeric-$layout.html" 2>/dev/null
done
python3 tools/html_fixture_imitations.py fixtures/seed.canonical.txt "$OUT"
for f in "$OUT"/*.htm*; do
    ./formconv convert "$f" -t text -o "$WORK/back.txt"
    cmp -s "$WORK/back.txt" fixtures/seed.canonical.txt || { echo "make-html-fixtures: $f does not read back to the seed" >&2; exit 1; }
done
echo "make-html-fixtures: wrote $OUT"
