$BIN -n --timeout x "$DATA/ok-batch.json"
