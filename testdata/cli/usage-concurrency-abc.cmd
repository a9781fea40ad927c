$BIN -n -j abc "$DATA/ok-batch.json"
