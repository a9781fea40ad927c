$BIN -n "$DATA/damage.json"
