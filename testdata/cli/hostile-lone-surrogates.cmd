$BIN -n "$DATA/hostile-escapes.json"
