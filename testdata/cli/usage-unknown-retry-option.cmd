$BIN -n --retry 3 "$DATA/ok-batch.json"
