$BIN -n -q "$DATA/damage.json"
