$BIN -n "$DATA/get-records.json" "$DATA/records-array.json" "$DATA/event-lambda.json"
