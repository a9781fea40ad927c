$BIN -n "$DATA/record-single.json" "$DATA/record-single.json"
