$BIN -n "$DATA/bad-trailing-comma.json"
