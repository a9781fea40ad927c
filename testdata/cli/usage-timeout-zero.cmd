$BIN -n --timeout 0 "$DATA/ok-batch.json"
