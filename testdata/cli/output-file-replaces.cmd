echo old > resp.json; $BIN -n -o resp.json "$DATA/ok-batch.json"
rc=$?
printf "%s\n" "{\"batchItemFailures\":[]}" | cmp -s - resp.json || fail "-o: resp.json holds \"$(head -c 80 resp.json)\""
exit $rc
