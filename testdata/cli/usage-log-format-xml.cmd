$BIN -n --log-format xml "$DATA/ok-batch.json"
