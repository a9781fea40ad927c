$BIN -n -Z "$DATA/ok-batch.json"
