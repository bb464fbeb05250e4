# tests/bench/rows-xlsx-writer.sh - text -> XLSX rows of `make bench`, sourced
# by tests/bench/run.sh (which defines B, CC, FORMCONV and `row`).
#
# Rows: formconv's XLSX writer in both layouts on 10,000 forms and stacked on
# 100,000 forms (past Excel's row limit); side by side, the floor of the same
# workbook written by a bare C program with libxlsxwriter (tests/bench/
# xlsx_floor.c) reading the dump with formconv's reader and layout, and with a
# bare line splitter, and by Python's XlsxWriter (tests/bench/xlsx_python.py).
# Then the targets: stacked peak RSS under 32 MB, at most 1.2x the floor's
# time, at least 4x the forms per second of Python.

$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror -Isrc -Ibuild/gen \
    $(pkg-config --cflags xlsxwriter) -o $B/xlsx_floor tests/bench/xlsx_floor.c \
    build/libformconv.a $(pkg-config --libs xlsxwriter libxml-2.0 minizip zlib)

# xrow LABEL FORMS INPUT -- COMMAND...: prints the row and keeps its seconds,
# and peak RSS (MB) in xsecs and xrss.
xrow() {
    xline=$(row "$@")
    echo "$xline"
    xsecs=$(echo "$xline" | awk '{print $(NF-4)}')
    xrss=$(echo "$xline" | awk '{print $(NF-1)}')
}

xrow "text -> xlsx stacked" 10000 $B/dump-10000.txt -- \
    $FORMCONV convert $B/dump-10000.txt -o $B/out-10000.xlsx
s10=$xsecs; m10=$xrss
xrow "text -> xlsx sheets" 10000 $B/dump-10000.txt -- \
    $FORMCONV convert $B/dump-10000.txt -l sheets -o $B/out-10000-sheets.xlsx
xrow "text -> xlsx stacked" 100000 $B/dump-100000.txt -- \
    $FORMCONV convert $B/dump-100000.txt -o $B/out-100000.xlsx
s100=$xsecs; m100=$xrss
xrow "xlsx floor (formconv reader)" 10000 $B/dump-10000.txt -- \
    $B/xlsx_floor formconv $B/dump-10000.txt $B/floor-10000.xlsx
f10=$xsecs
xrow "xlsx floor (formconv reader)" 100000 $B/dump-100000.txt -- \
    $B/xlsx_floor formconv $B/dump-100000.txt $B/floor-100000.xlsx
f100=$xsecs
xrow "xlsx floor (bare splitter)" 10000 $B/dump-10000.txt -- \
    $B/xlsx_floor split $B/dump-10000.txt $B/floor-split-10000.xlsx
b10=$xsecs
xrow "xlsx python XlsxWriter" 10000 $B/dump-10000.txt -- \
    /usr/bin/python3 tests/bench/xlsx_python.py $B/dump-10000.txt $B/python-10000.xlsx
p10=$xsecs
rm -f $B/out-10000.xlsx $B/out-10000-sheets.xlsx $B/out-100000.xlsx $B/floor-10000.xlsx \
    $B/floor-100000.xlsx $B/floor-split-10000.xlsx $B/python-10000.xlsx

# The machine may be shared: for the time ratios, take the best of three
# interleaved runs of formconv and of the floor (the rows above count as one).
# best SECONDS -- COMMAND...: prints the smaller of SECONDS and a new run's time.
best() {
    b=$1; shift 2
    t=$($B/measure -- "$@" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
    awk -v a="$b" -v t="$t" 'BEGIN { print (t < a ? t : a) }'
}
for round in 1 2; do
    s10=$(best $s10 -- $FORMCONV convert $B/dump-10000.txt -o $B/out-10000.xlsx)
    f10=$(best $f10 -- $B/xlsx_floor formconv $B/dump-10000.txt $B/floor-10000.xlsx)
    s100=$(best $s100 -- $FORMCONV convert $B/dump-100000.txt -o $B/out-100000.xlsx)
    f100=$(best $f100 -- $B/xlsx_floor formconv $B/dump-100000.txt $B/floor-100000.xlsx)
done
p10=$(best $p10 -- /usr/bin/python3 tests/bench/xlsx_python.py $B/dump-10000.txt \
    $B/python-10000.xlsx)
rm -f $B/out-10000.xlsx $B/out-100000.xlsx $B/floor-10000.xlsx $B/floor-100000.xlsx \
    $B/python-10000.xlsx

awk -v s10="$s10" -v f10="$f10" -v s100="$s100" -v f100="$f100" -v m10="$m10" \
    -v m100="$m100" -v p10="$p10" -v b10="$b10" 'BEGIN {
    printf "xlsx targets:\n"
    printf "  stacked peak RSS: %.1f MB (10,000 forms), %.1f MB (100,000 forms); target < 32 MB: %s\n",
        m10, m100, (m10 < 32 && m100 < 32) ? "met" : "MISSED"
    printf "  time / floor with the same reader (best of 3): %.2fx (10,000), %.2fx (100,000); target <= 1.2x: %s\n",
        s10 / f10, s100 / f100, (s10 / f10 <= 1.2 && s100 / f100 <= 1.2) ? "met" : "MISSED"
    printf "  forms/s / Python XlsxWriter (best runs): %.1fx (10,000); target >= 4x: %s\n",
        p10 / s10, (p10 / s10 >= 4) ? "met" : "MISSED"
    printf "  (for reference, the floor with a bare splitter instead of the text reader: %.1fx Python)\n",
        p10 / b10 }'
