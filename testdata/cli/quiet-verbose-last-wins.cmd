$BIN -n -q -v "$DATA/ok-batch.json"
