#!/usr/bin/env bash
# Fault soak by hand: replay generated batches against scripts/test-dispatcher.py with 30%
# injected faults (503, resets, delays beyond --timeout, 429 + Retry-After) and a SIGTERM or
# SIGINT at a random moment, checking from the dispatcher's record that no record is lost.
#
#   scripts/soak.sh                      20 runs x 10,000 records (about 10 minutes)
#   scripts/soak.sh --runs 100 --seed 7  longer; --records N, --signal-runs N, -j N, --keep
#
# The binary is $A2A_RECOVER_BIN, else build/cli/a2a-recover (built if missing).
# Exit status 0 when there are zero violations. See tests/integration/soak.py.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${A2A_RECOVER_BIN:-}" ]; then
    A2A_RECOVER_BIN="$PWD/build/cli/a2a-recover"
    if [ ! -x "$A2A_RECOVER_BIN" ]; then
        cmake -S . -B build >/dev/null
        cmake --build build -j "$(nproc)" --target a2a-recover >/dev/null
    fi
fi
export A2A_RECOVER_BIN A2A_SOURCE_DIR="$PWD"
exec python3 tests/integration/soak.py "$@"
