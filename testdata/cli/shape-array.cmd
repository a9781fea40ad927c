$BIN -n "$DATA/records-array.json"
