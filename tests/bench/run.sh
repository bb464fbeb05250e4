#!/bin/sh
# tests/bench/run.sh - `make bench`: throughput and peak memory of formconv
# on generated inputs. Not part of the tests: numbers, not verdicts.
#
# Each row: what was converted, forms, input MB, seconds, forms/s, MB/s of
# input, peak RSS. Inputs are generated into build/bench/ (kept between runs).
set -eu
cd "$(dirname "$0")/../.."
B=build/bench
mkdir -p $B
CC=${CC:-cc}
$CC -std=c11 -O2 -Wall -Wextra -Werror -o $B/measure tests/bench/measure.c
$CC -std=c11 -O2 -Wall -Wextra -Werror -o $B/gen_dump tests/bench/gen_dump.c
FORMCONV=./formconv

for n in 10000 100000; do
    [ -s $B/dump-$n.txt ] || $B/gen_dump $n > $B/dump-$n.txt
done

printf '%-34s %8s %9s %8s %10s %8s %10s\n' "conversion" "forms" "input MB" "seconds" "forms/s" "MB/s" "peak RSS"

# row LABEL FORMS INPUT -- COMMAND...: runs the command once and prints a row.
row() {
    label=$1; forms=$2; input=$3; shift 3
    [ "$1" = "--" ] && shift
    bytes=$(stat -c %s "$input")
    result=$($B/measure -- "$@") || { echo "$label: command failed" >&2; exit 1; }
    secs=$(echo "$result" | sed 's/.*seconds=\([0-9.]*\).*/\1/')
    rss=$(echo "$result" | sed 's/.*peak_rss_kb=\([0-9]*\).*/\1/')
    awk -v l="$label" -v f="$forms" -v b="$bytes" -v s="$secs" -v r="$rss" 'BEGIN {
        if (s <= 0) s = 0.001;
        printf "%-34s %8d %9.1f %8.3f %10.0f %8.1f %7.1f MB\n", l, f, b / 1e6, s, f / s, b / 1e6 / s, r / 1024 }'
}

for n in 10000 100000; do
    row "text -> text" $n $B/dump-$n.txt -- $FORMCONV convert $B/dump-$n.txt -o $B/out-$n.txt
    row "text -> text (one core)" $n $B/dump-$n.txt -- \
        taskset -c 0 $FORMCONV convert --threads=1 $B/dump-$n.txt -o $B/out-$n.txt
done

# Rows added by other formats follow (tests/bench/*.sh are sourced in order).
for extra in tests/bench/rows-*.sh; do
    [ -f "$extra" ] && . "$extra"
done
exit 0
