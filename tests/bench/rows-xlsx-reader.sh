# tests/bench/rows-xlsx-reader.sh - sourced by tests/bench/run.sh (which
# defines B, FORMCONV and row): the XLSX reader on formconv's own workbook of
# the 10,000-form dump, side by side with what it is measured against:
#   - python3-openpyxl reading the same workbook in read-only mode
#     (tests/bench/xlsx_openpyxl_read.py); target: at least 8x its speed;
#   - the floor of any libxml2-based reader: inflating every part
#     (unzip -p) plus parsing the inflated parts with xmllint --stream;
#     target: within 1.2x of the two added up.
# XLSX_BENCH_INPUT=FILE measures another workbook instead (for example one
# made by another tool while formconv writes no XLSX).

# secs_of CMD...: the best of three runs of the command, in seconds
# (through measure), so that one slow run does not decide a ratio.
secs_of() {
    best=""
    for run in 1 2 3; do
        s=$($B/measure -- "$@" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
        best=$(awk -v a="$best" -v b="$s" 'BEGIN { print (a == "" || b < a) ? b : a }')
    done
    echo "$best"
}

xlsx_in=${XLSX_BENCH_INPUT:-}
if [ -z "$xlsx_in" ]; then
    if $FORMCONV formats | awk '$1 == "xlsx" && $2 ~ /w/ {found = 1} END {exit !found}'; then
        xlsx_in=$B/dump-10000.xlsx
        [ -s "$xlsx_in" ] || $FORMCONV convert $B/dump-10000.txt -o "$xlsx_in"
    else
        echo "xlsx -> text: not measured (this formconv writes no XLSX; set XLSX_BENCH_INPUT)"
    fi
fi
if [ -n "$xlsx_in" ]; then
    row "xlsx -> text" 10000 "$xlsx_in" -- $FORMCONV convert "$xlsx_in" -o $B/out-xlsx-10000.txt
    row "xlsx -> text (openpyxl read-only)" 10000 "$xlsx_in" -- \
        /usr/bin/python3 tests/bench/xlsx_openpyxl_read.py "$xlsx_in" $B/out-openpyxl-10000.txt
    rm -rf $B/xlsx-parts && mkdir -p $B/xlsx-parts
    unzip -q -o "$xlsx_in" -d $B/xlsx-parts
    parts=$(cd $B/xlsx-parts && find . -type f \( -name '*.xml' -o -name '*.rels' \) | sort)
    row "floor: unzip -p (inflate)" 10000 "$xlsx_in" -- sh -c 'unzip -p "$1" > /dev/null' sh "$xlsx_in"
    row "floor: xmllint --stream (parse)" 10000 "$xlsx_in" -- \
        sh -c 'cd "$1" && shift && for f; do xmllint --stream --noout "$f" || exit 1; done' \
        sh $B/xlsx-parts $parts
    t_ours=$(secs_of $FORMCONV convert "$xlsx_in" -o $B/out-xlsx-10000.txt)
    t_py=$(secs_of /usr/bin/python3 tests/bench/xlsx_openpyxl_read.py "$xlsx_in" $B/out-openpyxl-10000.txt)
    t_unzip=$(secs_of sh -c 'unzip -p "$1" > /dev/null' sh "$xlsx_in")
    t_lint=$(secs_of sh -c 'cd "$1" && shift && for f; do xmllint --stream --noout "$f" || exit 1; done' \
        sh $B/xlsx-parts $parts)
    awk -v o="$t_ours" -v p="$t_py" -v u="$t_unzip" -v x="$t_lint" 'BEGIN {
        if (o <= 0) o = 0.001;
        printf "xlsx reader (best of 3): %.1fx the speed of openpyxl (target >= 8x); %.2fx the floor of %.3f s = unzip %.3f + xmllint %.3f (target <= 1.2x)\n",
            p / o, o / (u + x), u + x, u, x }'
    rm -rf $B/xlsx-parts
fi
