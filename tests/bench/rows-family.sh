# tests/bench/rows-family.sh - rows of `make bench` for the variants of the
# family, sourced by tests/bench/run.sh (which defines `row`, $B and
# $FORMCONV): a 10,000-form dump of the 2021 framework's form (year line,
# fund rows, 绩效指标 column, 成本指标, 分值, 指标解释) read, recognized,
# its template chosen for every form, and written as XML and back.
[ -s $B/dump2021-10000.txt ] || $B/gen_dump --2021 10000 > $B/dump2021-10000.txt
row "text -> xml (2021 variant)" 10000 $B/dump2021-10000.txt -- \
    $FORMCONV convert $B/dump2021-10000.txt -o $B/out2021-10000.xml
row "xml -> text (2021 variant)" 10000 $B/out2021-10000.xml -- \
    $FORMCONV convert $B/out2021-10000.xml -o $B/out2021-10000.txt
