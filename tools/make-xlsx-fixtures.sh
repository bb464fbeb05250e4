#!/bin/sh
# tools/make-xlsx-fixtures.sh - makes the workbooks of fixtures/xlsx-in/ with
# other tools, from the seed, and the text each must read back to.
#
#   sh tools/make-xlsx-fixtures.sh        (from the source tree, after make)
#
# Needs /usr/bin/python3 with openpyxl, LibreOffice (soffice), Gnumeric
# (ssconvert), node and npm (sh tools/setup.sh --tests). The npm packages
# xlsx (SheetJS) and exceljs are installed into $NPMWORK (default
# /tmp/npmwork), outside the source tree.
#
# Each NAME.xlsx comes with NAME.txt, the canonical text formconv must read
# from it. Every expected text is checked against LibreOffice: the workbook
# saved as CSV "as shown" (number formats applied) must hold the same
# non-empty cell texts, so each value is what a spreadsheet displays; and
# formconv must read the workbook to exactly that text.
#
#   openpyxl-layout     hand-made layout by python3-openpyxl: table from B,
#                       values merged over two columns, numbers typed with
#                       number formats (71.9 under 0.000000, 1 under 0%, ...)
#   libreoffice-resave  LibreOffice's re-save of formconv's own workbook (of
#                       the openpyxl one while formconv writes no XLSX)
#   gnumeric-dump       the dump opened as a plain sheet by Gnumeric's
#                       ssconvert, which turns 71.900000 into the number 71.9
#                       (General) and 100% into 1 (0.00%): the text says
#                       71.9 and 100.00%, as a spreadsheet shows them
#   sheetjs-dump        SheetJS (npm xlsx): the dump as strings (t="str"),
#                       title and unit merged
#   exceljs-layout      exceljs: the dump from C3, shared strings, titles
#                       merged, categories merged down
set -eu
cd "$(dirname "$0")/.."
OUT=fixtures/xlsx-in
NPMWORK=${NPMWORK:-/tmp/npmwork}
FORMCONV=./formconv
PY=/usr/bin/python3
WORK=$(mktemp -d /tmp/xlsx-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

[ -x "$FORMCONV" ] || { echo "build formconv first (make)" >&2; exit 1; }
$FORMCONV convert fixtures/seed.txt -o "$WORK/canonical.txt"

# soffice_to FORMAT OUTDIR FILE: one LibreOffice conversion, own profile.
soffice_to() {
    profile=$(mktemp -d "$WORK/lo.XXXXXX")
    soffice --headless "-env:UserInstallation=file://$profile" --convert-to "$1" \
        --outdir "$2" "$3" >/dev/null 2>&1
}

# 1. python3-openpyxl: the hand-made layout.
$PY tools/xlsx_fixture_openpyxl.py "$WORK/canonical.txt" "$OUT/openpyxl-layout.xlsx"
cp "$WORK/canonical.txt" "$OUT/openpyxl-layout.txt"

# 2. LibreOffice re-saving formconv's own workbook (or openpyxl's until
#    formconv can write XLSX).
if $FORMCONV formats | awk '$1 == "xlsx" && $2 ~ /w/ {found=1} END {exit !found}'; then
    $FORMCONV convert fixtures/seed.txt -o "$WORK/formconv.xlsx"
    src="$WORK/formconv.xlsx"
else
    echo "note: formconv writes no XLSX yet; LibreOffice re-saves the openpyxl workbook" >&2
    cp "$OUT/openpyxl-layout.xlsx" "$WORK/formconv.xlsx"
    src="$WORK/formconv.xlsx"
fi
mkdir -p "$WORK/lo"
soffice_to 'xlsx:Calc MS Excel 2007 XML' "$WORK/lo" "$src"
cp "$WORK/lo/formconv.xlsx" "$OUT/libreoffice-resave.xlsx"
cp "$WORK/canonical.txt" "$OUT/libreoffice-resave.txt"

# 3. Gnumeric: the dump as a plain sheet.
cp fixtures/seed.txt "$WORK/seed.tsv"
ssconvert --import-encoding=UTF-8 --import-type=Gnumeric_stf:stf_csvtab \
    "$WORK/seed.tsv" "$OUT/gnumeric-dump.xlsx" >/dev/null 2>&1
sed -e 's/^\(项目主管处室	04-行政社保股	项目年度金额	\)\([0-9]*\)\.\([0-9]*[1-9]\)0*$/\1\2.\3/' \
    -e 's/^\(项目主管处室	04-行政社保股	项目年度金额	\)\([0-9]*\)\.0*$/\1\2/' \
    -e 's/	100%$/	100.00%/' "$WORK/canonical.txt" > "$OUT/gnumeric-dump.txt"

# 4. SheetJS and exceljs from npm.
if [ ! -d "$NPMWORK/node_modules/xlsx" ] || [ ! -d "$NPMWORK/node_modules/exceljs" ]; then
    mkdir -p "$NPMWORK"
    (cd "$NPMWORK" && [ -f package.json ] || npm init -y >/dev/null)
    (cd "$NPMWORK" && npm install --no-audit --no-fund xlsx@0.18.5 exceljs@4 >/dev/null)
fi
node tools/xlsx_fixture_node.js "$NPMWORK/node_modules" fixtures/seed.txt \
    "$OUT/sheetjs-dump.xlsx" "$OUT/exceljs-layout.xlsx"
cp "$WORK/canonical.txt" "$OUT/sheetjs-dump.txt"
cp "$WORK/canonical.txt" "$OUT/exceljs-layout.txt"

# Check every expected text against what LibreOffice displays, and against
# formconv's reading of the workbook.
status=0
for xlsx in "$OUT"/*.xlsx; do
    name=$(basename "$xlsx" .xlsx)
    mkdir -p "$WORK/csv"
    soffice_to 'csv:Text - txt - csv (StarCalc):9,34,76,1,,0,false,true,true,false,false,-1' \
        "$WORK/csv" "$xlsx"
    # One CSV per sheet (NAME-SHEET.csv) or one for a single sheet.
    cat "$WORK/csv/$name"*.csv > "$WORK/$name.shown.txt"
    rm -f "$WORK/csv/"*.csv
    tr '\t' '\n' < "$WORK/$name.shown.txt" | grep -v '^$' | sort > "$WORK/$name.shown.cells"
    tr '\t' '\n' < "$OUT/$name.txt" | grep -v '^$' | sort > "$WORK/$name.expected.cells"
    if ! cmp -s "$WORK/$name.shown.cells" "$WORK/$name.expected.cells"; then
        echo "$name: LibreOffice shows other cell texts than $OUT/$name.txt holds:" >&2
        diff "$WORK/$name.expected.cells" "$WORK/$name.shown.cells" | head -20 >&2
        status=1
    fi
    if ! $FORMCONV convert "$xlsx" -o "$WORK/$name.fc.txt" || ! cmp -s "$WORK/$name.fc.txt" "$OUT/$name.txt"; then
        echo "$name: formconv reads something else than $OUT/$name.txt" >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "fixtures made and checked in $OUT"
exit $status
