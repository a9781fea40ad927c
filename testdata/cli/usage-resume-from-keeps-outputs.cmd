# A refused --resume-from changes nothing on disk: an existing --report or --acked-messages
# file keeps its bytes (a review found them emptied when the outputs were opened before the
# check, and that change was reverted).
printf 'PRECIOUS REPORT\n' > "$TMP/rep.ndjson"
printf 'PRECIOUS ACKED\n' > "$TMP/acked.ndjson"
$BIN -u http://127.0.0.1:9/x --report "$TMP/rep.ndjson" --acked-messages "$TMP/acked.ndjson" \
    --resume-from 227 "$DATA/records.ndjson"
echo "exit $?" >&2
cat "$TMP/rep.ndjson" "$TMP/acked.ndjson" >&2
exit 0
