# A --report file fed back as input: its lines have no "dynamodb", so they are no stream
# records. One error line says so (with -q too: it explains the errors around it), once
# however many there are, and names the file to give instead; each line is still classified
# by the handler's rules (the INSERT lines unreportable: exit 4).
$BIN -n -q --report rep.ndjson "$DATA/event-lambda.json" >/dev/null
[ $? -eq 1 ] || fail "the run that writes the report"
$BIN -n -q rep.ndjson 2>err.txt
rc=$?
cat err.txt >&2
[ "$(grep -c 'no "dynamodb" member' err.txt)" -eq 1 ] || fail "not said exactly once"
exit $rc
