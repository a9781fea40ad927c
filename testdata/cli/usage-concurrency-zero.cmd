$BIN -n -j 0 "$DATA/ok-batch.json"
