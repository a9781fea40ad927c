$BIN -u 'http://[::1/internal/push/redispatch' "$DATA/ok-batch.json"
