$BIN -n --threads 65 "$DATA/ok-batch.json"
