cat "$DATA/event-lambda.json" "$DATA/records.ndjson" "$DATA/record-single.json" | $BIN -n
