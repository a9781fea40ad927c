$BIN -n "$DATA/hostile-dup-image.json"
