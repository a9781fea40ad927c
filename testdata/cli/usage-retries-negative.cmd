$BIN -n --retries -1 "$DATA/ok-batch.json"
