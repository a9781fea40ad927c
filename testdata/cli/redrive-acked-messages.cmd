# --acked-messages: message 1 (updates only: skipped) is acked; message 2s INSERT fails at
# a refused port (listed; exit 5: the dispatcher answered no call), so it is not; message 3
# names message 1s range again: read once, acked with it.
cd "$DATA" && $BIN -u http://127.0.0.1:9 --retries 0 --no-progress --acked-messages "$TMP/acked.ndjson" redrive-acked.ndjson; rc=$?; cat "$TMP/acked.ndjson"; exit $rc
