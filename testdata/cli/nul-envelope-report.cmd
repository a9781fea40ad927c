# --report and --failed-out carry eventName / SequenceNumber holding U+0000 exactly: the report
# lines are JSON with \u0000, and the failed records replay to the same listing.
$BIN -n --report rep.ndjson --failed-out failed.json "$DATA/nul-envelope.json"
rc=$?
grep -qF '{"position":3,' rep.ndjson || fail "--report: no line for record 3"
grep -F '{"position":3,' rep.ndjson | grep -qF ',"sequenceNumber":"1\u00002","eventName":"INSERT","outcome":"parse_error",' ||
	fail "--report: record 3 does not show its SequenceNumber escaped"
grep -F '{"position":1,' rep.ndjson | grep -qF ',"sequenceNumber":"950000000000000000001","eventName":"MODIFY\u0000","outcome":"skipped",' ||
	fail "--report: record 1 does not show its eventName escaped"
grep -F '{"position":4,' rep.ndjson | grep -qF ',"sequenceNumber":"95\u00004","eventName":"INSERT","outcome":"would_dispatch",' ||
	fail "--report: record 4 is not would_dispatch with its SequenceNumber escaped"
if command -v python3 >/dev/null 2>&1; then
	python3 -c "
import json, sys
got = []
for n, line in enumerate(open(sys.argv[1], encoding=\"utf-8\"), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        sys.exit(\"report line %d is not JSON: %s\" % (n, e))
    got.append((o[\"sequenceNumber\"], o[\"eventName\"], o[\"outcome\"]))
want = [(\"950000000000000000001\", \"MODIFY\x00\", \"skipped\"),
        (\"950000000000000000002\", \"INSERT\x00\", \"skipped\"),
        (\"1\x002\", \"INSERT\", \"parse_error\"),
        (\"95\x004\", \"INSERT\", \"would_dispatch\"),
        (\"\x00\", \"INSERT\", \"parse_error\"),
        (\"950000000000000000006\", \"INSERT\", \"would_dispatch\")]
if got != want:
    sys.exit(\"report %r\" % (got,))
ev = json.load(open(sys.argv[2], encoding=\"utf-8\"))
seqs = [r[\"dynamodb\"][\"SequenceNumber\"] for r in ev[\"Records\"]]
if seqs != [\"1\x002\", \"\x00\"]:
    sys.exit(\"--failed-out SequenceNumbers %r\" % (seqs,))
" rep.ndjson failed.json || fail "--report / --failed-out do not carry U+0000 exactly"
fi
$BIN -n -q failed.json >replay.out 2>/dev/null
[ $? -eq 1 ] || fail "replaying --failed-out: exit status not 1"
cmp -s replay.out "$DATA/nul-envelope.out" || fail "replaying --failed-out lists other identifiers"
exit $rc
