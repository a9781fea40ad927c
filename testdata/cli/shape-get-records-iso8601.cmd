$BIN -n "$DATA/get-records.json"
