# tests/bench/rows-xml.sh - XML rows of `make bench`, sourced by
# tests/bench/run.sh (which defines `row`, $B and $FORMCONV).
#
#   text -> xml          the whole conversion (text reader + XML writer)
#   xml -> text          validating XML reader + text writer
#   xml -> text (no val) the same without schema validation
#   xml -> xml           XML reader + XML writer: the XML side alone
#
# MB/s is of the input; the XML inputs are the dumps converted once here.
for n in 10000 100000; do
    row "text -> xml" $n $B/dump-$n.txt -- $FORMCONV convert $B/dump-$n.txt -o $B/out-$n.xml
done
for n in 10000 100000; do
    row "xml -> text" $n $B/out-$n.xml -- $FORMCONV convert $B/out-$n.xml -o $B/out-$n.xml.txt
    row "xml -> text (--no-validate)" $n $B/out-$n.xml -- \
        $FORMCONV convert --no-validate $B/out-$n.xml -o $B/out-$n.xml.txt
    row "xml -> xml" $n $B/out-$n.xml -- $FORMCONV convert $B/out-$n.xml -o $B/out-$n.again.xml
done
