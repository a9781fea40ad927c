$BIN "$DATA/ok-batch.json"
