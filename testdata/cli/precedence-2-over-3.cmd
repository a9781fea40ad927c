$BIN -n --no-such-option "$DATA/bad-trailing-comma.json"
