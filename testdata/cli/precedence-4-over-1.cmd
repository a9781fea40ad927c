$BIN -n "$DATA/precedence.ndjson"
