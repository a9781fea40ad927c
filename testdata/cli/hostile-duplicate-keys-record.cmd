$BIN -n "$DATA/hostile-dup-keys.json"
