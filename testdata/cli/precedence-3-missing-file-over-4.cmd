$BIN -n "$DATA/unreportable.json" no-such-file.json
