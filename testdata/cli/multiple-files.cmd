$BIN -n "$DATA/event-lambda.json" "$DATA/records-array.json" "$DATA/get-records.json"
