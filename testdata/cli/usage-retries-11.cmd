$BIN -n --retries 11 "$DATA/ok-batch.json"
