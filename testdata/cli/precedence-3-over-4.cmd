$BIN -n "$DATA/precedence.ndjson" "$DATA/bad-trailing-comma.json"
