$BIN -n --max-record-size 10 "$DATA/ok-batch.json"
