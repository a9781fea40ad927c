$BIN -n "$DATA/record-single.json" - "$DATA/records-array.json" < "$DATA/records.ndjson"
