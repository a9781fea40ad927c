$BIN -n --threads 0 "$DATA/ok-batch.json"
