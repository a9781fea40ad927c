$BIN -n "$DATA/damage.json" "$DATA/bad-trailing-comma.json"
