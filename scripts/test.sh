#!/usr/bin/env bash
# The whole test suite, as CI runs it: set up, then
#   1. plain build (-Werror): unit, CLI golden (+ valgrind), integration, docs, lint tests;
#      the Release build compiles clean; the Debian package builds, passes lintian and works
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: the same tests
#   2b. ThreadSanitizer build: the integration tests that run several engine threads
#   2c. the portable string scan forced (-DA2A_FORCE_PORTABLE=ON): unit and golden tests
#   3. the instructions-per-record regression check (callgrind)
#   4. each fuzz target for FUZZ_SECONDS (default 30: three targets, and a fresh machine also
#      spends minutes installing packages; CI stays under 15 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

# unittest_selected PATTERN... -- FILE...: runs the Python tests whose names hold a PATTERN
# (unittest -k) and fails when a PATTERN selected none: unittest itself passes having run
# nothing, so a renamed test would silently drop out of the selection.
unittest_selected() {
    local -a k=() patterns=()
    local log p rc=0
    while [ "$1" != -- ]; do
        patterns+=("$1")
        k+=(-k "$1")
        shift
    done
    shift
    log=$(mktemp)
    python3 -m unittest -v "${k[@]}" "$@" 2>&1 | tee "$log" || rc=$?
    for p in "${patterns[@]}"; do
        if ! grep -Eq "^test[A-Za-z0-9_]*${p}[A-Za-z0-9_]* \(" "$log"; then
            echo "test.sh: unittest -k $p ran no test" >&2
            rc=1
        fi
    done
    rm -f "$log"
    return "$rc"
}

scripts/setup.sh build -DA2A_WERROR=ON -DBUILD_TESTING=ON
# The optimised build (the one scripts/bench.sh measures) must build clean too: -O3 sees
# warnings -O2 does not.
scripts/setup.sh build-release -DA2A_WERROR=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Release
ctest --test-dir build --output-on-failure -j "$jobs"
# The scanner's helper thread under valgrind: one differential job in 40 (about 20 s), and a
# whole dry run over a file large enough to be scanned ahead (the golden cases are too small).
A2A_SCAN_AHEAD_EVERY=40 valgrind -q --error-exitcode=9 --leak-check=full \
    build/tests/unit/test_scan_ahead >/dev/null
scan_ahead_tmp=$(mktemp -d)
python3 scripts/gen-batch.py --records 3000 --seed 3 --out "$scan_ahead_tmp/batch.json" \
    --expected "$scan_ahead_tmp/expected.json"
rc=0
valgrind -q --error-exitcode=9 --leak-check=full build/cli/a2a-recover -n -q \
    "$scan_ahead_tmp/batch.json" >"$scan_ahead_tmp/out.json" 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] || { echo "test.sh: valgrind dry run over a scanned-ahead file: exit $rc" >&2; exit 1; }
cmp "$scan_ahead_tmp/out.json" "$scan_ahead_tmp/expected.json"
rm -rf "$scan_ahead_tmp"
# The Debian package: built Release with Debian's flags, lintian clean, unpacked into a
# temporary root and used from there (tests/package/check-deb.sh; about 10 s).
tests/package/check-deb.sh . build-deb

scripts/setup.sh build-asan -DA2A_WERROR=ON -DBUILD_TESTING=ON -DA2A_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ctest --test-dir build-asan --output-on-failure -j "$jobs"

# The engine threads share only the pool's hand-over lists and its circuit breaker: TSan
# checks them on the live tests that run several threads (fail-fast, the breaker, signals,
# faults, the shared rate). Timing-bound
# tests stay out: TSan slows the reader ~10x.
scripts/setup.sh build-tsan -DA2A_WERROR=ON -DBUILD_TESTING=ON -DA2A_TSAN=ON \
    -DCMAKE_BUILD_TYPE=Debug
# The scanner's helper thread hands the records of a part over to the scanner: TSan checks
# that hand-over on one job in 8 of unit_test_scan_ahead (all of them: over a minute here);
# and libcurl opened by first calls on four threads at once (unit_test_curl_loader).
A2A_SCAN_AHEAD_EVERY=8 TSAN_OPTIONS="halt_on_error=1 exitcode=66" ctest --test-dir build-tsan \
    --output-on-failure -R 'unit_test_(dispatch|scan_ahead|curl_loader)$'
A2A_RECOVER_BIN=$PWD/build-tsan/cli/a2a-recover TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
    unittest_selected fail_fast_on_two mid_run_on_two randomized_invariant_on_three \
    rate_limit_shared four_engine_threads leaves_the_work breaker_n_follows_concurrency \
    breaker_after_answers fail_fast_https max_time_server gone_mid_run -- \
    tests/integration/test_dispatch.py tests/integration/test_operator.py \
    tests/integration/test_faults.py

# Strings are scanned with SSE2/NEON; the portable 8-bytes-at-a-time fallback other CPUs get
# is built and tested too (unit and golden tests only: the rest does not depend on it).
scripts/setup.sh build-portable -DA2A_WERROR=ON -DBUILD_TESTING=ON -DA2A_FORCE_PORTABLE=ON
ctest --test-dir build-portable --output-on-failure -j "$jobs" -R '^(unit_test_|cli_golden/)'

if [ -x scripts/callgrind-check.sh ]; then
    scripts/callgrind-check.sh build/cli/a2a-recover
fi
if [ -x scripts/fuzz.sh ]; then
    scripts/fuzz.sh "${FUZZ_SECONDS:-30}"
fi
echo "test.sh: all suites passed"
