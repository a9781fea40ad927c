$BIN -n < "$DATA/concat.json"
