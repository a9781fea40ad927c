$BIN -n -q "$DATA/ok-batch.json"
