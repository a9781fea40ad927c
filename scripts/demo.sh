#!/usr/bin/env bash
# The end-to-end demo: set up, start the test dispatcher on loopback with a bundled seed,
# replay a bundled captured batch through a2a-recover, show the response and what the
# dispatcher received, stop the dispatcher.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/setup.sh build || exit 1

work=$(mktemp -d)
trap 'kill "$dispatcher" 2>/dev/null; wait "$dispatcher" 2>/dev/null; rm -rf "$work"' EXIT
python3 scripts/test-dispatcher.py --seed testdata/dispatcher/demo-seed.json \
    --port-file "$work/port" --record "$work/received.jsonl" >"$work/dispatcher.out" 2>&1 &
dispatcher=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/internal/push/redispatch"

echo "== replaying testdata/demo/batch.json against $url"
echo "   (2 valid markers, a MODIFY, a deleted task, a malformed record, a REMOVE,"
echo "    a duplicate delivery, a marker with a negative timestamp)"
build/cli/a2a-recover -u "$url" --report "$work/report.ndjson" testdata/demo/batch.json \
    >"$work/response.json"
status=$?
echo
echo "== response (stdout), exit status $status (1: a record is listed for retry)"
cat "$work/response.json"
echo
echo "== per-record report (--report)"
python3 - "$work/report.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("  record %-2d %-6s %-13s %s" % (r["position"], r["eventName"], r["outcome"],
                                          r["reason"] or ""))
PY
echo
echo "== what the dispatcher received"
python3 - "$work/received.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["kind"] == "request":
        print("  POST %s -> %d %s" % (r["headers"].get("idempotency-key"), r["status"], r["outcome"]))
    else:
        print("     webhook %s for %s/%s" % (r["config"], r["tenant"], r["taskId"]))
PY
