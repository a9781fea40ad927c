# A --report file fed back as input: its lines have no "dynamodb", so they are no stream
# records. One warning says so, once however many there are; each line is still classified
# by the handler's rules (the INSERT lines unreportable: exit 4).
$BIN -n -q --report rep.ndjson "$DATA/event-lambda.json" >/dev/null
[ $? -eq 1 ] || fail "the run that writes the report"
$BIN -n rep.ndjson 2>err.txt
rc=$?
cat err.txt >&2
[ "$(grep -c 'no "dynamodb" member' err.txt)" -eq 1 ] || fail "not said exactly once"
exit $rc
