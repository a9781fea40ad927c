# an output that names an input would destroy it before it is read: refused, input intact
cp "$DATA/ok-batch.json" cap.json
$BIN -n --report cap.json cap.json
rc=$?
cmp -s cap.json "$DATA/ok-batch.json" || fail "cap.json changed ($(wc -c <cap.json) bytes)"
exit $rc
