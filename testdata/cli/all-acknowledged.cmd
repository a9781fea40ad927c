$BIN -n "$DATA/ok-batch.json"
