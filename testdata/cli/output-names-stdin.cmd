# standard input redirected from a file is an input too
cp "$DATA/ok-batch.json" cap.json
$BIN -n --failed-out cap.json <cap.json
rc=$?
cmp -s cap.json "$DATA/ok-batch.json" || fail "cap.json changed"
exit $rc
