$BIN -n "$DATA/hostile-dup-seq.json"
