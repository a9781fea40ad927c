$BIN -n --frobnicate "$DATA/ok-batch.json"
