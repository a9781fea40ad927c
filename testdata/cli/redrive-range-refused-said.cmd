# A range the tool refuses says which part is wrong (it said "bad shard id or end sequence
# number" for either), and an overlong shard id shown cut is marked so. Exit 6 (unreadable).
cat > "$TMP/long.ndjson" <<'JSON'
{"DDBStreamBatchInfo":{"shardId":"sssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss","startSequenceNumber":"100000000000000000001","endSequenceNumber":"100000000000000000001","batchSize":1,"streamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/a2a_push_pending_dispatches/stream/2026-01-01T00:00:00.000"}}
JSON
$BIN -n --no-progress --endpoint-url http://127.0.0.1:9 "$TMP/long.ndjson"
