#!/usr/bin/env bash
# callgrind-check.sh - instructions per record of a dry run, against a baseline
#
# usage: scripts/callgrind-check.sh BINARY [--update]
#
# Generates a fixed 10,000-record Lambda workload (gen-batch.py --seed 1),
# runs `BINARY -n -q FILE` under valgrind --tool=callgrind, divides the total
# instructions executed (Ir, from callgrind's "totals:"/"summary:" line) by
# 10,000 and compares that with testdata/perf/callgrind-baseline.txt.
# Instruction counts are stable on a noisy machine, unlike timings.
#
#   more than 10% above the baseline   fails, printing both figures
#   more than 10% below the baseline   passes, with a note to run --update
#   --update                           rewrites the baseline with this figure
#
# The baseline is for a RelWithDebInfo build (the default CMAKE_BUILD_TYPE of
# CMakeLists.txt), as .ci/run's plain build directory makes it:
#   cmake -S . -B build-perf && cmake --build build-perf -j2
#   scripts/callgrind-check.sh build-perf/cli/a2a-recover --update
# Other build types (Release, sanitizers) give other counts: check only a
# RelWithDebInfo binary against it.
#
# Ends with "1 passed, 0 failed" or "0 passed, 1 failed"; exit 0 or 1
# (2 for usage errors).

set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASELINE="$ROOT/testdata/perf/callgrind-baseline.txt"
RECORDS=10000
TOLERANCE=10 # percent

usage()
{
    echo "usage: scripts/callgrind-check.sh BINARY [--update]" >&2
    exit 2
}

bin=
update=0
for arg in "$@"; do
    case $arg in
    --update) update=1 ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "callgrind-check.sh: unknown option: $arg" >&2; usage ;;
    *) [ -z "$bin" ] || usage; bin=$arg ;;
    esac
done
[ -n "$bin" ] || usage
[ -x "$bin" ] || { echo "callgrind-check.sh: $bin: not an executable" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || {
    echo "callgrind-check.sh: valgrind is not installed (apt-get install valgrind)" >&2
    echo "0 passed, 1 failed"
    exit 1
}

tmp=$(mktemp -d /tmp/a2a-callgrind.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

fail()
{
    echo "callgrind-check: $*"
    echo "0 passed, 1 failed"
    exit 1
}

python3 "$ROOT/scripts/gen-batch.py" --records "$RECORDS" --seed 1 --shape lambda \
    --out "$tmp/in.json" --expected "$tmp/expected.json" || fail "gen-batch.py failed"

rc=0
valgrind --tool=callgrind --callgrind-out-file="$tmp/callgrind.out" \
    "$bin" -n -q "$tmp/in.json" >"$tmp/out.json" 2>"$tmp/valgrind.log" || rc=$?
# Exit 1: the workload's malformed records are listed, as expected.
if [ "$rc" != 1 ]; then
    tail -n 20 "$tmp/valgrind.log"
    fail "$bin exited $rc under valgrind (1 expected)"
fi
cmp -s "$tmp/out.json" "$tmp/expected.json" || fail "the dry-run response differs from gen-batch.py's --expected"

# "summary: N" (or "totals: N") carries the total Ir; the first event is Ir.
ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$tmp/callgrind.out")
case $ir in
'' | *[!0-9]*) fail "no instruction total in callgrind's output" ;;
esac
per=$(awk -v ir="$ir" -v n="$RECORDS" 'BEGIN { printf "%.0f", ir / n }')

if [ "$update" = 1 ]; then
    mkdir -p "$(dirname "$BASELINE")"
    {
        echo "# Instructions per record of a dry run (scripts/callgrind-check.sh):"
        echo "# valgrind --tool=callgrind, a2a-recover -n -q on gen-batch.py --records $RECORDS --seed 1,"
        echo "# RelWithDebInfo build (cmake default). Regenerate with --update."
        echo "$per"
    } >"$BASELINE"
    echo "callgrind-check: baseline set to $per instructions/record ($ir in total)"
    echo "1 passed, 0 failed"
    exit 0
fi

[ -f "$BASELINE" ] || fail "no baseline $BASELINE (run with --update)"
base=$(grep -v '^#' "$BASELINE" | awk 'NF { print $1; exit }')
case $base in
'' | *[!0-9]*) fail "$BASELINE holds no number" ;;
esac

verdict=$(awk -v now="$per" -v base="$base" -v tol="$TOLERANCE" 'BEGIN {
    d = (now - base) * 100 / base
    if (d > tol) { v = "regressed" } else if (d < -tol) { v = "improved" } else { v = "same" }
    printf "%s %+.1f", v, d
}')
read -r what delta <<<"$verdict"
echo "callgrind-check: $per instructions/record now, $base in the baseline ($delta%)"
case $what in
regressed)
    fail "more than $TOLERANCE% above the baseline: a regression (or a build other than RelWithDebInfo)"
    ;;
improved)
    echo "callgrind-check: note: more than $TOLERANCE% below the baseline; if intended, record it:"
    echo "  scripts/callgrind-check.sh $bin --update"
    ;;
esac
echo "1 passed, 0 failed"
