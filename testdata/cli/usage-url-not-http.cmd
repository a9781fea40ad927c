$BIN -u ftp://127.0.0.1/internal/push/redispatch "$DATA/ok-batch.json"
