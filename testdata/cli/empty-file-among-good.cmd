: > empty.json; $BIN -n "$DATA/ok-batch.json" empty.json
