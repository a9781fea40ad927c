# a refused output leaves every other output as it was: --report is truncated only once all
# outputs are open
printf 'old report\n' > rep.ndjson
$BIN -n --report rep.ndjson --failed-out no-such-dir/f.json "$DATA/ok-batch.json"
rc=$?
[ "$(cat rep.ndjson)" = "old report" ] || fail "--report: rep.ndjson holds \"$(head -c 80 rep.ndjson)\""
[ ! -e no-such-dir ] || fail "no-such-dir created"
exit $rc
