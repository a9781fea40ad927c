$BIN -n "$DATA/record-single.json"
