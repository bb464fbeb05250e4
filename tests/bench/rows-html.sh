# tests/bench/rows-html.sh - HTML rows of `make bench` (sourced by run.sh):
# writing the publication page and reading it back, at 1,000 and 10,000
# forms, so that the writer's memory shows flat in the number of forms.
for n in 1000 10000; do
    [ -s $B/dump-$n.txt ] || $B/gen_dump $n > $B/dump-$n.txt
    row "text -> html" $n $B/dump-$n.txt -- $FORMCONV convert $B/dump-$n.txt -o $B/page-$n.html
    row "html -> text" $n $B/page-$n.html -- $FORMCONV convert $B/page-$n.html -o $B/back-$n.txt
    cmp -s $B/back-$n.txt $B/out-$n.txt 2>/dev/null || \
        $FORMCONV convert $B/dump-$n.txt -o $B/out-$n.txt
    cmp -s $B/back-$n.txt $B/out-$n.txt || { echo "html -> text: not the dump's forms" >&2; exit 1; }
done
