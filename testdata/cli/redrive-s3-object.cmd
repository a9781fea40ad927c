# An S3 on-failure object, payload as an object: its records replayed directly, each report
# line naming the message and the shard of its range.
cd "$DATA/../redrive" && $BIN -n --no-progress --report "$TMP/report.ndjson" s3-object.json && cat "$TMP/report.ndjson"
