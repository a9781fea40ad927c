$BIN -n --connect-timeout 1.2.3 "$DATA/ok-batch.json"
