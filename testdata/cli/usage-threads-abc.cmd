$BIN -n --threads x "$DATA/ok-batch.json"
