$BIN -n "$DATA/unreportable.json"
