# -v shows the skipped eventNames and the dispatched SequenceNumber escaped, one line each.
$BIN -n -v "$DATA/nul-envelope.json" 2>log.txt
rc=$?
[ "$(tr -cd '\000' <log.txt | wc -c)" -eq 0 ] || fail "stderr holds a raw NUL byte"
cat log.txt >&2
exit $rc
