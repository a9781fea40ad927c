$BIN -n < "$DATA/records.ndjson"
