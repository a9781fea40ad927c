#!/usr/bin/env bash
# The end-to-end demo: set up, start the test dispatcher on loopback with a bundled seed,
# replay a bundled captured batch through a2a-recover, show the response and what the
# dispatcher received; then replay a short stream served by the test Streams server
# (loopback, dummy keys, no instance metadata), and stop both servers.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
scripts/setup.sh build || exit 1

work=$(mktemp -d)
streams=
trap 'kill "$dispatcher" $streams 2>/dev/null; wait "$dispatcher" $streams 2>/dev/null; rm -rf "$work"' EXIT
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

# The stream: three shards, parent -> child -> grandchild (the last one open), read in
# lineage order straight from the test Streams server. Dummy keys, loopback only; every
# other AWS_* variable is cleared and instance metadata is off.
stream_arn=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["streams"][0]["StreamArn"])' \
    testdata/streams/lineage.json)
printf '[{"accessKeyId":"AKIDDEMO","secretAccessKey":"demo-secret"}]\n' >"$work/keys.json"
python3 scripts/test-streams.py --seed testdata/streams/lineage.json --keys-file "$work/keys.json" \
    --port 0 --port-file "$work/streams-port" --record "$work/streams.jsonl" \
    >"$work/streams.out" 2>&1 &
streams=$!
for _ in $(seq 50); do [ -s "$work/streams-port" ] && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(cat "$work/streams-port")"
echo
echo "== replaying the stream $stream_arn"
echo "   from the test Streams server at $endpoint (--idle 1: the last shard is open)"
unset_aws=()
while IFS= read -r name; do
    unset_aws+=(-u "$name")
done < <(env | sed -n 's/^\(AWS_[A-Za-z0-9_]*\)=.*/\1/p')
env "${unset_aws[@]}" \
    AWS_ACCESS_KEY_ID=AKIDDEMO AWS_SECRET_ACCESS_KEY=demo-secret AWS_EC2_METADATA_DISABLED=true \
    build/cli/a2a-recover -u "$url" --stream "$stream_arn" --endpoint-url "$endpoint" \
    --idle 1 --no-progress --report "$work/stream-report.ndjson"
echo "   exit status $?"
python3 - "$work/stream-report.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("  %s  seq %s  %s" % (r["file"].rsplit(" shard ", 1)[1], r["sequenceNumber"],
                                r["outcome"]))
PY
