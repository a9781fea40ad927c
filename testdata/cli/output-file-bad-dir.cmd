$BIN -n -o no-such-dir/resp.json "$DATA/ok-batch.json"
