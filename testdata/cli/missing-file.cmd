$BIN -n "$DATA/no-such-file.json"
