#!/bin/sh
# tests/run.sh BUILD MODE - runs every test program in BUILD/tests.
# MODE: plain, asan (the binaries were built with sanitizers) or valgrind.
set -u
build=$1
mode=$2
failed=0
count=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    count=$((count + 1))
    name=$(basename "$t")
    case $mode in
        valgrind)
            FC_UNDER_VALGRIND=1 valgrind --quiet --error-exitcode=99 --leak-check=full \
                --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
                "$t" >"$build/tests/$name.$mode.log" 2>&1
            ;;
        *)
            "$t" >"$build/tests/$name.$mode.log" 2>&1
            ;;
    esac
    status=$?
    if [ $status -eq 0 ]; then
        echo "ok   $mode $name"
    else
        echo "FAIL $mode $name (exit $status); log: $build/tests/$name.$mode.log"
        tail -n 40 "$build/tests/$name.$mode.log"
        failed=$((failed + 1))
    fi
done
# The browser test drives the plain build (no sanitizers, no valgrind).
if [ "$mode" = plain ]; then
    count=$((count + 1))
    if sh "$(dirname "$0")/browser/run.sh" "$build/formconv" >"$build/tests/browser.log" 2>&1; then
        echo "ok   $mode browser ($(tail -n 1 "$build/tests/browser.log"))"
    else
        echo "FAIL $mode browser; log: $build/tests/browser.log"
        tail -n 40 "$build/tests/browser.log"
        failed=$((failed + 1))
    fi
fi
if [ $count -eq 0 ]; then
    echo "no test programs in $build/tests" >&2
    exit 1
fi
[ $failed -eq 0 ] || { echo "$failed of $count test programs failed ($mode)"; exit 1; }
