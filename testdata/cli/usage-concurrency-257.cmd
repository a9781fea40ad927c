$BIN -n --concurrency=257 "$DATA/ok-batch.json"
