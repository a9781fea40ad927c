$BIN -n --to 100000000000000000001 "$DATA/ok-batch.json"
